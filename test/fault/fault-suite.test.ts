/**
 * The fault suite (issue "Field hardening"): each scenario is a subtest in
 * its own module under scenarios/; the last test prints the summary table
 * (hostile inputs per protocol, faults injected, crashes, lost marks, stuck
 * ports) and fails unless every count but the inputs is 0 and there were at
 * least 50,000 inputs. FAULT_SEED=n repeats a run's random inputs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { FaultTally } from './tally.js';
import { Rand, suiteSeed } from './rand.js';
import { killAll } from './site.js';
import { hostileInputs } from './scenarios/hostile-inputs.js';
import { sigkillReinstall } from './scenarios/sigkill.js';
import { stateFolderFull } from './scenarios/state-full.js';
import { switchFaults } from './scenarios/switch-faults.js';
import { vanishingPi } from './scenarios/vanish.js';
import { floodsDuringBoot } from './scenarios/floods.js';

const tally = new FaultTally();
const seed = suiteSeed();
const rand = new Rand(seed);
after(() => killAll());

test('hostile inputs per protocol: piman keeps running and answering', (t) => hostileInputs(t, tally.scenario('hostile inputs'), rand));

test('SIGKILL at 20 points of a reinstall: no mark lost, every port ends up or failed with a reason', (t) => sigkillReinstall(t, tally.scenario('SIGKILL x20')));

test('state folder full, then read-only: changes that must be stored are refused, the old state kept', (t) => stateFolderFull(t, tally.scenario('state folder full/ro')));

test('switch down, slow or answering errors at start and during a power cycle: failed with a reason, then recovers', (t) => switchFaults(t, tally.scenario('switch faults')));

test('a Pi that vanishes mid-TFTP and mid-install: failed with a reason, mark kept, transfers and connections released', (t) => vanishingPi(t, tally.scenario('vanishing Pi')));

test('with an unknown-MAC DHCP flood and a TFTP flood running, a virtual Pi netboots and installs', (t) => floodsDuringBoot(t, tally.scenario('floods + boot'), rand));

test('summary: at least 50,000 hostile inputs; no crash, lost mark or stuck port', (t) => {
  const lines = tally.table();
  lines.push(`seed ${seed} (FAULT_SEED=${seed} repeats the random inputs)`);
  // Diagnostics show in every reporter (spec: "ℹ", TAP: "#"), also when the test fails.
  for (const l of lines) t.diagnostic(l);
  const total = tally.total();
  assert.ok(total.totalInputs >= 50_000, `only ${total.totalInputs} hostile inputs`);
  assert.equal(total.crashes, 0, total.problems.join('\n'));
  assert.equal(total.lostMarks, 0, total.problems.join('\n'));
  assert.equal(total.stuckPorts, 0, total.problems.join('\n'));
});
