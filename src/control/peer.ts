/** Remote addresses as hosts.csv spells them: a dual-stack socket reports `::ffff:10.0.0.5`. */
export function peerIpv4(remote: string | undefined): string {
  if (!remote) return '';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}
