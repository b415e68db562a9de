/** Start-up checks of the agent's communities (pure: the agent logs what they return). */

/** Community names every scanner tries first. */
export const WELL_KNOWN_COMMUNITIES: readonly string[] = ['public', 'private'];

/** True for 127.0.0.0/8 (the agent's default address). */
export function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** Warnings for well-known communities on an agent that listens beyond loopback. */
export function communityWarnings(address: string, readCommunity: string, writeCommunity: string): string[] {
  if (isLoopback(address)) return [];
  const out: string[] = [];
  for (const [key, value] of [
    ['readCommunity', readCommunity],
    ['writeCommunity', writeCommunity],
  ] as const) {
    if (WELL_KNOWN_COMMUNITIES.includes(value)) {
      out.push(`agent.${key} is the well-known "${value}" and the agent listens on ${address}: anyone who can reach it can ${key === 'writeCommunity' ? 'power-cycle and wipe Pis' : 'read the inventory'}; set another value, or agent.v3Only: true`);
    }
  }
  return out;
}
