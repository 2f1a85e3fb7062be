/**
 * Soak test: one instance of the built service (dist/, as `npm start` runs it), mixed traffic
 * from a bounded number of loops for a fixed duration, on loopback only. Reports answers by
 * status and operation, and the service's resident memory (RSS) after warm-up and at the end.
 * Fails (exit 1) on any 5xx, timeout or unexpected status, or RSS growth beyond the bound
 * (median of the last 10 s against the median of the 10 s after warm-up; default 64 MiB).
 *
 *   npm run soak                                   # 60 s, 8 loops, SQLite in a temp dir
 *   npm run soak -- --duration 300 --concurrency 16 --rss-bound-mib 64
 *   npm run soak -- --database-url postgres://postgres@127.0.0.1:5432/psg_soak   # an existing, empty database
 * SOAK_SECONDS sets the duration too. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/common/auth/dev-token';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.SOAK_SECONDS ?? '60' },
    concurrency: { type: 'string', default: '8' },
    'warmup-seconds': { type: 'string' },
    'rss-bound-mib': { type: 'string', default: '64' },
    'database-url': { type: 'string' },
  },
  strict: true,
});
const seconds = Number(values.duration);
const concurrency = Number(values.concurrency);
const rssBoundMiB = Number(values['rss-bound-mib']);
const warmupSeconds =
  values['warmup-seconds'] !== undefined
    ? Number(values['warmup-seconds'])
    : Math.min(10, Math.max(1, Math.round(seconds / 6)));
for (const [name, v] of Object.entries({
  duration: seconds,
  concurrency,
  'rss-bound-mib': rssBoundMiB,
  'warmup-seconds': warmupSeconds,
})) {
  if (!Number.isFinite(v) || v <= 0 || (name === 'concurrency' && (!Number.isInteger(v) || v > 64))) {
    process.stderr.write(
      `--${name} must be a positive number${name === 'concurrency' ? ' (an integer, at most 64)' : ''}\n`,
    );
    process.exit(2);
  }
}

const HOST = '127.0.0.1'; // loopback only
const REQUEST_TIMEOUT_MS = 10_000;
const GROUPS_PER_LOOP = 20; // the working set stays bounded: each loop deletes its oldest group past this

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'psg-soak-'));
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    HOST,
    PORT: String(port),
    DATA_DIR: dataDir,
    JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
    // The soak measures the service, not the rate limiter (which would answer most requests 429).
    THROTTLE_LIMIT: '1000000000',
    DATABASE_URL: values['database-url'] ?? '',
  };
  const service = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  service.stdout.on('data', (c) => (output += c));
  service.stderr.on('data', (c) => (output += c));
  const cleanup = () => {
    if (service.exitCode === null) service.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  // Ready when /health/live answers: the log line cannot tell (LOG_LEVEL=warn hides it).
  const waitingSince = Date.now();
  for (;;) {
    const failed =
      service.exitCode !== null
        ? `the service exited (${service.exitCode})`
        : Date.now() - waitingSince > 60_000
          ? 'the service did not start in 60 s'
          : undefined;
    if (failed) {
      cleanup();
      throw new Error(`${failed}:\n${output}`);
    }
    const live = await fetch(`http://${HOST}:${port}/health/live`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (live) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const bearer = `Bearer ${mintToken(createSecretKey(Buffer.from(secret, 'utf8')), { tenant: 'soak', expiresInSeconds: seconds + 3600 })}`;
  const send = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer | 'timeout' | 'error'> =>
    new Promise((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: HOST,
          port,
          method,
          path,
          agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            Authorization: bearer,
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
            ...headers,
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
          res.on('error', () => resolve('error'));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('timeout');
      });
      req.on('error', () => resolve('error'));
      if (payload) req.write(payload);
      req.end();
    });

  const byStatus = new Map<string, number>();
  const byOperation = new Map<string, number>();
  const unexpected: string[] = [];
  let total = 0;
  const record = (op: string, answer: Answer | 'timeout' | 'error', expected: number[]) => {
    total++;
    const status = typeof answer === 'string' ? answer : String(answer.status);
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    byOperation.set(`${op} ${status}`, (byOperation.get(`${op} ${status}`) ?? 0) + 1);
    if (typeof answer === 'string' || !expected.includes(answer.status)) {
      if (unexpected.length < 20)
        unexpected.push(`${op}: ${status} ${typeof answer === 'string' ? '' : answer.body.slice(0, 200)}`);
    }
    return typeof answer === 'string' ? undefined : answer;
  };

  const deadline = Date.now() + seconds * 1000;
  let counter = 0;
  const loop = async (w: number) => {
    const mine: string[] = [];
    // Every URL shape: bare, the yearly prefixes, and SailPoint's per-service path.
    const collections = [
      ...['', '/v3', '/beta', '/v2024', '/v2025', '/v2026', '/latest'].map(
        (prefix) => `${prefix}/password-sync-groups`,
      ),
      '/password-sync-groups/v1',
    ];
    for (let i = 0; Date.now() < deadline; i++) {
      const c = collections[i % collections.length];
      const dice = (i * 7919 + w * 104729) % 100;
      const n = ++counter;
      if (mine.length === 0 || dice < 15) {
        const answer = record(
          'create',
          await send('POST', `${c}`, {
            name: `soak ${w}-${n}`,
            passwordPolicyId: 'pp',
            sourceIds: [`soak-${w}-${n}-a`, `soak-${w}-${n}-b`],
          }),
          [200],
        );
        if (answer?.status === 200) mine.push((JSON.parse(answer.body) as { id: string }).id);
      } else if (dice < 35) {
        record('list', await send('GET', `${c}?limit=50&count=true`), [200]);
      } else if (dice < 60) {
        record('get', await send('GET', `${c}/${mine[i % mine.length]}`), [200]);
      } else if (dice < 70) {
        // Read, then update with If-Match: this loop is the only writer of its groups, so 200.
        const id = mine[i % mine.length];
        const read = record('get', await send('GET', `${c}/${id}`), [200]);
        const etag = read?.headers.etag as string | undefined;
        if (etag)
          record(
            'put if-match',
            await send(
              'PUT',
              `${c}/${id}`,
              { name: `soak ${w}-${n} v`, passwordPolicyId: 'pp-2', sourceIds: [`soak-${w}-${n}-c`] },
              { 'If-Match': etag },
            ),
            [200],
          );
      } else if (dice < 75) {
        record(
          'put stale',
          await send(
            'PUT',
            `${c}/${mine[i % mine.length]}`,
            { name: `soak ${w}-${n} s`, passwordPolicyId: 'pp', sourceIds: [`soak-${w}-${n}-s`] },
            { 'If-Match': '"999999"' },
          ),
          [412],
        );
      } else if (dice < 82) {
        record(
          'put',
          await send('PUT', `${c}/${mine[i % mine.length]}`, {
            name: `soak ${w}-${n} u`,
            passwordPolicyId: 'pp',
            sourceIds: [`soak-${w}-${n}-u`],
          }),
          [200],
        );
      } else if (dice < 88) {
        record(
          'bad body',
          await send('POST', `${c}`, { name: '', passwordPolicyId: 'has space', sourceIds: [] }),
          [400],
        );
      } else if (dice < 93) {
        record('missing', await send('GET', `${c}/00000000-0000-4000-8000-000000000000`), [404]);
      } else {
        const id = mine.shift()!;
        record('delete', await send('DELETE', `${c}/${id}`), [204]);
      }
      while (mine.length > GROUPS_PER_LOOP) record('delete', await send('DELETE', `${c}/${mine.shift()!}`), [204]);
    }
  };

  const started = Date.now();
  const rss: Array<{ at: number; mib: number }> = [];
  const sampler = setInterval(() => rss.push({ at: (Date.now() - started) / 1000, mib: rssMiB(service.pid!) }), 1000);
  process.stdout.write(
    `soak: ${seconds} s, ${concurrency} loops, ${values['database-url'] ? 'PostgreSQL' : 'SQLite'}, service pid ${service.pid}, RSS at start ${rssMiB(service.pid!).toFixed(1)} MiB\n`,
  );
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const endMiB = rssMiB(service.pid!);
  const alive = service.exitCode === null;
  agent.destroy();
  cleanup();

  // RSS follows the garbage collector's sawtooth, so single samples are noise: growth is the
  // median of the last 10 samples minus the median of the 10 after warm-up.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const steady = rss.filter((s) => s.at >= warmupSeconds);
  const early = median(steady.slice(0, 10).map((s) => s.mib));
  const late = median(steady.slice(-10).map((s) => s.mib));
  const peak = Math.max(...rss.map((s) => s.mib), endMiB);
  const growth = late - early;
  const fiveXX = [...byStatus].filter(([s]) => /^5/.test(s)).reduce((a, [, c]) => a + c, 0);
  const failures = [
    fiveXX > 0 ? `${fiveXX} answers were 5xx` : '',
    (byStatus.get('timeout') ?? 0) + (byStatus.get('error') ?? 0) > 0
      ? 'requests timed out or failed at the socket'
      : '',
    unexpected.length > 0 ? `${unexpected.length}+ unexpected answers` : '',
    growth > rssBoundMiB ? `RSS grew ${growth.toFixed(1)} MiB after warm-up (bound ${rssBoundMiB} MiB)` : '',
    alive ? '' : 'the service exited',
  ].filter(Boolean);

  const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
  process.stdout.write(
    [
      `requests: ${total} in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s)`,
      `by status: ${JSON.stringify(sorted(byStatus))}`,
      `by operation: ${JSON.stringify(sorted(byOperation))}`,
      `RSS each second (MiB): ${rss.map((r) => r.mib.toFixed(0)).join(' ')}`,
      `RSS: start ${rss[0]?.mib.toFixed(1)} MiB, end ${endMiB.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB; median of the 10 s after ${warmupSeconds} s warm-up ${early.toFixed(1)} MiB, of the last 10 s ${late.toFixed(1)} MiB: growth ${growth.toFixed(1)} MiB (bound ${rssBoundMiB} MiB)`,
      ...unexpected.map((u) => `unexpected: ${u}`),
      failures.length === 0 ? 'soak: PASS' : `soak: FAIL (${failures.join('; ')})`,
      '',
    ].join('\n'),
  );
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
