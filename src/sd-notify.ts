/**
 * systemd's Type=notify readiness. Node cannot send on a unix datagram
 * socket, so piman runs `systemd-notify` (about 30-50 ms per call on a
 * 2-vCPU VM); the unit needs NotifyAccess=all because the message comes from
 * that child, not from piman's own PID. Since systemd 246 systemd-notify
 * waits until the manager has read the message (BARRIER=1), so the child's
 * quick exit cannot make systemd drop it. Without NOTIFY_SOCKET (not under
 * systemd) nothing runs.
 */
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

/** `args` as systemd-notify takes them: `--ready`, `--status=...`, `STOPPING=1`. */
export function sdNotify(args: readonly string[], log: Logger): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return Promise.resolve();
  return new Promise((resolve) => {
    execFile('systemd-notify', [...args], { timeout: 5000 }, (err, _out, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'systemd-notify not found (package systemd)' : (stderr.trim() || err.message);
        log.error({ code: 'E_STARTUP', args, err: why }, 'cannot notify systemd');
      }
      resolve();
    });
  });
}
