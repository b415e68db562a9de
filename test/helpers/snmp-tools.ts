/** Runs the Debian net-snmp tools (snmpget, snmpwalk, ...) with PIMAN-MIB loadable by name. */
import { execFile } from 'node:child_process';
import { mibSearchPath } from '../../src/snmp/mib-path.js';

export const MIB_ARGS = ['-M', `+${mibSearchPath()}`, '-m', '+PIMAN-MIB'];

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTool(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** v2c options for one community against target, with short timeouts. */
export const v2c = (community: string, target: string): string[] => ['-v2c', '-c', community, '-t', '2', '-r', '1', ...MIB_ARGS, target];
