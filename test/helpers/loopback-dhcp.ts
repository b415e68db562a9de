/** A DHCP server on 127.0.0.1 whose replies reach a test client, for tests that need unknown-MAC sightings. */
import type { Cluster } from '../../src/cluster/cluster.js';
import { DhcpServer } from '../../src/dhcp/server.js';
import { LeaseStore } from '../../src/dhcp/leases.js';
import { silentLogger } from '../../src/log.js';
import { DhcpTestClient } from './dhcp-client.js';

export interface LoopbackDhcp {
  readonly dhcp: DhcpServer;
  readonly client: DhcpTestClient;
  stop(): Promise<void>;
}

export async function startLoopbackDhcp(cluster: Cluster, stateDir: string): Promise<LoopbackDhcp> {
  const leases = await LeaseStore.open(stateDir);
  const client = await DhcpTestClient.open();
  const dhcp = new DhcpServer({
    settings: { address: '127.0.0.1', netmask: '255.0.0.0', router: '127.0.0.1', dns: [], leaseSeconds: 600 },
    port: 0,
    listenAddress: '127.0.0.1',
    clientPort: client.port,
    broadcastAddress: '127.0.0.1',
    relays: [],
    cluster,
    leases,
    log: silentLogger(),
  });
  await dhcp.start();
  return {
    dhcp,
    client,
    async stop() {
      await dhcp.stop();
      await leases.close();
      await client.close();
    },
  };
}
