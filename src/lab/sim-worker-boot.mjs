// Entry of the simulated switch's worker thread: the sources are TypeScript,
// run through tsx like the CLI (bin/piman.js), so the worker registers it first.
import { register } from 'tsx/esm/api';
register();
await import('./sim-switch-worker.ts');
