/**
 * A small Prometheus text-format registry: counters, gauges read at scrape time,
 * and one latency histogram. Labels are route patterns and status codes, never
 * raw URLs, so no identifier can leak into metrics.
 */
type Labels = Record<string, string>;

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const labelCache = new Map<string, string>();

/** `{k="v",…}`; cached, since the same few label sets recur on every request. */
function labelText(labels: Labels): string {
  let key = '';
  for (const k in labels) key += `${k}\u0000${labels[k]}\u0000`;
  const cached = labelCache.get(key);
  if (cached !== undefined) return cached;
  const text = renderLabels(labels);
  if (labelCache.size < 10_000) labelCache.set(key, text);
  return text;
}

function renderLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  n: number;
}

export class Metrics {
  private counters = new Map<string, { help: string; values: Map<string, { value: number }> }>();
  private histograms = new Map<string, { help: string; series: Map<string, HistogramSeries> }>();
  private gauges: { name: string; help: string; read: () => Promise<{ labels: Labels; value: number }[]> }[] =
    [];

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.counter(name, help, labels)(by);
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    this.histogram(name, help, labels)(seconds);
  }

  /**
   * One counter series, looked up once: the returned function adds to it. For
   * hot paths that would otherwise build the same label text on every call.
   */
  counter(name: string, help: string, labels: Labels = {}): (by?: number) => void {
    let c = this.counters.get(name);
    if (!c) {
      c = { help, values: new Map() };
      this.counters.set(name, c);
    }
    const values = c.values;
    const key = labelText(labels);
    return (by = 1) => {
      // Looked up per call: the series appears at its first count, never at 0.
      const series = values.get(key);
      if (series) series.value += by;
      else values.set(key, { value: by });
    };
  }

  /** One histogram series, looked up once: the returned function records a duration in seconds. */
  histogram(name: string, help: string, labels: Labels): (seconds: number) => void {
    let h = this.histograms.get(name);
    if (!h) {
      h = { help, series: new Map() };
      this.histograms.set(name, h);
    }
    const series = h.series;
    const key = labelText(labels);
    return (seconds) => {
      let s = series.get(key);
      if (!s) {
        s = { labels: { ...labels }, counts: BUCKETS.map(() => 0), sum: 0, n: 0 };
        series.set(key, s);
      }
      for (let i = 0; i < BUCKETS.length; i++)
        if (seconds <= (BUCKETS[i] as number)) s.counts[i] = (s.counts[i] as number) + 1;
      s.sum += seconds;
      s.n += 1;
    };
  }

  /** A gauge computed when scraped (outbox depth, audit size, …). */
  gauge(name: string, help: string, read: () => Promise<{ labels: Labels; value: number }[]>): void {
    this.gauges.push({ name, help, read });
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [name, c] of this.counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [labels, v] of c.values) lines.push(`${name}${labels} ${v.value}`);
    }
    for (const [name, h] of this.histograms) {
      lines.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
      for (const s of h.series.values()) {
        const labels = s.labels;
        BUCKETS.forEach((b, i) => {
          lines.push(`${name}_bucket${labelText({ ...labels, le: String(b) })} ${s.counts[i]}`);
        });
        lines.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${s.n}`);
        lines.push(`${name}_sum${labelText(labels)} ${s.sum}`, `${name}_count${labelText(labels)} ${s.n}`);
      }
    }
    for (const g of this.gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      try {
        for (const { labels, value } of await g.read()) lines.push(`${g.name}${labelText(labels)} ${value}`);
      } catch {
        // A gauge whose source is down is left out of this scrape rather than failing it.
      }
    }
    const mem = process.memoryUsage();
    lines.push(
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${mem.rss}`,
      '# HELP nodejs_heap_used_bytes V8 heap in use.',
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${mem.heapUsed}`,
      '# HELP process_uptime_seconds Seconds since the process started.',
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${process.uptime()}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
