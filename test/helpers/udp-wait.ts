/** Waiting for datagrams in tests, always with a deadline. */
import type { Socket } from 'node:dgram';

export type Datagram = [Buffer, { address: string; port: number }];

/** The next datagram on `s`; rejects after `ms`. */
export function nextMessage(s: Socket, ms = 3000): Promise<Datagram> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      s.off('message', on);
      reject(new Error(`no datagram within ${ms} ms`));
    }, ms);
    const on = (msg: Buffer, from: { address: string; port: number }): void => {
      clearTimeout(t);
      resolve([msg, from]);
    };
    s.once('message', on);
  });
}

/** Every datagram that arrives on `s` during the next `ms`. */
export function messagesDuring(s: Socket, ms: number): Promise<Datagram[]> {
  const got: Datagram[] = [];
  const on = (msg: Buffer, from: { address: string; port: number }): void => void got.push([msg, from]);
  s.on('message', on);
  return new Promise((resolve) =>
    setTimeout(() => {
      s.off('message', on);
      resolve(got);
    }, ms),
  );
}
