// Loader hooks of module-trace.mjs (they run in the loader thread).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.PIMAN_MODULE_TRACE) appendFileSync(process.env.PIMAN_MODULE_TRACE, r.url + '\n');
  return r;
}
