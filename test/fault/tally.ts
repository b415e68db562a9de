/**
 * What the fault suite counts: hostile inputs per protocol, faults injected,
 * and the three things that must never happen (a crash, a lost reinstall
 * mark, a port stuck in a transitional state). Each scenario fills its own
 * row; the suite prints the table and asserts on the totals.
 */
export const PROTOCOLS = ['DHCP', 'TFTP', 'control', 'rootfs', 'config', 'hosts.csv'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export class ScenarioCount {
  readonly inputs: Record<Protocol, number> = { DHCP: 0, TFTP: 0, control: 0, rootfs: 0, config: 0, 'hosts.csv': 0 };
  faults = 0;
  crashes = 0;
  lostMarks = 0;
  stuckPorts = 0;
  /** Why a bad count was taken, for the failure message. */
  readonly problems: string[] = [];

  constructor(readonly name: string) {}

  crash(why: string): void {
    this.crashes++;
    this.problems.push(`crash: ${why}`);
  }
  lostMark(why: string): void {
    this.lostMarks++;
    this.problems.push(`lost mark: ${why}`);
  }
  stuck(why: string): void {
    this.stuckPorts++;
    this.problems.push(`stuck port: ${why}`);
  }
  get totalInputs(): number {
    return PROTOCOLS.reduce((n, p) => n + this.inputs[p], 0);
  }
}

export class FaultTally {
  readonly rows: ScenarioCount[] = [];

  scenario(name: string): ScenarioCount {
    const s = new ScenarioCount(name);
    this.rows.push(s);
    return s;
  }

  total(): ScenarioCount {
    const t = new ScenarioCount('total');
    for (const r of this.rows) {
      for (const p of PROTOCOLS) t.inputs[p] += r.inputs[p];
      t.faults += r.faults;
      t.crashes += r.crashes;
      t.lostMarks += r.lostMarks;
      t.stuckPorts += r.stuckPorts;
      t.problems.push(...r.problems.map((x) => `${r.name}: ${x}`));
    }
    return t;
  }

  /** The summary as text lines: one row per scenario, then the total. */
  table(): string[] {
    const head = ['scenario', ...PROTOCOLS, 'inputs', 'faults', 'crashes', 'lost marks', 'stuck ports'];
    const line = (s: ScenarioCount): string[] => [
      s.name,
      ...PROTOCOLS.map((p) => String(s.inputs[p])),
      String(s.totalInputs),
      String(s.faults),
      String(s.crashes),
      String(s.lostMarks),
      String(s.stuckPorts),
    ];
    const body = [...this.rows.map(line), line(this.total())];
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    const rule = widths.map((w) => '-'.repeat(w)).join('  ');
    return ['fault suite summary (SNMP inputs are counted by the agent suite)', fmt(head), rule, ...body.slice(0, -1).map(fmt), rule, fmt(body.at(-1)!)];
  }
}
