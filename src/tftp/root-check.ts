/** Start-up check of tftp.root: a missing boot folder would otherwise show only as ERROR 1 to every Pi. */
import { stat } from 'node:fs/promises';
import { PimanError } from '../errors.js';

export async function checkBootFolder(root: string): Promise<void> {
  const hint = 'set tftp.root in piman.yaml to the folder with the Pi boot files (README: "Building the boot folder")';
  let isDir: boolean;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PimanError('E_CONFIG', `${root}: TFTP boot folder ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}; ${hint}`);
  }
  if (!isDir) throw new PimanError('E_CONFIG', `${root}: tftp.root is not a folder; ${hint}`);
}
