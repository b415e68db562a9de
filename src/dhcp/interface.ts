/**
 * Node's dgram cannot bind a socket to a device (no SO_BINDTODEVICE), so
 * piman ties DHCP to `server.interface` through its address: the reply
 * socket is bound to server.address, and at start this check makes sure
 * that address really sits on the configured interface.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { PimanError } from '../errors.js';

export function checkInterfaceAddress(
  ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  name: string | undefined,
  address: string,
): void {
  if (name === undefined) return;
  const addrs = ifaces[name];
  if (!addrs) {
    throw new PimanError('E_CONFIG', `server.interface: no network interface '${name}' on this machine (have: ${Object.keys(ifaces).join(', ')})`);
  }
  if (!addrs.some((a) => a.family === 'IPv4' && a.address === address)) {
    const have = addrs.filter((a) => a.family === 'IPv4').map((a) => a.address);
    throw new PimanError(
      'E_CONFIG',
      `server.address ${address} is not an address of server.interface ${name} (it has ${have.join(', ') || 'no IPv4 address'}): ` +
        `add it (ip addr add ${address}/<prefix> dev ${name}) or fix piman.yaml`,
    );
  }
}
