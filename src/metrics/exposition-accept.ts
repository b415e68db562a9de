/** True when the Accept header asks for OpenMetrics (Prometheus 2.x lists it first when it may). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return /application\/openmetrics-text/i.test(accept ?? '');
}
