/**
 * One control-channel conversation as a pure function:
 * (conversation, line received, facts about the Pi's port) -> lines to send,
 * boot-machine events to apply (in order), and notes to log. No sockets, no
 * clocks: the server feeds lines and carries the result out.
 *
 * The decision (README "What happens on the wire"): `format` when the Pi reports IS_UNINSTALLED or its
 * port is marked for reinstall, `boot` otherwise. A `format` for an
 * uninstalled Pi also sets the reinstall mark, so the pending install is
 * remembered across a crash of piman or of the Pi: the mark is cleared only
 * by a confirmed install (boot machine `installReported`).
 *
 * Completion: the archive went out completely AND the Pi confirmed after it:
 * IS_INSTALLED (piman's script, after unpacking) or FINISHED MOUNTING (the old
 * script and the lab's virtual Pis mount the new root after unpacking).
 * IS_FORMATTED is never a confirmation on its own: the old script sends it
 * *before* it fetches the archive, and the Pi's small writes can reach piman
 * tens of ms late (Nagle against delayed ACK), after a small archive went out,
 * so its arrival time cannot tell "ready to receive" from "received".
 *
 * The old script on an installed card sends IS_INSTALLED and at once mounts
 * that root (MOUNTING, FINISHED MOUNTING) before it reads piman's first
 * command. When the answer is `format`, those lines are already on their way:
 * a mount report counts as a mount of the new root only once the Pi showed it
 * read `format` (its echo of the command, RECEIVED_FORMAT, FORMATTING, ...,
 * IS_FORMATTED).
 */
import type { BootEvent } from '../cluster/boot-machine.js';
import type { BootState } from '../cluster/types.js';
import { EOM, classifyLine, dateCommand } from './messages.js';

/** What the conversation needs to know about the Pi's port, read fresh for every line. */
export interface PortFacts {
  readonly state: BootState;
  readonly reinstall: boolean;
  readonly archiveSent: boolean;
  /** Why the port's image cannot be installed now (missing or unreadable file), or null: `format` would wipe the Pi for nothing. */
  readonly imageProblem?: string | null;
}

export type Phase =
  /** Date sent; waiting for IS_INSTALLED / IS_UNINSTALLED. */
  | 'asking'
  /** Told `format`: formatting, receiving the archive, confirming. */
  | 'installing'
  /** Told `boot`, or the install was confirmed: waiting for the mount. */
  | 'booting'
  /** Nothing more to decide on this connection. */
  | 'done';

export interface Conversation {
  readonly phase: Phase;
  /** IS_FORMATTED seen (for status only). */
  readonly formatted: boolean;
  /** The Pi confirmed before the archive was marked complete; settle it when it is. */
  readonly confirmPending: boolean;
  /** While installing: the Pi showed it read `format` (earlier mount reports predate it). */
  readonly formatSeen?: boolean;
}

export interface Note {
  readonly level: 'debug' | 'info' | 'warn';
  readonly msg: string;
  /** Rate-limited by the server (unknown lines, ignored hellos): an outsider can repeat them at will. */
  readonly unknown?: boolean;
}

export interface Turn {
  readonly conv: Conversation;
  readonly send: readonly string[];
  readonly events: readonly BootEvent[];
  readonly notes: readonly Note[];
  /** Close the connection after carrying out this turn. */
  readonly close?: boolean;
}

/** What the greeting needs to know: is this hello the start of a boot? */
export interface HelloFacts {
  readonly state: BootState;
  /** The Pi netbooted (PXE DHCP from its MAC) since it was last up; true when piman serves no DHCP. */
  readonly netbootSeen: boolean;
}

/**
 * A Pi runs the hello protocol only from its initramfs, right after a netboot.
 * A hello for a port that is `up` with no netboot since is no boot: it is
 * logged and changes nothing (no date, no decision, no state move), and the
 * connection is closed (`close`).
 */
// Stryker disable next-line ObjectLiteral,StringLiteral,BooleanLiteral: only a state of 'up' in the default could change the check below, and no mutant makes it 'up'
export function openConversation(now: Date, pi: HelloFacts = { state: 'unknown', netbootSeen: true }): Turn {
  if (pi.state === 'up' && !pi.netbootSeen) {
    return {
      conv: { phase: 'done', formatted: false, confirmPending: false },
      send: [],
      events: [],
      notes: [{ level: 'warn', msg: 'hello from a Pi that is up and did not netboot since: ignored, connection closed', unknown: true }],
      close: true,
    };
  }
  return {
    conv: { phase: 'asking', formatted: false, confirmPending: false },
    send: [dateCommand(now), EOM],
    events: [{ type: 'hello' }],
    notes: [],
  };
}

const FORMAT = ['format', EOM] as const;
const BOOT = ['boot', EOM] as const;

