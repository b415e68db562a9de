/**
 * The Pi side of the control channel as piman's shipped pi/hello_protocol.sh
 * (and before it the old script) speaks it, as a pure line machine: piman
 * sends command blocks closed by `EOM`; the Pi echoes each block, runs it
 * and answers status lines. With `noisy` every status line is preceded by
 * its `set -x` trace (`+ send IS_UNINSTALLED`), as the old script sent down
 * the same socket, so piman's whole-line matching gets exercised.
 */

export type HelloAction = 'format' | 'boot';

export interface HelloReply {
  /** Lines to write to the socket, in order (without newlines). */
  readonly send: readonly string[];
  /** Set once piman decided; the caller then installs or boots. */
  readonly action?: HelloAction;
}

export interface HelloScriptOptions {
  readonly installed: boolean;
  readonly noisy: boolean;
}

export class HelloScript {
  private block: string[] = [];
  decided: HelloAction | null = null;

  constructor(private readonly opts: HelloScriptOptions) {}

  private say(...words: string[]): string[] {
    return words.flatMap((w) => (this.opts.noisy ? [`+ send ${w}`, w] : [w]));
  }

  /** Sent as soon as the connection is up, before piman says anything. */
  greeting(): string[] {
    return this.say('Hello World', 'CHECKING IF INSTALLED', this.opts.installed ? 'IS_INSTALLED' : 'IS_UNINSTALLED');
  }

  /** One line from piman (without the newline; a trailing CR is ignored). */
  onLine(raw: string): HelloReply {
    const line = raw.replace(/\r$/, '');
    if (this.decided) return { send: [] };
    if (line !== 'EOM') {
      this.block.push(line);
      return { send: [] };
    }
    const req = this.block.join('\n');
    this.block = [];
    if (req.trim() === '') return { send: [] };
    // The script echoes the whole request before acting on it.
    const send = [...this.say(...req.split('\n'))];
    if (req.startsWith('busybox date -s ')) return { send: [...send, ...this.say('RECEIVED_DATE')] };
    if (req === 'boot') {
      this.decided = 'boot';
      return { send: [...send, ...this.say('RECEIVED_BOOT')], action: 'boot' };
    }
    if (req === 'format') {
      this.decided = 'format';
      return { send: [...send, ...this.say('RECEIVED_FORMAT', 'FORMATTING', 'FINISHED FORMATTING', 'IS_FORMATTED', 'RECEIVING')], action: 'format' };
    }
    return { send: [...send, ...this.say(`Sorry don't know how to do ${req}`)] };
  }

  /** The archive was received and unpacked: confirm, then mount the new root. */
  installed(): string[] {
    return [...this.say('IS_INSTALLED'), ...this.mounted()];
  }

  installFailed(reason: string): string[] {
    return this.say(`INSTALL_FAILED ${reason.replace(/[\r\n]+/g, ' ')}`);
  }

  /** Mount the installed root and switch to it. */
  mounted(): string[] {
    return this.say('MOUNTING', 'FINISHED MOUNTING');
  }
}
