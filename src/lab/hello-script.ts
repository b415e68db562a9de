/**
 * The Pi side of the control channel as the old `hello_protocol.sh` spoke it,
 * as a pure line machine: piman sends command lines closed by `EOM`; the Pi
 * runs them and answers status lines. With `noisy` it also echoes every
 * command and sends `set -x` trace lines down the same socket, as the old
 * script did, so piman's whole-line matching gets exercised.
 */

export type HelloAction = 'format' | 'boot';

export interface HelloReply {
  /** Lines to write to the socket, in order (without newlines). */
  readonly send: readonly string[];
  /** Set once piman decided; the caller then installs or boots. */
  readonly action?: HelloAction;
}

export interface HelloScriptOptions {
  readonly installed: boolean;
  readonly noisy: boolean;
}

export class HelloScript {
  private block: string[] = [];
  private statusSent = false;
  decided: HelloAction | null = null;

  constructor(private readonly opts: HelloScriptOptions) {}

  private status(word: string): string[] {
    return this.opts.noisy ? [`+ send ${word}`, `+ echo ${word}`, word] : [word];
  }

  /** One line from piman (without the newline; a trailing CR is ignored). */
  onLine(raw: string): HelloReply {
    const line = raw.replace(/\r$/, '');
    if (this.decided) return { send: [] };
    if (line.trim() !== 'EOM') {
      this.block.push(line);
      return { send: [] };
    }
    const cmds = this.block.filter((l) => l.trim() !== '');
    this.block = [];
    const send: string[] = [];
    let action: HelloAction | undefined;
    for (const cmd of cmds) {
      if (this.opts.noisy) send.push(`+ eval ${cmd}`, cmd);
      const word = cmd.trim();
      if (/^(busybox\s+)?date\s+-s\s+\S+$/.test(word)) {
        send.push(...this.status('RECEIVED_DATE'));
      } else if (word === 'format' || word === 'boot') {
        action = word;
      }
    }
    if (action) {
      this.decided = action;
      return { send, action };
    }
    if (!this.statusSent) {
      this.statusSent = true;
      send.push(...this.status(this.opts.installed ? 'IS_INSTALLED' : 'IS_UNINSTALLED'));
    }
    return { send };
  }

  /** After the archive was received and unpacked: the old script's confirmation. */
  formatted(): string[] {
    return [...this.status('IS_FORMATTED'), ...this.mounted()];
  }

  /** `boot`: mount the installed root and switch to it. */
  mounted(): string[] {
    return [...this.status('MOUNTING'), ...this.status('FINISHED_MOUNTING')];
  }
}
