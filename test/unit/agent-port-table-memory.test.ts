/**
 * The agent's port table costs no tree node per cell: registering PIMAN-MIB
 * for 1,000 ports grows the heap by less than 3 MB (24 columns x 1,000
 * rows of net-snmp tree nodes took ~10 MB, the largest part of the daemon's
 * idle heap), and the table is still served, values read live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import snmp from 'net-snmp';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { startAgentHost } from '../../src/snmp/agent-host.js';
import { registerProviders } from '../../src/agent/mib-providers.js';
import { PIMAN_PORT_ENTRY, PORT_COL } from '../../src/agent/oids.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const PORTS = 1000;

test('PIMAN-MIB for 1,000 ports adds < 3 MB of heap, and a GET of a port cell reads the live port', async () => {
  const hosts = Array.from({ length: PORTS }, (_, i) => ({ switchIndex: 1, port: i + 1, mac: `b8:27:eb:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ip: `10.1.${i >> 8}.${i & 255}`, hostname: `pi${i + 1}` }));
  const cluster = await Cluster.open({ switches: [{ index: 1, name: 'sw1', address: '127.0.0.1', ports: PORTS }], hosts, store: new MemoryStateStore(), timeoutMs: 60_000 });
  const host = await startAgentHost({ address: '127.0.0.1', port: 0, communities: [{ name: 'public', access: 'ro' }] });
  try {
    const before = heapAfterGc();
    registerProviders({ cluster, host, system: { sysName: 't', sysContact: '', sysLocation: '' }, startedAt: Date.now(), now: Date.now, switchReachable: () => true, switchStats: () => undefined });
    const grown = heapAfterGc() - before;
    assert.ok(grown < 3e6, `the MIB for ${PORTS} ports took ${(grown / 1e6).toFixed(1)} MB of heap`);

    const session = snmp.createSession('127.0.0.1', 'public', { port: host.port, version: snmp.Version2c, timeout: 2000, retries: 0 });
    try {
      const get = (oid: string): Promise<unknown> =>
        new Promise((resolve, reject) => session.get([oid], (err, vbs) => (err ? reject(err) : resolve(vbs?.[0]?.value?.toString()))));
      assert.equal(await get(`${PIMAN_PORT_ENTRY}.${PORT_COL.pimanPortHostname}.1.500`), 'pi500');
      assert.equal(await get(`${PIMAN_PORT_ENTRY}.${PORT_COL.pimanPortHostname}.1.1000`), 'pi1000');
    } finally {
      session.close();
    }
  } finally {
    await host.close();
  }
});
