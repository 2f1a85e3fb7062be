/** The benchmark's results: the JSON it writes and the table it prints. */
import type { DbKind } from './shared';

export interface TargetStats {
  /** 2xx responses. */
  requests: number;
  /** 2xx responses per second of measured time. */
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses + socket errors + timeouts: must be 0. */
  errors: number;
  /** Highest resident set size sampled during the measured time (MB). */
  peakRssMb: number;
  /** CPU time (user + system) the server used per 2xx response, in µs: less sensitive to other load than req/s. */
  cpuUsPerRequest: number;
}

export interface CaseResult {
  db: DbKind;
  id: string;
  label: string;
  /** Rows in the tenant (scale cases). */
  rows?: number;
  service: TargetStats;
  baseline: TargetStats;
  /** service requests/s ÷ baseline requests/s. */
  ratio: number;
  /** baseline CPU per request ÷ service CPU per request: the same ratio measured in CPU time. */
  cpuRatio: number;
  /** The throughput ratio the issue targets, if any. */
  target?: number;
}

/**
 * A personal-access-token case. The bare baseline knows no PATs and signs no tokens, so these
 * load the service alone: `get-pat` against itself with the ordinary signed token, alternately.
 */
export interface PatCaseResult {
  db: DbKind;
  id: string;
  label: string;
  /** The service under the case's load: GET with a PAT-minted token, or POST /oauth/token. */
  service: TargetStats;
  /** `get-pat`: the same GETs with the ordinary signed token, in the same run. */
  ordinary?: TargetStats;
  /** service req/s ÷ ordinary req/s. */
  ratio?: number;
  /** ordinary CPU per request ÷ service CPU per request. */
  cpuRatio?: number;
}

/**
 * The `observability` case: GET by id on the service with one of metrics or tracing on, against
 * the same service with both off (its default), alternately.
 */
