/**
 * The agent's figures for /metrics: SNMP requests by type and result (the
 * error-status of the response), requests dropped without one, and each
 * switch's reachability. Pure: counters in, metric families out.
 */
import type { SwitchInfo } from '../cluster/types.js';
import type { MetricFamily, MetricSample } from '../metrics/registry.js';
import { RESPONSE_STATUSES, RESPONSE_TYPES, type AgentStats } from '../snmp/agent-host.js';
import { ERR } from '../snmp/error-status.js';

const STATUS_NAMES: string[] = (() => {
  const names = new Array<string>(RESPONSE_STATUSES).fill('genErr');
  for (const [name, n] of Object.entries(ERR)) names[n] = name;
  return names;
})();

export function snmpFamilies(stats: Readonly<AgentStats>): MetricFamily[] {
  const requests: MetricSample[] = [];
  RESPONSE_TYPES.forEach((type, t) => {
    for (let status = 0; status < RESPONSE_STATUSES; status++) {
      const value = stats.responses[t * RESPONSE_STATUSES + status] ?? 0;
      // noError is always there, so a rate() has a series from the first scrape on
      if (status === 0 || value > 0) requests.push({ labels: { type, result: STATUS_NAMES[status]! }, value });
    }
  });
  const dropped = (reason: string, value: number): MetricSample => ({ labels: { reason }, value });
  return [
    { name: 'piman_snmp_requests_total', type: 'counter', help: 'SNMP requests the agent answered, by PDU type and the error-status of the response (noError, noSuchName, wrongValue, ...).', samples: requests },
    {
      name: 'piman_snmp_requests_dropped_total',
      type: 'counter',
      help: 'SNMP messages the agent dropped without a response, by reason.',
      samples: [
        dropped('parse_error', stats.asnParseErrs),
        dropped('bad_version', stats.badVersions),
        dropped('bad_community', stats.badCommunityNames),
        dropped('invalid_v3', stats.invalidMsgs),
        dropped('too_big', stats.silentDrops),
        dropped('internal_error', stats.internalErrors),
      ],
    },
  ];
}

export function reachabilityFamily(switches: readonly SwitchInfo[], reachable: (index: number) => boolean): MetricFamily {
  return {
    name: 'piman_switch_reachable',
    type: 'gauge',
    help: 'pimanSwitchReachable: 1 while the switch answers its probes and requests, 0 when it does not.',
    samples: switches.map((s) => ({ labels: { switch: s.name }, value: reachable(s.index) ? 1 : 0 })),
  };
}
