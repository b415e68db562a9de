/**
 * Runs piman's TFTP server alone (for bench/tftp.ts and manual tests):
 *   npx tsx bench/tftp-serve.ts ROOT [PORT] [ADDRESS] [WORKERS] [auto|native|node]   (tftp.datagrams)
 * Prints `listening <port>` when ready; stops on SIGTERM/SIGINT.
 */
import { TftpServer } from '../src/tftp/server.js';
import { createLogger } from '../src/log.js';

const [root, port = '0', address = '127.0.0.1', workers = '0', datagrams = 'auto'] = process.argv.slice(2);
if (!root || !(datagrams === 'auto' || datagrams === 'native' || datagrams === 'node')) {
  console.error('usage: tftp-serve.ts ROOT [PORT] [ADDRESS] [WORKERS] [auto|native|node]');
  process.exit(2);
}
const server = new TftpServer({
  address,
  port: Number(port),
  root,
  serverAddress: address,
  maxTransfers: 400,
  maxBlksize: 1468,
  maxWindowsize: 16,
  timeoutMs: 1000,
  retries: 5,
  workers: Number(workers),
  datagrams,
  log: createLogger({ level: 'warn', pretty: false }),
});
await server.start();
console.log(`listening ${server.address().port}`);
const stop = (): void => {
  void server.stop().then(() => {
    console.error(`stats ${JSON.stringify(server.stats)}`);
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
