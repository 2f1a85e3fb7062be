import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string | number>;

/** One label set's observations: per-bucket counts (not cumulative), sum and count. */
export interface Series {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** One exposition value, in the shape prom-client's own Histogram hands its registry. */
interface Value {
  value: number;
  labels: Labels;
  sharedLabels?: Labels;
  metricName?: string;
  /** prom-client's buckets carry one (null: exemplars are off). */
  exemplar?: null;
}

interface Exposition {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: Value[];
}

/**
 * A Prometheus histogram for the per-request and per-statement hot path. prom-client's own
 * Histogram validates the label names and builds a label hash string on every observe: about
 * 3 µs a call inside the service (docs/performance.md, "Metrics and tracing"), which made
 * metrics cost SQLite's GET by id 8–25%. Here the caller finds its series once per label set
 * (a Map lookup by a key it builds), and observing is a bucket search and three additions.
 * The registry, the text format and everything else stay prom-client's: this registers as a
 * collector that reports exactly what a prom-client Histogram would.
 */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series for `key`, made with `labels()` the first time; a key must name one label set. */
  seriesFor(key: string, labels: () => Labels): Series {
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: labels(), counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /** prom-client's bucket rule: the first upper bound the value is at or under (`le`). */
  observe(series: Series, seconds: number): void {
    const bounds = this.buckets;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    if (i < bounds.length) series.counts[i]++;
    series.sum += seconds;
    series.count++;
  }

  /** The same series counted as a Prometheus counter (requests per route, method and status). */
  countAs(registry: Registry, name: string, help: string): void {
    const counter = {
      name,
      help,
      type: 'counter',
      aggregator: 'sum',
      get: () =>
        Promise.resolve({
          ...counter,
          values: [...this.series.values()].map((s) => ({ value: s.count, labels: s.labels })),
        }),
      reset: () => undefined,
    };
    registry.registerMetric(counter as unknown as Metric);
  }

  /** For the text format, as prom-client's Histogram gives it (`le` first, then the series' labels). */
  getForPromString(): Promise<Exposition> {
    const values: Value[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += series.counts[i];
        values.push({
          labels: { le },
          value: cumulative,
          metricName: bucketName,
          sharedLabels: series.labels,
          exemplar: null,
        });
      });
      values.push(
        {
          labels: { le: '+Inf' },
          value: series.count,
          metricName: bucketName,
          sharedLabels: series.labels,
          exemplar: null,
        },
        { labels: {}, value: series.sum, metricName: `${this.name}_sum`, sharedLabels: series.labels },
        { labels: {}, value: series.count, metricName: `${this.name}_count`, sharedLabels: series.labels },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** For getMetricsAsJSON: each value with all its labels. */
  async get(): Promise<Exposition> {
    const exposition = await this.getForPromString();
    const values = exposition.values.map(({ sharedLabels, labels, ...value }) => ({
      ...value,
      labels: { ...labels, ...sharedLabels },
    }));
    return { ...exposition, values };
  }

  reset(): void {
    this.series.clear();
  }
}
