/** A delay that ends early (resolving) when the virtual Pi loses power. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', on);
      resolve();
    }, ms);
    const on = (): void => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', on, { once: true });
  });
}
