import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DATABASES } from '../support/databases';
import { REPO_ROOT } from '../support/processes';
import { VALID_BODY, startTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);
const GROUPS = '/v3/password-sync-groups';
const POLICY = VALID_BODY.passwordPolicyId;

describe.each(DATABASES)('audit trail (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind, { THROTTLE_LIMIT: '10' }, { captureLogs: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** `npm run audit -- …` as an operator types it, against this test's database. */
  async function npmAudit(...args: string[]): Promise<Array<Record<string, unknown>>> {
    const { stdout } = await run('npm', ['run', 'audit', '--', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: t.config.dataDir, DATABASE_URL: t.db.url },
    });
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('records every successful write with its actor, and nothing for rejected ones', async () => {
    const start = new Date().toISOString();
    const alice = t.bearer({ tenant: 'acme', identityId: 'alice-id', clientId: 'alice-cli' });
    const bob = t.bearer({ tenant: 'globex', identityId: 'bob-id', clientId: 'bob-cli' });

    const created = await t
      .http()
      .post(GROUPS)
      .set('Authorization', alice)
      .send({ ...VALID_BODY, name: 'Audited', sourceIds: ['s1', 's2'] });
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    const other = await t
      .http()
      .post(GROUPS)
      .set('Authorization', bob)
      .send({ ...VALID_BODY, name: 'Globex group', sourceIds: ['g1'] });
    expect(other.status).toBe(200);

    // Rejected: 400 (invalid), 400 (name taken, inside the transaction), 403 (app token),
    // 404 (other tenant's group), 412 (stale If-Match on update and on delete), 429.
    const put = (auth: string, groupId: string, body: object) =>
      t.http().put(`${GROUPS}/${groupId}`).set('Authorization', auth).send(body);
    expect((await put(alice, id, { name: '' })).status).toBe(400);
    expect(
      (
        await t
          .http()
          .post(GROUPS)
          .set('Authorization', alice)
          .send({ ...VALID_BODY, name: 'audited', sourceIds: ['s9'] })
      ).status,
    ).toBe(400);
    const app = t.bearer({ tenant: 'acme', identityId: undefined, clientId: 'app-cli' });
    expect((await t.http().post(GROUPS).set('Authorization', app).send(VALID_BODY)).status).toBe(403);
    expect((await put(bob, id, { ...VALID_BODY, name: 'Stolen' })).status).toBe(404);
    expect((await t.http().delete(`${GROUPS}/${id}`).set('Authorization', bob)).status).toBe(404);
    expect((await put(alice, id, { ...VALID_BODY, name: 'Stale' }).set('If-Match', '"7"')).status).toBe(412);
    expect((await t.http().delete(`${GROUPS}/${id}`).set('Authorization', alice).set('If-Match', '"7"')).status).toBe(
      412,
    );
    const flood = t.bearer({ tenant: 'acme', identityId: 'flood-id', clientId: 'flood-cli' });
    for (let i = 0; i < 10; i++) await t.http().get(GROUPS).set('Authorization', flood);
    expect((await t.http().post(GROUPS).set('Authorization', flood).send(VALID_BODY)).status).toBe(429);

    const renamed = await put(alice, id, {
      name: 'Audited renamed',
      passwordPolicyId: POLICY,
      sourceIds: ['s2', 's3'],
    });
    expect(renamed.status).toBe(200);
    const deleted = await t.http().delete(`${GROUPS}/${id}`).set('Authorization', alice);
    expect(deleted.status).toBe(204);

    const tracking = (res: { headers: Record<string, string> }) => res.headers['x-tracking-id'];
    const event = (fields: object) => ({
      type: 'audit',
      occurredAt: expect.any(String),
      resourceType: 'password-sync-group',
      ...fields,
    });
    const aliceActor = { identityId: 'alice-id', clientId: 'alice-cli' };
    const acmeEvents = [
      event({
        tenant: 'acme',
        actor: aliceActor,
        action: 'create',
        resourceId: id,
        changes: { name: { to: 'Audited' }, passwordPolicyId: { to: POLICY }, sourceIds: { to: ['s1', 's2'] } },
        trackingId: tracking(created),
      }),
      event({
        tenant: 'acme',
        actor: aliceActor,
        action: 'update',
        resourceId: id,
        changes: {
          name: { from: 'Audited', to: 'Audited renamed' },
          sourceIds: { from: ['s1', 's2'], to: ['s2', 's3'] },
        },
        trackingId: tracking(renamed),
      }),
      event({
        tenant: 'acme',
        actor: aliceActor,
        action: 'delete',
        resourceId: id,
        changes: {
          name: { from: 'Audited renamed' },
          passwordPolicyId: { from: POLICY },
          sourceIds: { from: ['s2', 's3'] },
        },
        trackingId: tracking(deleted),
      }),
    ];
    const globexEvents = [
      event({
        tenant: 'globex',
        actor: { identityId: 'bob-id', clientId: 'bob-cli' },
        action: 'create',
        resourceId: other.body.id,
        changes: { name: { to: 'Globex group' }, passwordPolicyId: { to: POLICY }, sourceIds: { to: ['g1'] } },
        trackingId: tracking(other),
      }),
    ];

    // Read back as an operator does: per tenant, from a time on.
    const acme = await npmAudit('--tenant', 'acme', '--since', start);
    expect(acme).toEqual(acmeEvents);
    expect(await npmAudit('--tenant', 'globex', '--since', start)).toEqual(globexEvents);
    const fromUpdate = await npmAudit('--tenant', 'acme', '--since', acme[1].occurredAt as string);
    expect(fromUpdate).toEqual(acmeEvents.slice(1));
    expect(await npmAudit('--tenant', 'acme', '--since', '2999-01-01')).toEqual([]);

    // The log stream has the same events, one line each, once committed; nothing else of the writes.
    const logged = t
      .logs()
      .filter((line) => line.type === 'audit')
      .map(({ level, msg, time, pid, hostname, ...rest }) => {
        expect({ level, msg, time, pid, hostname }).toEqual({
          level: 'info',
          msg: 'audit event',
          time: expect.any(String),
          pid: expect.any(Number),
          hostname: expect.any(String),
        });
        return rest;
      });
    expect(logged).toEqual([acmeEvents[0], globexEvents[0], acmeEvents[1], acmeEvents[2]]);
    // Never a token.
    const text = JSON.stringify([acme, logged]);
    for (const auth of [alice, bob, app, flood]) expect(text.includes(auth.slice('Bearer '.length))).toBe(false);
  });

  it('keeps the trail append-only', async () => {
    await expect(t.dataSource.query("UPDATE audit_event SET action = 'create'")).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
  });

  it('npm run audit refuses bad arguments with a message', async () => {
    const fail = (...args: string[]) =>
      run('npm', ['run', 'audit', '--', ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', DATA_DIR: t.config.dataDir, DATABASE_URL: t.db.url },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    expect(await fail('--since', '2026-01-01')).toEqual({
      code: 1,
      stderr:
        'usage: npm run audit -- --tenant TENANT [--since ISO-8601] [--until ISO-8601] [--resource ID] [--limit N]\n',
    });
    expect(await fail('--tenant', 'acme', '--since', 'yesterday')).toEqual({
      code: 1,
      stderr: '--since must be an ISO-8601 date or time, e.g. 2026-12-01T00:00:00Z (got yesterday)\n',
    });
  });
});
