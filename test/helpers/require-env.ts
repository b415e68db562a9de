/**
 * The one way a test gives up for lack of root, network namespaces or a
 * tool: a skip on a developer's machine, a failure under CI=true, where a
 * skip would pass unnoticed. scripts/install-deps.sh installs every tool
 * the tests need, and CI runs as root.
 */

/** The part of node:test's TestContext this needs. */
export interface Skippable {
  skip(message?: string): void;
}

/** True when a test that cannot run must fail instead of skipping. */
export function mustRun(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true';
}

/**
 * Call as `return skipOrFail(t, reason)` at the start of a test that cannot
 * run here. Skips it locally; under CI=true throws, naming the reason.
 */
export function skipOrFail(t: Skippable, reason: string, env: NodeJS.ProcessEnv = process.env): void {
  if (mustRun(env)) {
    throw new Error(`cannot run: ${reason} (CI=true, so this fails instead of skipping; run as root with the tools of scripts/install-deps.sh)`);
  }
  t.skip(reason);
}
