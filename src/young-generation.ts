/**
 * Keeps the daemon's young generation (V8's new space) at its starting
 * size, 1 MB semi-spaces. Left alone, V8 grows it to 16 MB semi-spaces
 * (~34 MB committed) under any burst of allocation (parsing hosts.csv, an
 * SNMP flood, a boot storm) and gives it back only after about a minute of
 * calm. piman's requests leave almost nothing alive, so scavenging a small
 * space costs no more CPU; README "Where the memory goes" has the figures.
 *
 * `--max-semi-space-size` would do it too, but only from Node's command
 * line (NODE_OPTIONS), which a systemd unit or `npx piman server` would
 * each have to repeat. V8 reads the growth factor each time it would grow
 * the space, so setting it at run time is enough; an operator's own
 * semi-space flag in NODE_OPTIONS or on the command line wins.
 */
import v8 from 'node:v8';

export function keepYoungGenerationSmall(): boolean {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (/semi[-_]space/.test(given)) return false;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
