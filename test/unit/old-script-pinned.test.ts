/**
 * The old piman.py project's Pi-side script that the tests run must be the
 * upstream file byte for byte (test/vendor/piman-py/README.md names the
 * commit and this hash): a compatibility test against an edited copy would
 * prove nothing about the initramfs images in the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const vendor = (f: string): string => fileURLToPath(new URL(`../vendor/piman-py/${f}`, import.meta.url));
/** Upstream commit c25508d (master) and 7581d3a (the first version that runs). */
const UPSTREAM_SHA256: Record<string, string> = {
  'hello_protocol.sh': 'a4db980330cab52c1db826913a69f948a6e0a4f432c6b9535ace56f861332f5c',
  'hello_protocol-7581d3a.sh': '40260818bcc9947d64074472705885ded2547a3dbafc69ea281fe36b66d8b521',
};

for (const [file, sha256] of Object.entries(UPSTREAM_SHA256)) {
  test(`the vendored ${file} is the upstream file, unchanged`, async () => {
    const bytes = await readFile(vendor(file));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256);
    assert.match(await readFile(vendor('README.md'), 'utf8'), new RegExp(sha256));
  });
}

test('the chroot runs that file, sourcing only the shims before it', async () => {
  const enter = await readFile(fileURLToPath(new URL('../helpers/old-pi/enter.sh', import.meta.url)), 'utf8');
  assert.match(enter, /script="\$here\/\.\.\/\.\.\/vendor\/piman-py\/\$\{OLD_SCRIPT:-hello_protocol\.sh\}"/);
  assert.match(enter, /'\. \/piman-shims\.sh && \. \/hello_protocol\.sh'/);
});
