/**
 * One load run with autocannon (as a library), recording every response's latency and status,
 * and the server's resident set size while it runs.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { percentile, type DbKind } from './shared';
import type { TargetStats } from './report';

/** One request to send. */
export interface NextRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** JSON unless `contentType` says otherwise. */
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Called for every request a connection sends: what to send next. */
export type RequestSpec = () => NextRequest;

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** pid whose RSS to sample while the load runs. */
  pid?: number;
}

/** What one or more runs against one server measured. */
export class Samples {
  latencies: number[] = [];
  ok = 0;
  non2xx = 0;
  socketErrors = 0;
  seconds = 0;
  peakRssKb = 0;
  /** CPU time the server process used (user + system, all threads) while loaded, in ms. */
  cpuMs = 0;
  /** A few non-2xx statuses with their bodies, to explain errors. */
  failures: string[] = [];

  stats(): TargetStats {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      requests: this.ok,
      rps: this.seconds > 0 ? this.ok / this.seconds : 0,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      errors: this.non2xx + this.socketErrors,
      peakRssMb: this.peakRssKb / 1024,
      cpuUsPerRequest: this.ok > 0 ? (this.cpuMs * 1000) / this.ok : NaN,
    };
  }
}

/** Resident set size of a process, in kB (Linux /proc; 0 elsewhere). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux (getconf CLK_TCK)

/** CPU time a process has used so far (user + system, all its threads), in ms (Linux /proc; 0 elsewhere). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Runs `spec` against a server for `seconds`, adding what it measured to `into`. */
export function runLoad(spec: RequestSpec, options: LoadOptions, into: Samples): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpuStart = options.pid ? cpuMs(options.pid) : 0;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        timeout: 10,
        pipelining: 1,
        requests: [
          {
            setupRequest: (req) => {
              const next = spec();
              const headers: Record<string, string> = { ...options.headers, ...next.headers };
              if (next.body !== undefined) headers['content-type'] = next.contentType ?? 'application/json';
              return { ...req, method: next.method, path: next.path, headers, body: next.body ?? Buffer.alloc(0) };
            },
            onResponse: (status, body) => {
              if ((status < 200 || status > 299) && into.failures.length < 5)
                into.failures.push(`${status} ${String(body).slice(0, 300)}`);
            },
          },
        ],
      },
      (err) => {
        clearInterval(sampler);
        if (options.pid) into.cpuMs += cpuMs(options.pid) - cpuStart;
        into.seconds += (performance.now() - started) / 1000;
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve();
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode <= 299) {
        into.ok += 1;
        into.latencies.push(responseTime);
      } else {
        into.non2xx += 1;
      }
    });
    instance.on('reqError', () => {
      into.socketErrors += 1;
    });
    const sampler = setInterval(() => {
      if (options.pid) into.peakRssKb = Math.max(into.peakRssKb, rssKb(options.pid));
    }, 100);
  });
}

export type { DbKind };
