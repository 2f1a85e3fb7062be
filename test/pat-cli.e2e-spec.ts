import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { selectAuditEvents } from '../src/audit/audit-events.repository';
import { DATABASES } from './support/databases';
import { auditedAs, patRows } from './support/personal-access-tokens';
import { REPO_ROOT } from './support/processes';
import { startTestApp, type TestApp } from './support/test-app';

const execute = promisify(execFile);

/** `npm run pat`, as an operator types it, writing into the database the service uses. */
describe.each(DATABASES)('npm run pat (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function pat(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const key = t.config.jwt.key;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: t.config.dataDir,
      DATABASE_URL: t.db.url,
      JWT_SECRET: key.mode === 'secret' ? key.secret : '',
      LOG_LEVEL: 'silent',
    };
    try {
      const { stdout, stderr } = await execute('npm', ['run', 'pat', '--', ...args], { cwd: REPO_ROOT, env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('creates a PAT the service exchanges, lists it, refuses what the API refuses, and deletes it', async () => {
    const created = await pat(
      'create',
      '--tenant',
      'acme',
      '--owner-id',
      'ops',
      '--owner-name',
      'ops.admin',
      '--authorities',
      'ORG_ADMIN',
      '--scopes',
      'idn:password-sync-group:read',
      '--name',
      'bootstrap',
      '--never-expires',
    );
    expect(created.code).toBe(0);
    const [, id, secret] = /^export SAIL_CLIENT_ID=([0-9a-f]{32})\nexport SAIL_CLIENT_SECRET=([0-9a-f]{64})\n$/.exec(
      created.stdout,
    )!;
    expect(created.stderr).toContain("Created personal access token 'bootstrap' for ops.admin (ops) in tenant acme");
    expect(created.stderr).not.toContain(secret);
    const [row] = await patRows(t.dataSource);
    expect(row).toMatchObject({
      id,
      tenant_id: 'acme',
      owner_id: 'ops',
      authorities: '["ORG_ADMIN"]',
      scopes: '["idn:password-sync-group:read"]',
    });

    const minted = await t
      .http()
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
    expect(minted.status).toBe(200);
    expect(minted.body).toMatchObject({ tenant_id: 'acme', identity_id: 'ops', scope: 'idn:password-sync-group:read' });

    const refusals: Array<[string[], string]> = [
      [
        ['--name', 'bootstrap', '--never-expires'],
        "Refused: You already have a personal access token named 'bootstrap'; names are unique per owner.\n",
      ],
      [
        ['--name', 'x'],
        'Refused: expirationDate is null or absent, so the token would never expire: set userAwareTokenNeverExpires to true to acknowledge that, or give an expirationDate.\n',
      ],
    ];
    for (const [args, stderr] of refusals) {
      const res = await pat('create', '--tenant', 'acme', '--owner-id', 'ops', '--authorities', 'ORG_ADMIN', ...args);
      expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ code: 1, stdout: '', stderr });
    }
    expect(await patRows(t.dataSource)).toHaveLength(1);

    const listed = await pat('list', '--tenant', 'acme');
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      expect.objectContaining({ id, name: 'bootstrap', owner: { type: 'IDENTITY', id: 'ops', name: 'ops.admin' } }),
    ]);

    const deleted = await pat('delete', '--tenant', 'acme', '--id', id);
    expect([deleted.code, deleted.stdout]).toEqual([0, `Deleted personal access token ${id}.\n`]);
    expect(await patRows(t.dataSource)).toEqual([]);
    expect((await pat('delete', '--tenant', 'acme', '--id', id)).stderr).toBe(
      `Refused: Personal access token '${id}' was not found in tenant acme.\n`,
    );

    // In the audit trail as the program's doing (no identity, no tracking id); refusals left nothing.
    const cli = { identityId: null, clientId: 'npm-run-pat' };
    const fields = {
      ownerId: 'ops',
      name: 'bootstrap',
      scope: ['idn:password-sync-group:read'],
      authorities: ['ORG_ADMIN'],
      expirationDate: null,
      userAwareTokenNeverExpires: true,
    };
    const event = { tenant: 'acme', occurredAt: expect.any(String), actor: cli, resourceType: 'personal-access-token' };
    expect(await selectAuditEvents(t.dataSource, { tenant: 'acme', limit: 100 })).toEqual([
      { ...event, action: 'create', resourceId: id, changes: auditedAs('to', fields), trackingId: null },
      { ...event, action: 'delete', resourceId: id, changes: auditedAs('from', fields), trackingId: null },
    ]);
    expect(JSON.stringify(await t.dataSource.query('SELECT * FROM audit_event'))).not.toContain(secret);
    const usage = await pat('create', '--tenant', 'acme');
    expect([usage.code, usage.stderr.split('\n')[0]]).toEqual([2, '--owner-id is required']);
  }, 240_000);
});
