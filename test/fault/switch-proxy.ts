/**
 * A UDP relay between piman and the simulated switch that can fail the way
 * a real switch does: 'down' (drops every request), 'slow' (answers after
 * `slowMs`, beyond piman's timeout), 'error' (answers every request itself
 * with genErr, without passing it on). 'pass' relays both ways.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readTlv, tlv, uintTlv } from '../../src/snmp/ber.js';

export type SwitchMode = 'pass' | 'down' | 'slow' | 'error';

export class SwitchProxy {
  mode: SwitchMode = 'pass';
  slowMs = 1500;
  /** UDP port of the real (simulated) switch. */
  target = 0;
  /** Requests not relayed as they were (dropped, delayed or answered with an error). */
  faulted = 0;
  private client: RemoteInfo | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly front: Socket,
    private readonly back: Socket,
  ) {
    front.on('message', (msg, from) => this.request(msg, from));
    back.on('message', (msg) => {
      if (this.client) front.send(msg, this.client.port, this.client.address);
    });
    for (const s of [front, back]) s.on('error', () => undefined);
  }

  static async start(): Promise<SwitchProxy> {
    const bind = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = createSocket('udp4');
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => resolve(s));
      });
    return new SwitchProxy(await bind(), await bind());
  }

  get port(): number {
    return this.front.address().port;
  }

  private request(msg: Buffer, from: RemoteInfo): void {
    this.client = from;
    const relay = (): void => void this.back.send(msg, this.target, '127.0.0.1');
    switch (this.mode) {
      case 'pass':
        return relay();
      case 'down':
        this.faulted++;
        return;
      case 'slow': {
        this.faulted++;
        const t = setTimeout(() => (this.timers.delete(t), relay()), this.slowMs);
        this.timers.add(t);
        return;
      }
      case 'error': {
        this.faulted++;
        const answer = genErrResponse(msg);
        if (answer) this.front.send(answer, from.port, from.address);
      }
    }
  }

  /** Resolves once every delayed request has reached the switch (a slow switch applies them late). */
  async idle(): Promise<void> {
    while (this.timers.size > 0) await new Promise((r) => setTimeout(r, 50));
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.front.close();
    this.back.close();
  }
}

/** The request turned into a GetResponse with error-status genErr(5), error-index 1; null if it does not parse. */
export function genErrResponse(req: Buffer): Buffer | null {
  const msg = readTlv(req, 0, 0x30);
  if (!msg) return null;
  const version = readTlv(req, msg.start, 0x02);
  if (!version) return null;
  const community = readTlv(req, version.end, 0x04);
  if (!community) return null;
  const pduTag = req[community.end];
  if (pduTag === undefined || pduTag < 0xa0 || pduTag > 0xa5) return null;
  const pdu = readTlv(req, community.end, pduTag);
  if (!pdu) return null;
  const id = readTlv(req, pdu.start, 0x02);
  if (!id) return null;
  const status = readTlv(req, id.end, 0x02);
  const index = status && readTlv(req, status.end, 0x02);
  if (!status || !index) return null;
  // Same request-id and varbinds, so the client matches it to its request.
  const body = Buffer.concat([req.subarray(pdu.start, id.end), uintTlv(5), uintTlv(1), req.subarray(index.end, pdu.end)]);
  return tlv(0x30, Buffer.concat([req.subarray(msg.start, community.end), tlv(0xa2, body)]));
}