export interface ObservabilityResult {
  db: DbKind;
  /** `metrics`, `tracing-100` or `tracing-0`. */
  id: string;
  label: string;
  /** The service with the setting on. */
  service: TargetStats;
  /** Fresh processes per setting; `service` and `off` are each setting's median process. */
  processes: number;
  /** The service with metrics and tracing off, in the same run. */
  off: TargetStats;
  /** (slowest − fastest) ÷ median CPU per request of the `off` processes: the noise floor. */
  offSpread: number;
  /** service req/s ÷ off req/s. */
  ratio: number;
  /** service CPU per request ÷ off CPU per request − 1: what the setting adds to each request. */
  cpuCost: number;
  /** Tracing: what the OTLP receiver got by the time the service had stopped (shutdown flushes). */
  exported?: { spans: number; serverSpans: number };
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchReport {
  meta: {
    when: string;
    node: string;
    cpus: string;
    loadavg: number[];
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
    rounds: number;
    rateLimit: string;
    logLevel: string;
    note: string;
  };
  startup: { db: DbKind; firstStartMs: number; readyMs: number[]; medianMs: number }[];
  seeding: { db: DbKind; rows: number; seconds: number }[];
  cases: CaseResult[];
  scale: CaseResult[];
  soak: { db: DbKind; seconds: number; service: SoakRun; baseline: SoakRun }[];
  pat: PatCaseResult[];
  observability: ObservabilityResult[];
  targets: TargetCheck[];
}

/** One server under the soak's mixed load. RSS: before, peak during, as the load ends, and 10 s later. */
export interface SoakRun {
  rps: number;
  errors: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  rssSettledMb: number;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function caseTable(cases: CaseResult[]): string {
  const head = [
    pad('db', 9),
    pad('case', 34),
    lpad('svc req/s', 10),
    lpad('p50', 7),
    lpad('p99', 7),
    lpad('err', 5),
    lpad('RSS MB', 7),
    lpad('base req/s', 11),
    lpad('p50', 7),
    lpad('p99', 7),
    lpad('err', 5),
    lpad('ratio', 7),
    lpad('CPU µs/req', 11),
    lpad('CPU ratio', 10),
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const c of cases) {
    const s = c.service;
    const b = c.baseline;
    lines.push(
      [
        pad(c.db, 9),
        pad(c.rows !== undefined ? `${c.label} @${c.rows}` : c.label, 34),
        lpad(s.rps.toFixed(0), 10),
        lpad(s.p50.toFixed(1), 7),
        lpad(s.p99.toFixed(1), 7),
        lpad(String(s.errors), 5),
        lpad(s.peakRssMb.toFixed(0), 7),
        lpad(b.rps.toFixed(0), 11),
        lpad(b.p50.toFixed(1), 7),
        lpad(b.p99.toFixed(1), 7),
        lpad(String(b.errors), 5),
        lpad(`${(c.ratio * 100).toFixed(0)}%`, 7),
        lpad(`${s.cpuUsPerRequest.toFixed(0)}/${b.cpuUsPerRequest.toFixed(0)}`, 11),
        lpad(`${(c.cpuRatio * 100).toFixed(0)}%`, 10),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export function patTable(cases: PatCaseResult[]): string {
  const stats = (t: TargetStats | undefined) =>
    t
      ? [
          lpad(t.rps.toFixed(0), 10),
          lpad(t.p50.toFixed(1), 7),
          lpad(t.p99.toFixed(1), 7),
          lpad(String(t.errors), 5),
          lpad(t.cpuUsPerRequest.toFixed(0), 7),
        ]
      : [lpad('—', 10), lpad('', 7), lpad('', 7), lpad('', 5), lpad('', 7)];
  const head = [
    pad('db', 9),
    pad('case', 34),
    lpad('req/s', 10),
    lpad('p50', 7),
    lpad('p99', 7),
    lpad('err', 5),
    lpad('CPU µs', 7),
    lpad('ordinary', 10),
    lpad('p50', 7),
    lpad('p99', 7),
    lpad('err', 5),
    lpad('CPU µs', 7),
    lpad('ratio', 7),
    lpad('CPU ratio', 10),
  ].join(' ');
  const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(0)}%`);
  const lines = [head, '-'.repeat(head.length)];
  for (const c of cases) {
    lines.push(
      [
        pad(c.db, 9),
        pad(c.label, 34),
        ...stats(c.service),
        ...stats(c.ordinary),
        lpad(pct(c.ratio), 7),
        lpad(pct(c.cpuRatio), 10),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export function observabilityTable(results: ObservabilityResult[]): string {
  const head = [
    pad('db', 9),
    pad('setting', 26),
    lpad('req/s', 8),
    lpad('p99', 7),
    lpad('CPU µs', 7),
    lpad('off req/s', 10),
    lpad('p99', 7),
    lpad('CPU µs', 7),
    lpad('ratio', 7),
    lpad('CPU cost', 9),
    lpad('err', 5),
    lpad('off spread', 11),
    '  spans exported (server spans)',
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const r of results) {
    lines.push(
      [
        pad(r.db, 9),
        pad(r.label, 26),
        lpad(r.service.rps.toFixed(0), 8),
        lpad(r.service.p99.toFixed(1), 7),
        lpad(r.service.cpuUsPerRequest.toFixed(0), 7),
        lpad(r.off.rps.toFixed(0), 10),
        lpad(r.off.p99.toFixed(1), 7),
        lpad(r.off.cpuUsPerRequest.toFixed(0), 7),
        lpad(`${(r.ratio * 100).toFixed(0)}%`, 7),
        lpad(`${r.cpuCost >= 0 ? '+' : ''}${(r.cpuCost * 100).toFixed(1)}%`, 9),
        lpad(String(r.service.errors + r.off.errors), 5),
        lpad(`${(r.offSpread * 100).toFixed(1)}%`, 11),
        r.exported ? `  ${r.exported.spans} (${r.exported.serverSpans})` : '  —',
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export function targetTable(targets: TargetCheck[]): string {
  return targets
    .map((t) => `  ${t.met ? 'met   ' : 'MISSED'}  ${pad(t.name, 58)} ${pad(t.target, 16)} ${t.measured}`)
    .join('\n');
}
