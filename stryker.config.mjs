// Mutation testing of the pure cores (README "Mutation testing"); run it with
// `npm run mutation [-- src/file.ts ...]`, not part of `npm test`.
// The TAP runner runs each test file as `node --import tsx <file>` (no
// `--test`, so the tests run in the process Stryker instruments) and, with
// perTest coverage, runs for a mutant only the test files that reach it.

/** The pure cores measured; scripts/mutation.sh narrows this to the files given. */
export const cores = [
  'src/dhcp/packet.ts',
  'src/dhcp/options.ts',
  'src/dhcp/policy.ts',
  'src/tftp/packet.ts',
  'src/tftp/negotiate.ts',
  'src/tftp/session.ts',
  'src/tftp/paths.ts',
  'src/cluster/boot-machine.ts',
  'src/control/conversation.ts',
  'src/store/atomic-file.ts',
  'src/config/hosts.ts',
  'src/snmp/wire.ts',
  'src/snmp/encoder.ts',
  'src/snmp/access.ts',
];

const unitTests = [
  'dhcp-packet',
  'dhcp-policy',
  'tftp-packet',
  'tftp-session',
  'tftp-files',
  'boot-machine',
  'control-conversation',
  'hosts',
  'config',
  'agent-wire',
  'agent-process',
  'agent-usm',
  'snmp-oid-property',
].map((name) => `test/unit/${name}.test.ts`);

const mutate = process.env.PIMAN_MUTATE ? process.env.PIMAN_MUTATE.split(',') : cores;

/**
 * PIMAN_MUTATION_TESTS narrows the test files (comma-separated paths) to
 * those that matter for the files mutated, when every test file per mutant
 * is too slow (the SNMP codec: about 8 s per file on a loaded machine).
 * Fewer tests can only kill fewer mutants, so the score is a lower bound.
 */
const testFiles = process.env.PIMAN_MUTATION_TESTS
  ? process.env.PIMAN_MUTATION_TESTS.split(',')
  : [...unitTests, 'test/unit/*-mutants.test.ts'];

export default {
  packageManager: 'npm',
  testRunner: 'tap',
  tap: {
    testFiles,
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  coverageAnalysis: 'perTest',
  mutate,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  concurrency: Number(process.env.PIMAN_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 10000,
  // The first run (every test file, instrumented) of wire.ts took over the
  // default 5 minutes on a loaded 2-CPU machine.
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 90, low: 80, break: null },
  ignorePatterns: ['bench', 'pi', 'mibs', 'reports', '.state', 'dist', '.stryker-tmp*'],
  // Two runs at once (e.g. on different files) need their own sandbox folders.
  tempDirName: process.env.PIMAN_MUTATION_TMP ?? '.stryker-tmp',
  cleanTempDir: true,
};
