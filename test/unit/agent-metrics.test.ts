import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reachabilityFamily, snmpFamilies } from '../../src/agent/agent-metrics.js';
import { RESPONSE_STATUSES, RESPONSE_TYPES, responseSlot, type AgentStats } from '../../src/snmp/agent-host.js';
import { PDU } from '../../src/snmp/wire.js';
import { ERR } from '../../src/snmp/error-status.js';
import { renderFamilies } from '../../src/metrics/registry.js';

test('SNMP requests by type and result: noError for every type, other results once seen; drops by reason', () => {
  const responses = new Array<number>(RESPONSE_TYPES.length * RESPONSE_STATUSES).fill(0);
  responses[responseSlot(PDU.GET, ERR.noError)] = 7;
  responses[responseSlot(PDU.SET, ERR.wrongValue)] = 2;
  responses[responseSlot(PDU.GETBULK, 99)]! += 1; // out of range: counted as genErr
  const stats: AgentStats = { inPkts: 0, badVersions: 1, badCommunityNames: 3, badCommunityUses: 0, asnParseErrs: 4, silentDrops: 5, invalidMsgs: 6, wrongDigests: 0, internalErrors: 0, responses };
  const text = renderFamilies(snmpFamilies(stats));
  assert.match(text, /^piman_snmp_requests_total\{type="get",result="noError"\} 7$/m);
  assert.match(text, /^piman_snmp_requests_total\{type="getnext",result="noError"\} 0$/m);
  assert.match(text, /^piman_snmp_requests_total\{type="set",result="wrongValue"\} 2$/m);
  assert.match(text, /^piman_snmp_requests_total\{type="getbulk",result="genErr"\} 1$/m);
  assert.doesNotMatch(text, /result="noSuchName"/);
  assert.match(text, /^piman_snmp_requests_dropped_total\{reason="bad_community"\} 3$/m);
  assert.match(text, /^piman_snmp_requests_dropped_total\{reason="too_big"\} 5$/m);
  const reach = renderFamilies([reachabilityFamily([{ index: 1, name: 'sw1', address: '127.0.0.1', ports: 8 }, { index: 2, name: 'sw2', address: '127.0.0.2', ports: 8 }], (i) => i === 1)]);
  assert.match(reach, /^piman_switch_reachable\{switch="sw1"\} 1\npiman_switch_reachable\{switch="sw2"\} 0$/m);
});
