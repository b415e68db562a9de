/**
 * The virtual Pi's end of the control channel over TCP: connects to piman
 * from the Pi's own address, runs HelloScript, and on `format` receives the
 * rootfs from the install port, the way `nc $master 3333 -e hello_protocol.sh`
 * and `nc $master 4444 | gunzip | tar -xf -` do.
 */
import { connect, type Socket } from 'node:net';
import { PimanError, describeError } from '../errors.js';
import { HelloScript, type HelloAction } from './hello-script.js';
import { receiveRootfs, type InstalledImage } from './rootfs-receiver.js';
import { sleep } from './sleep.js';

export interface HelloClientOptions {
  readonly master: string;
  readonly controlPort: number;
  readonly installPort: number;
  readonly localAddress?: string;
  readonly installed: boolean;
  readonly noisy: boolean;
  /** No line from piman for this long -> give up (the Pi would reboot). */
  readonly timeoutMs: number;
  /** Partitioning and formatting the SD card, between `format` and fetching the rootfs. */
  readonly formatMs?: number;
  readonly signal: AbortSignal;
  readonly onAction?: (a: HelloAction) => void;
}

export interface HelloOutcome {
  readonly action: HelloAction;
  /** Set after `format`. */
  readonly image?: InstalledImage;
}

export function connectTcp(host: string, port: number, localAddress: string | undefined, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(localAddress ? { host, port, localAddress } : { host, port });
    const onAbort = (): void => {
      s.destroy();
      reject(new PimanError('E_ROOTFS', 'aborted (power off)'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(s);
    });
    s.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      reject(new PimanError('E_ROOTFS', `cannot connect to ${host}:${port}: ${e.message}`));
    });
  });
}

export async function runHelloClient(o: HelloClientOptions): Promise<HelloOutcome> {
  const sock = await connectTcp(o.master, o.controlPort, o.localAddress, o.signal);
  const script = new HelloScript({ installed: o.installed, noisy: o.noisy });
  const write = (lines: readonly string[]): void => {
    if (lines.length && !sock.destroyed) sock.write(lines.map((l) => l + '\n').join(''));
  };
  try {
    write(script.greeting());
    const action = await new Promise<HelloAction>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => fail(new PimanError('E_ROOTFS', `control channel: no decision from ${o.master}:${o.controlPort} within ${o.timeoutMs} ms`)), o.timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        o.signal.removeEventListener('abort', onAbort);
        reject(e);
      };
      const onAbort = (): void => fail(new PimanError('E_ROOTFS', 'aborted (power off)'));
      o.signal.addEventListener('abort', onAbort, { once: true });
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const r = script.onLine(line);
          write(r.send);
          if (r.action) {
            clearTimeout(timer);
            o.signal.removeEventListener('abort', onAbort);
            sock.removeAllListeners('data');
            return resolve(r.action);
          }
        }
      });
      sock.once('close', () => fail(new PimanError('E_ROOTFS', `control channel closed by ${o.master} before a decision`)));
      sock.once('error', (e) => fail(new PimanError('E_ROOTFS', `control channel: ${e.message}`)));
    });
    sock.removeAllListeners('close');
    sock.removeAllListeners('error');
    sock.on('error', () => undefined);
    o.onAction?.(action);
    if (action === 'boot') {
      write(script.mounted());
      return { action };
    }
    if (o.formatMs) {
      await sleep(o.formatMs, o.signal);
      if (o.signal.aborted) throw new PimanError('E_ROOTFS', 'aborted (power off)');
    }
    const data = await connectTcp(o.master, o.installPort, o.localAddress, o.signal);
    let image: InstalledImage;
    try {
      image = await receiveRootfs(data, o.signal);
    } catch (e) {
      if (!o.signal.aborted) write(script.installFailed(describeError(e)));
      throw new PimanError('E_ROOTFS', `install: ${describeError(e)}`);
    } finally {
      data.destroy();
    }
    write(script.installed());
    return { action, image };
  } finally {
    await endGracefully(sock);
  }
}


/** Half-close so the last lines reach piman, then free the socket (bounded wait). */
export function endGracefully(sock: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed || sock.writableEnded) {
      sock.destroy();
      return resolve();
    }
    const t = setTimeout(done, 1000);
    function done(): void {
      clearTimeout(t);
      sock.destroy();
      resolve();
    }
    sock.end(done);
  });
}
