/**
 * Metrics that parts add to the Prometheus endpoint beside the cluster's
 * (the TFTP server's transfer counts, say): each source is read at scrape
 * time, so nothing is kept twice. Pure rendering in renderFamilies.
 */

export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly MetricSample[];
}

export type MetricSource = () => readonly MetricFamily[];

export class MetricRegistry {
  private readonly sources = new Set<MetricSource>();

  /** Adds a source; the returned function removes it again (a part that stops). */
  add(source: MetricSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  collect(): MetricFamily[] {
    return [...this.sources].flatMap((s) => s());
  }
}

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Text exposition format 0.0.4 of the families. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const l = s.labels ? Object.entries(s.labels) : [];
      out.push(`${f.name}${l.length ? '{' + l.map(([k, v]) => `${k}="${esc(v)}"`).join(',') + '}' : ''} ${s.value}`);
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}
