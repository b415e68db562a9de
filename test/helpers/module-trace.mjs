// `node --import ./test/helpers/module-trace.mjs ...` appends the URL of every
// module the process resolves to the file named by PIMAN_MODULE_TRACE, so a
// test can see which modules a command loads (test/integration/cli-lazy-load.test.ts).
import { register } from 'node:module';

register('./module-trace-hooks.mjs', import.meta.url);
