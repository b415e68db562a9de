/**
 * The words of the control channel (README "Installing Pis"), as the old
 * Pi-side script and tcp.py spoke them. Matching is on whole lines, trimmed:
 * the old script echoes every command back and, with `set -x`, sends its
 * shell trace (`+ send IS_INSTALLED`) down the same socket, so a substring
 * match would read a trace line as a status.
 */

/** End of one command block from piman to the Pi. */
export const EOM = 'EOM';

/** `busybox date -s YYYYmmddHHMM.SS` in UTC: the initramfs has no time zone. */
export function dateCommand(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp =
    p(now.getUTCFullYear(), 4) + p(now.getUTCMonth() + 1) + p(now.getUTCDate()) + p(now.getUTCHours()) + p(now.getUTCMinutes()) + '.' + p(now.getUTCSeconds());
  return `busybox date -s ${stamp}`;
}

export type PiMessage =
  | { kind: 'installed' }
  | { kind: 'uninstalled' }
  /** Partitions are ready (the old script sends it before fetching the archive). */
  | { kind: 'formatted' }
  /** The new root is mounted; the Pi switches to it next. */
  | { kind: 'mounted' }
  /** piman's Pi-side script: unpacking failed, with the Pi's reason. */
  | { kind: 'installFailed'; reason: string }
  /** A known progress line that only gets logged. */
  | { kind: 'status'; text: string }
  /** The script echoing piman's own command, or its `set -x` trace. */
  | { kind: 'echo'; text: string }
  | { kind: 'empty' }
  | { kind: 'unknown'; text: string };

/** Lines the old script or tcp.py knew that carry no decision. */
const STATUS = new Set([
  'Hello World',
  'MAKING NODES',
  'MADE NODES',
  'CHECKING IF INSTALLED',
  'RECEIVED_DATE',
  'SET_DATE',
  'RECEIVED_BOOT',
  'RECEIVED BOOT',
  'RECIEVED BOOT',
  'RECEIVED_FORMAT',
  'RECEIVED_REINSTALL',
  'FORMATTING',
  'FINISHED FORMATTING',
  'FINISHED_FORMATTING',
  'MOUNTING',
  'UNMOUNTING',
  'FINISHED UNMOUNTING',
  'FINISHED_UNMOUNTING',
  'RECEIVING',
]);

const ECHOES = new Set(['boot', 'format', 'reinstall', 'ip', EOM]);

export const INSTALL_FAILED = 'INSTALL_FAILED';

export function classifyLine(raw: string): PiMessage {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  switch (text) {
    case 'IS_INSTALLED':
      return { kind: 'installed' };
    case 'IS_UNINSTALLED':
      return { kind: 'uninstalled' };
    case 'IS_FORMATTED':
      return { kind: 'formatted' };
    case 'FINISHED MOUNTING':
    case 'FINISHED_MOUNTING':
      return { kind: 'mounted' };
  }
  if (text === INSTALL_FAILED || text.startsWith(INSTALL_FAILED + ' ')) {
    return { kind: 'installFailed', reason: text.slice(INSTALL_FAILED.length).trim() || 'no reason given' };
  }
  if (STATUS.has(text)) return { kind: 'status', text };
  // `+ cmd` is sh's xtrace (`++` inside subshells); the rest are echoes of our own commands.
  // A lone quote closes a multi-line value in the trace (`+ msg='format<newline>'`).
  if (text.startsWith('+') || /^['"]+$/.test(text) || ECHOES.has(text) || text.startsWith('busybox date -s ') || text.startsWith("Sorry don't know how to do")) {
    return { kind: 'echo', text };
  }
  return { kind: 'unknown', text };
}
