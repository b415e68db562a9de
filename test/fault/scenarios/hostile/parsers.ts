/** Hostile files: mutated piman.yaml through the config loader, mutated hosts.csv through its parser. Both must only ever throw a PimanError. */
import { parseConfigText } from '../../../../src/config/load.js';
import { parseHostsText } from '../../../../src/config/hosts.js';
import { isPimanError } from '../../../../src/errors.js';
import { LAB_SWITCH } from '../../../../src/lab/lab.js';
import type { Site } from '../../site.js';
import type { Rand } from '../../rand.js';
import type { ScenarioCount } from '../../tally.js';
import { COUNTS } from './common.js';

const YAML_BITS = ['&a', '*a', '*b', '<<: *a', '!!binary', '!!js/function', '{', '}', '[', ']', '- - -', ': :', '? ', '|', '>', '%YAML 1.1', '---', '...', '\t', '"\\u0000"', "'", '1e999', '-0', '0x1F', '~', 'null', '[[[[[[[[[[', '&x [*x]'];

export function configInputs(c: ScenarioCount, rand: Rand, base: string, site: Site): void {
  const lines = base.split('\n');
  for (let i = 0; i < COUNTS.config; i++) {
    let text: string;
    const k = rand.int(4);
    if (k === 0) text = rand.mutate(Buffer.from(base), 8000).toString('latin1');
    else if (k === 1) {
      const ls = [...lines];
      const at = rand.int(ls.length);
      ls.splice(at, rand.int(2), ls[at]!.replace(/: .*/, `: ${rand.pick(YAML_BITS)}`));
      text = ls.join('\n');
    } else if (k === 2) {
      const ls = [...lines];
      ls.splice(rand.int(ls.length), 0, `${' '.repeat(rand.int(6))}${rand.pick(YAML_BITS)} ${rand.pick(YAML_BITS)}`);
      text = ls.join('\n');
    } else {
      // Alias bombs and deep nesting.
      text = rand.int(2) ? `a: &a [x, x, x, x]\n${Array.from({ length: 12 }, (_, j) => `b${j}: &b${j} [*${j ? `b${j - 1}` : 'a'}, *${j ? `b${j - 1}` : 'a'}]`).join('\n')}\n` : '['.repeat(1 + rand.int(3000));
    }
    c.inputs.config++;
    try {
      parseConfigText(text, `${site.dir}/piman.yaml`);
    } catch (e) {
      if (!isPimanError(e)) c.crash(`config loader threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)} on ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}

export function hostsInputs(c: ScenarioCount, rand: Rand, base: string): void {
  const switches = [{ index: 1, name: LAB_SWITCH, address: '127.0.0.1', ports: 4 }];
  const oldForm = 'b8:27:eb:00:00:01;127.0.1.1;pi1;0\nb8:27:eb:00:00:02;127.0.1.2;pi2;0\n';
  const bits = ['"', '""', ',', ';', '\r', '\n', '\ufeff', '\0', 'zz:zz', '999', '-1', '256.0.0.1', 'b8:27:eb:00:00:01', '127.0.1.1', LAB_SWITCH];
  for (let i = 0; i < COUNTS.hosts; i++) {
    const src = rand.int(3) ? base : oldForm;
    let text: string;
    if (rand.int(2)) text = rand.mutate(Buffer.from(src), 4000).toString('utf8');
    else {
      const cells = src.split(/([,;\n])/);
      for (let e = 0; e < 1 + rand.int(3); e++) cells[rand.int(cells.length)] = rand.pick(bits);
      text = cells.join('');
    }
    c.inputs['hosts.csv']++;
    try {
      parseHostsText(text, 'hosts.csv', switches);
    } catch (e) {
      if (!isPimanError(e)) c.crash(`hosts.csv parser threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)} on ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
}