export function receiveLine(conv: Conversation, line: string, port: PortFacts): Turn {
  const msg = classifyLine(line);
  const none = (notes: Note[] = []): Turn => ({ conv, send: [], events: [], notes });
  switch (msg.kind) {
    case 'empty':
      return none();
    case 'echo':
      if (msg.text === 'format') return { ...none([{ level: 'debug', msg: 'Pi echoed format' }]), conv: readFormat(conv) };
      return none([{ level: 'debug', msg: `Pi echo/trace: ${msg.text}` }]);
    case 'status':
      if (AFTER_FORMAT.has(msg.text)) return { ...none([{ level: 'debug', msg: `Pi status: ${msg.text}` }]), conv: readFormat(conv) };
      return none([{ level: 'debug', msg: `Pi status: ${msg.text}` }]);
    case 'unknown':
      return none([{ level: 'info', msg: `unknown line from Pi: ${JSON.stringify(msg.text)}`, unknown: true }]);
    case 'uninstalled':
      if (conv.phase !== 'asking') return none([{ level: 'info', msg: `IS_UNINSTALLED ignored while ${conv.phase}` }]);
      if (port.imageProblem) {
        // Nothing to install and nothing installed: the port waits for its image (the mark is kept).
        return {
          conv: { ...conv, phase: 'done' },
          send: [],
          events: [{ type: 'markReinstall' }, { type: 'fail', reason: port.imageProblem }],
          notes: [{ level: 'warn', msg: `Pi is not installed and ${port.imageProblem}: not told format` }],
          close: true,
        };
      }
      return {
        conv: { ...conv, phase: 'installing' },
        send: FORMAT,
        events: [{ type: 'markReinstall' }, { type: 'decision', action: 'format' }],
        notes: [{ level: 'info', msg: 'Pi is not installed: told format' }],
      };
    case 'installed':
      if (conv.phase === 'asking') {
        if (port.reinstall && port.imageProblem) {
          // Its installed system still works: boot it; the mark stays for when the image is back.
          return {
            conv: { ...conv, phase: 'booting' },
            send: BOOT,
            events: [{ type: 'decision', action: 'boot' }],
            notes: [{ level: 'warn', msg: `Pi is marked for reinstall but ${port.imageProblem}: told boot, the mark stays` }],
          };
        }
        if (port.reinstall) {
          return {
            conv: { ...conv, phase: 'installing' },
            send: FORMAT,
            events: [{ type: 'decision', action: 'format' }],
            notes: [{ level: 'info', msg: 'Pi is marked for reinstall: told format' }],
          };
        }
        return {
          conv: { ...conv, phase: 'booting' },
          send: BOOT,
          events: [{ type: 'decision', action: 'boot' }],
          notes: [{ level: 'info', msg: 'Pi is installed: told boot' }],
        };
      }
      if (conv.phase === 'installing') return confirm(conv, port, 'IS_INSTALLED');
      return none([{ level: 'debug', msg: `IS_INSTALLED ignored while ${conv.phase}` }]);
    case 'formatted':
      if (conv.phase !== 'installing') return none([{ level: 'debug', msg: `IS_FORMATTED ignored while ${conv.phase}` }]);
      return { conv: { ...readFormat(conv), formatted: true }, send: [], events: [], notes: [{ level: 'info', msg: 'Pi formatted its disk' }] };
    case 'mounted':
      if (conv.phase === 'booting') {
        return { conv: { ...conv, phase: 'done' }, send: [], events: [{ type: 'up' }], notes: [{ level: 'info', msg: 'Pi mounted its root: up' }] };
      }
      if (conv.phase === 'installing') {
        if (!conv.formatSeen) return none([{ level: 'info', msg: 'mount report sent before the Pi read `format` (its check of the old root): ignored' }]);
        if (!port.archiveSent) {
          const reason = 'Pi mounted its root before the whole rootfs archive was sent';
          return { conv: { ...conv, phase: 'done' }, send: [], events: [{ type: 'installAborted', reason }], notes: [{ level: 'warn', msg: reason }] };
        }
        const t = confirm(conv, port, 'FINISHED MOUNTING after the archive');
        return { ...t, conv: { ...t.conv, phase: 'done' }, events: [...t.events, { type: 'up' }] };
      }
      return none([{ level: 'debug', msg: `mount report ignored while ${conv.phase}` }]);
    case 'installFailed': {
      if (conv.phase !== 'installing') return none([{ level: 'info', msg: `Pi reported an install failure while ${conv.phase}: ${msg.reason}` }]);
      const reason = `Pi could not unpack the rootfs: ${msg.reason}`;
      return { conv: { ...conv, phase: 'done', confirmPending: false }, send: [], events: [{ type: 'installAborted', reason }], notes: [{ level: 'warn', msg: reason }] };
    }
  }
}

/** Lines the Pi sends only after it read `format`. */
const AFTER_FORMAT = new Set(['RECEIVED_FORMAT', 'FORMATTING', 'FINISHED FORMATTING', 'FINISHED_FORMATTING', 'RECEIVING']);

function readFormat(conv: Conversation): Conversation {
  return conv.phase === 'installing' && !conv.formatSeen ? { ...conv, formatSeen: true } : conv;
}

/** The rootfs server sent the whole archive to this Pi: settle a confirmation that came first. */
export function archiveDone(conv: Conversation, port: PortFacts): Turn {
  // Stryker disable next-line BooleanLiteral: confirm() sets confirmPending itself on both of its paths
  if (conv.phase === 'installing' && conv.confirmPending) return confirm({ ...conv, confirmPending: false }, port, 'earlier confirmation');
  return { conv, send: [], events: [], notes: [] };
}

function confirm(conv: Conversation, port: PortFacts, how: string): Turn {
  if (!port.archiveSent) {
    return {
      conv: { ...conv, confirmPending: true },
      send: [],
      events: [],
      notes: [{ level: 'info', msg: `Pi confirmed (${how}) before the archive was marked sent; waiting for the stream to finish` }],
    };
  }
  return {
    conv: { ...conv, phase: 'booting', confirmPending: false },
    send: [],
    events: [{ type: 'installReported' }],
    notes: [{ level: 'info', msg: `install confirmed (${how})` }],
  };
}
