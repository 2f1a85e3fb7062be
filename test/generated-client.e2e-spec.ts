import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import type { paths } from './generated/sailpoint-password-sync-groups-v1';
import { DATABASES } from './support/databases';
import {
  ISO_UTC,
  TRACKING_ID,
  UUID_V4,
  VALID_BODY,
  groupNotFound,
  startTestApp,
  type TestApp,
} from './support/test-app';

/**
 * A client nobody here wrote, for SailPoint's per-service paths: `openapi-typescript` generated
 * test/generated/sailpoint-password-sync-groups-v1.ts from SailPoint's own v1 spec (the
 * command is `npm run client:generate`; the first test regenerates it and compares), and
 * `openapi-fetch` sends the requests. The lifecycle below uses it unmodified, as a developer
 * who generated a client from SailPoint's spec would, against a running service.
 */
const ROOT = join(__dirname, '..');
const SPEC = join(ROOT, 'test', 'fixtures', 'sailpoint', 'sailpoint-password-sync-groups.v1.openapi.yaml');
const GENERATED = join(ROOT, 'test', 'generated', 'sailpoint-password-sync-groups-v1.ts');

describe('client generated from SailPoint v1 spec', () => {
  it('the committed client is what the generator writes from the spec today (run `npm run client:generate` when this fails)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'psg-client-'));
    try {
      const out = join(dir, 'client.ts');
      const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      execFileSync(process.execPath, [cli, SPEC, '-o', out], { stdio: 'pipe', timeout: 60_000 });
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(GENERATED, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(DATABASES)('client generated from SailPoint v1 spec, against a running service (%s)', (kind) => {
  let t: TestApp;
  let client: ReturnType<typeof createClient<paths>>;
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { listen: true });
    client = createClient<paths>({ baseUrl: t.url, headers: { Authorization: t.bearer() } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('runs the whole lifecycle: create, list with count, get, update, delete, then a 404', async () => {
    const created = await client.POST('/password-sync-groups/v1', { body: VALID_BODY });
    expect(created.response.status).toBe(200);
    expect(created.response.headers.get('slpt-request-id')).toMatch(TRACKING_ID);
    expect(created.data).toEqual({
      ...VALID_BODY,
      id: expect.stringMatching(UUID_V4),
      created: expect.stringMatching(ISO_UTC),
      modified: expect.stringMatching(ISO_UTC),
    });
    const id = created.data!.id!;

    const list = await client.GET('/password-sync-groups/v1', {
      params: { query: { limit: 50, offset: 0, count: true } },
    });
    expect(list.response.status).toBe(200);
    expect(list.response.headers.get('x-total-count')).toBe('1');
    expect(list.data).toEqual([created.data]);

    const got = await client.GET('/password-sync-groups/v1/{id}', { params: { path: { id } } });
    expect(got.response.status).toBe(200);
    expect(got.data).toEqual(created.data);

    const updated = await client.PUT('/password-sync-groups/v1/{id}', {
      params: { path: { id } },
      body: { ...got.data!, name: 'Renamed', sourceIds: [VALID_BODY.sourceIds[0]] },
    });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toEqual({
      ...created.data,
      name: 'Renamed',
      sourceIds: [VALID_BODY.sourceIds[0]],
      modified: expect.stringMatching(ISO_UTC),
    });

    const deleted = await client.DELETE('/password-sync-groups/v1/{id}', { params: { path: { id } } });
    expect(deleted.response.status).toBe(204);

    const gone = await client.GET('/password-sync-groups/v1/{id}', { params: { path: { id } } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toEqual(groupNotFound(gone.response.headers.get('x-tracking-id')!, id));
    expect(await t.dataSource.query('SELECT id FROM password_sync_group')).toEqual([]);
  });

  it('the same data as the yearly paths: a group made through the client is the one /v3 serves', async () => {
    const created = await client.POST('/password-sync-groups/v1', { body: { ...VALID_BODY, name: 'Shared' } });
    expect(created.response.status).toBe(200);
    const yearly = await t.http().get(`/v3/password-sync-groups/${created.data!.id}`).set('Authorization', t.bearer());
    expect(yearly.body).toEqual(created.data);
    const deleted = await client.DELETE('/password-sync-groups/v1/{id}', {
      params: { path: { id: created.data!.id! } },
    });
    expect(deleted.response.status).toBe(204);
  });
});
