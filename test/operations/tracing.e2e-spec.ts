import { execFile } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import request from 'supertest';
import { mintToken } from '../../src/common/auth/dev-token';
import { DATABASES, createTestDatabase, type TestDatabase } from '../support/databases';
import { AppProcess, REPO_ROOT } from '../support/processes';
import { VALID_BODY } from '../support/test-app';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
}

/** An OTLP/HTTP (JSON) trace receiver in the test process: what a collector would get. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly resources: Array<Record<string, unknown>> = [];
  /** `METHOD path content-type` of each export received. */
  readonly requests: string[] = [];
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{ resource: Record<string, unknown>; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of payload.resourceSpans) {
        this.resources.push(rs.resource);
        for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop = () => new Promise<void>((resolve) => this.server.close(() => resolve()));

  async trace(traceId: string, atLeast: number): Promise<OtlpSpan[]> {
    const deadline = Date.now() + 15_000;
    const of = () => this.spans.filter((s) => s.traceId === traceId);
    while (of().length < atLeast && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return of();
  }
}

const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
};
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/**
 * The service as its own process (`src/main.ts`), exporting to a receiver in this test process.
 * (In-process, Jest's module sandbox cannot run the exporter's dynamic import of node:http.)
 */
describe.each(DATABASES)('OpenTelemetry traces over OTLP/HTTP (%s)', (kind) => {
  let receiver: OtlpReceiver;
  let db: TestDatabase;
  let service: AppProcess;
  const secret = hex(32);
  const bearer = `Bearer ${mintToken(createSecretKey(Buffer.from(secret)), { tenant: 'acme' })}`;
  const http = () => request(service.url);
  beforeAll(async () => {
    receiver = new OtlpReceiver();
    db = await createTestDatabase(kind);
    // The standard variables, as an operator sets them.
    service = await AppProcess.start({
      DATA_DIR: db.dataDir,
      DATABASE_URL: db.url,
      JWT_SECRET: secret,
      OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
      OTEL_SERVICE_NAME: 'psg-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      // One connection: concurrent requests queue for it (PostgreSQL), as under load.
      DB_POOL_SIZE: '1',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await receiver?.stop();
    await db?.drop();
  });

  /** The server span is a child of the caller's span; guards and handler of the server span; statements of the handler. */
  function tree(spans: OtlpSpan[], callerSpanId: string) {
    const server = spans.filter((s) => s.kind === 2);
    expect(server).toHaveLength(1);
    expect(server[0].parentSpanId).toBe(callerSpanId);
    const children = spans.filter((s) => s.parentSpanId === server[0].spanId);
    const handler = children.find((s) => s.name.startsWith('handler '))!;
    expect(children.map((s) => s.name).sort()).toEqual(['guards', handler.name].sort());
    const statements = spans.filter((s) => s.kind === 3);
    expect(statements.every((s) => s.parentSpanId === handler.spanId)).toBe(true);
    expect(spans).toHaveLength(3 + statements.length);
    return { server: server[0], handler, statements };
  }

  it('continues the caller’s trace through guards, handler and one span per SQL statement', async () => {
    const traceId = hex(16);
    const caller = hex(8);
    const created = await http()
      .post('/v3/password-sync-groups')
      .set('Authorization', bearer)
      .set('traceparent', `00-${traceId}-${caller}-01`)
      .send(VALID_BODY);
    expect(created.status).toBe(200);
    const spans = await receiver.trace(traceId, 10);
    const { server, handler, statements } = tree(spans, caller);
    expect(server.name).toBe('POST /v3/password-sync-groups');
    expect(attr(server, 'http.route')).toBe('/v3/password-sync-groups');
    expect(attr(server, 'http.response.status_code')).toBe(200);
    expect(handler.name).toBe('handler PasswordSyncGroupsController.createPasswordSyncGroup');
    // One transaction: name check, sources check, the group, its sources, the audit event.
    const begin = kind === 'sqlite' ? 'BEGIN' : 'START';
    expect(statements.map((s) => s.name)).toEqual([begin, 'SELECT', 'SELECT', 'INSERT', 'INSERT', 'INSERT', 'COMMIT']);
    for (const s of statements) {
      expect(attr(s, 'db.system.name')).toBe(kind === 'sqlite' ? 'sqlite' : 'postgresql');
      expect(attr(s, 'db.query.text')).toEqual(expect.any(String));
    }
    // Parameters are never recorded: the group's name is nowhere in the spans.
    expect(JSON.stringify(spans)).not.toContain(VALID_BODY.name);
    expect(new Set(receiver.requests)).toEqual(new Set(['POST /v1/traces application/json']));
    expect(receiver.resources[0]).toMatchObject({
      attributes: expect.arrayContaining([{ key: 'service.name', value: { stringValue: 'psg-under-test' } }]),
    });

    const readTrace = hex(16);
    const got = await http()
      .get(`/password-sync-groups/${created.body.id}`)
      .set('Authorization', bearer)
      .set('traceparent', `00-${readTrace}-${caller}-01`);
    expect(got.status).toBe(200);
    const read = tree(await receiver.trace(readTrace, 4), caller);
    expect(read.server.name).toBe('GET /password-sync-groups/:id');
    expect(read.statements.map((s) => s.name)).toEqual(['SELECT']);

    // The request's log line carries the trace id.
    const lines = service.logLines.filter((l) => l.msg === 'request completed' && l.route !== '/health/live');
    expect(lines.map((l) => [l.method, l.traceId])).toEqual([
      ['POST', traceId],
      ['GET', readTrace],
    ]);
  });

  it('keeps each statement in its own request’s trace while requests queue for the database', async () => {
    const created = await http()
      .post('/v3/password-sync-groups')
      .set('Authorization', bearer)
      .send({ ...VALID_BODY, name: 'queued', sourceIds: ['queued-source'] });
    expect(created.status).toBe(200);
    const caller = hex(8);
    const traces = Array.from({ length: 8 }, () => hex(16));
    const responses = await Promise.all(
      traces.map((traceId) =>
        http()
          .get(`/v3/password-sync-groups/${created.body.id}`)
          .set('Authorization', bearer)
          .set('traceparent', `00-${traceId}-${caller}-01`),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(traces.map(() => 200));
    for (const traceId of traces) {
      const { statements } = tree(await receiver.trace(traceId, 4), caller);
      expect({ traceId, statements: statements.map((s) => s.name) }).toEqual({ traceId, statements: ['SELECT'] });
    }
  });

  it('a refused request ends in the guards span; an unsampled caller’s trace is logged but not exported', async () => {
    const traceId = hex(16);
    const caller = hex(8);
    const res = await http().get('/v3/password-sync-groups').set('traceparent', `00-${traceId}-${caller}-01`);
    expect(res.status).toBe(401);
    const spans = await receiver.trace(traceId, 2);
    expect(spans.map((s) => [s.name, s.parentSpanId === caller ? 'caller' : 'server'])).toEqual(
      expect.arrayContaining([
        ['GET /v3/password-sync-groups', 'caller'],
        ['guards', 'server'],
      ]),
    );
    expect(spans).toHaveLength(2);

    const unsampled = hex(16);
    const received = receiver.spans.length;
    expect(
      (
        await http()
          .get('/v3/password-sync-groups')
          .set('Authorization', bearer)
          .set('traceparent', `00-${unsampled}-${caller}-00`)
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    // Nothing at all: not its spans, nor its statement as a trace of its own.
    expect(receiver.spans.slice(received)).toEqual([]);
    expect(service.logLines.filter((l) => l.msg === 'request completed').at(-1)).toMatchObject({ traceId: unsampled });
  });
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('loads no OpenTelemetry module and logs no trace id', async () => {
    // A fresh process: the service's own app, built and serving one request, then its module list.
    const script = `
      const { createApp } = require('./src/app.factory');
      const { loadConfig } = require('./src/config/app-config');
      const lines = [];
      (async () => {
        const app = await createApp(loadConfig({ DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'info' }),
          { logDestination: { write: (l) => lines.push(JSON.parse(l)) } });
        await app.getHttpAdapter().getInstance().inject({ url: '/v3/password-sync-groups', headers: { traceparent: '00-${hex(16)}-${hex(8)}-01' } });
        await app.close();
        const otel = Object.keys(require.cache).filter((file) => file.includes('@opentelemetry'));
        const line = lines.find((l) => l.msg === 'request completed');
        process.stdout.write(JSON.stringify({ otel, traceId: line ? line.traceId ?? null : 'no line' }));
      })();`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(JSON.parse(stdout)).toEqual({ otel: [], traceId: null });
  });
});
