import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DATABASES } from '../support/databases';
import { PAT, auditedAs, daysFromNow, patRows } from '../support/personal-access-tokens';
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

  it('records PAT creates, patches and deletes (owner and fields, never a secret), and nothing for rejected ones', async () => {
    const start = new Date().toISOString();
    const countEvents = async () =>
      Number((await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_event'))[0].n as string | number);
    const carol = t.bearer({ tenant: 'initech', identityId: 'carol-id', userName: 'carol', clientId: 'carol-cli' });
    const create = (auth: string, body: object) => t.http().post(PAT).set('Authorization', auth).send(body);
    const patch = (auth: string, id: string, ops: unknown) =>
      t
        .http()
        .patch(`${PAT}/${id}`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/json-patch+json')
        .send(JSON.stringify(ops));
    const remove = (auth: string, id: string) => t.http().delete(`${PAT}/${id}`).set('Authorization', auth);

    const expires = daysFromNow(30);
    const first = await create(carol, {
      name: 'Audited PAT',
      scope: ['idn:password-sync-group:read', 'idn:password-sync-group:manage'],
      expirationDate: expires,
    });
    expect(first.status).toBe(200);
    const second = await create(carol, { name: 'Second PAT', userAwareTokenNeverExpires: true });
    expect(second.status).toBe(200);
    const [a, b] = [first.body.id as string, second.body.id as string];
    const secrets = [first.body.secret as string, second.body.secret as string];
    const hashes = (await patRows(t.dataSource)).map((row) => row.secret_hash as string);
    expect(hashes).toHaveLength(2);

    // Rejected: 400 (invalid body, name taken on create and on patch, bad patch, past expiry,
    // bad id), 403 (application token, missing scope, scope escalation, not the owner), 404
    // (unknown id, another tenant's PAT), 429. None leaves an event.
    const eventsBefore = await countEvents();
    const carolAgain = t.bearer({ tenant: 'initech', identityId: 'carol-id', clientId: 'carol-other' });
    const unknown = '0123456789abcdef0123456789abcdef';
    expect((await create(carolAgain, { name: '', userAwareTokenNeverExpires: true })).status).toBe(400);
    expect((await create(carolAgain, { name: 'Audited PAT', userAwareTokenNeverExpires: true })).status).toBe(400);
    expect((await patch(carolAgain, a, [{ op: 'replace', path: '/name', value: 'Second PAT' }])).status).toBe(400);
    expect((await patch(carolAgain, a, {})).status).toBe(400);
    expect(
      (await patch(carolAgain, a, [{ op: 'replace', path: '/expirationDate', value: '2001-01-01T00:00:00Z' }])).status,
    ).toBe(400);
    expect((await patch(carolAgain, unknown, [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(404);
    expect((await remove(carolAgain, unknown)).status).toBe(404);
    expect((await remove(carolAgain, 'not-a-pat-id')).status).toBe(400);
    const app = t.bearer({ tenant: 'initech', identityId: undefined, clientId: 'initech-app' });
    expect((await create(app, { name: 'App', userAwareTokenNeverExpires: true })).status).toBe(403);
    const reader = t.bearer({ tenant: 'initech', identityId: 'rita-id', scopes: ['idn:password-sync-group:read'] });
    expect((await create(reader, { name: 'Reader', userAwareTokenNeverExpires: true })).status).toBe(403);
    const narrow = t.bearer({
      tenant: 'initech',
      identityId: 'nina-id',
      authorities: [],
      scopes: ['sp:my-personal-access-tokens:manage'],
    });
    expect(
      (await create(narrow, { name: 'Wide', scope: ['sp:scopes:all'], userAwareTokenNeverExpires: true })).status,
    ).toBe(403);
    expect((await patch(narrow, a, [{ op: 'replace', path: '/name', value: 'Mine now' }])).status).toBe(403);
    expect((await remove(narrow, a)).status).toBe(403);
    const bob = t.bearer({ tenant: 'globex', identityId: 'bob-id', clientId: 'bob-pat' });
    expect((await patch(bob, a, [{ op: 'replace', path: '/name', value: 'Stolen' }])).status).toBe(404);
    expect((await remove(bob, a)).status).toBe(404);
    const flood = t.bearer({ tenant: 'initech', identityId: 'flood-id', clientId: 'flood-pat' });
    for (let i = 0; i < 10; i++) await t.http().get(`${PAT}?owner-id=me`).set('Authorization', flood);
    expect((await create(flood, { name: 'Flood', userAwareTokenNeverExpires: true })).status).toBe(429);
    expect(await countEvents()).toBe(eventsBefore);
    expect((await patRows(t.dataSource)).map((row) => [row.id, row.name])).toEqual([
      [a, 'Audited PAT'],
      [b, 'Second PAT'],
    ]);

    const patched = await patch(carol, a, [
      { op: 'replace', path: '/name', value: 'Audited PAT renamed' },
      { op: 'replace', path: '/scope', value: ['idn:password-sync-group:read'] },
      { op: 'remove', path: '/expirationDate' },
      { op: 'replace', path: '/userAwareTokenNeverExpires', value: true },
    ]);
    expect(patched.status).toBe(200);
    const erin = t.bearer({
      tenant: 'initech',
      identityId: 'erin-id',
      clientId: 'erin-cli',
      authorities: ['ORG_ADMIN'],
      scopes: ['sp:all-personal-access-tokens:manage'],
    });
    const deletedByAdmin = await remove(erin, a);
    expect(deletedByAdmin.status).toBe(204);
    const deletedByOwner = await remove(carol, b);
    expect(deletedByOwner.status).toBe(204);

    const carolActor = { identityId: 'carol-id', clientId: 'carol-cli' };
    const event = (
      actor: object,
      action: string,
      resourceId: string,
      changes: object,
      res: { headers: Record<string, string> },
    ) => ({
      type: 'audit',
      occurredAt: expect.any(String),
      tenant: 'initech',
      actor,
      action,
      resourceType: 'personal-access-token',
      resourceId,
      changes,
      trackingId: res.headers['x-tracking-id'],
    });
    // The audited fields of each PAT in each state: all of them `to` on create, `from` on delete.
    const firstMade = {
      ownerId: 'carol-id',
      name: 'Audited PAT',
      scope: ['idn:password-sync-group:read', 'idn:password-sync-group:manage'],
      authorities: ['ORG_ADMIN'],
      expirationDate: expires,
      userAwareTokenNeverExpires: false,
    };
    const firstPatched = {
      ownerId: 'carol-id',
      name: 'Audited PAT renamed',
      scope: ['idn:password-sync-group:read'],
      authorities: ['ORG_ADMIN'],
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    };
    const secondMade = {
      ownerId: 'carol-id',
      name: 'Second PAT',
      scope: ['sp:scopes:all'],
      authorities: ['ORG_ADMIN'],
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    };
    const events = [
      event(carolActor, 'create', a, auditedAs('to', firstMade), first),
      event(carolActor, 'create', b, auditedAs('to', secondMade), second),
      event(
        carolActor,
        'update',
        a,
        {
          name: { from: 'Audited PAT', to: 'Audited PAT renamed' },
          scope: { from: firstMade.scope, to: ['idn:password-sync-group:read'] },
          expirationDate: { from: expires, to: null },
          userAwareTokenNeverExpires: { from: false, to: true },
        },
        patched,
      ),
      event(
        { identityId: 'erin-id', clientId: 'erin-cli' },
        'delete',
        a,
        auditedAs('from', firstPatched),
        deletedByAdmin,
      ),
      event(carolActor, 'delete', b, auditedAs('from', secondMade), deletedByOwner),
    ];

    expect(await npmAudit('--tenant', 'initech', '--since', start)).toEqual(events);
    expect(await npmAudit('--tenant', 'initech', '--since', start, '--resource', a)).toEqual([
      events[0],
      events[2],
      events[3],
    ]);
    expect(await npmAudit('--tenant', 'globex', '--since', start)).toEqual([]);
    // The log stream: the same events, one line each, nothing more in them.
    const logLine = { level: 'info', msg: 'audit event', time: expect.any(String), pid: expect.any(Number) };
    expect(t.logs().filter((line) => line.type === 'audit' && line.tenant === 'initech')).toEqual(
      events.map((e) => ({ ...logLine, hostname: expect.any(String), ...e })),
    );

    // Neither secret nor its hash (nor a bearer token) anywhere in the table or the log.
    const table = JSON.stringify(await t.dataSource.query('SELECT * FROM audit_event'));
    const log = JSON.stringify(t.logs());
    const tokens = [carol, carolAgain, app, reader, narrow, bob, flood, erin].map((auth) =>
      auth.slice('Bearer '.length),
    );
    for (const needle of [...secrets, ...hashes, ...tokens]) {
      expect([needle, table.includes(needle), log.includes(needle)]).toEqual([needle, false, false]);
    }
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
