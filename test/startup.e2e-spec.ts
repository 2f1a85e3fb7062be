import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, verify } from 'jsonwebtoken';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { STARTUP_TOKEN_HOURS, startupBanner } from '../src/startup-banner';
import { startMain, type MainProcess } from './support/main-process';
import { VALID_BODY } from './support/test-app';

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

/** `npm start` as a person runs it: what it prints, and whether what it prints works. */
describe('startup banner', () => {
  let dataDir: string;
  let main: MainProcess | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'psg-main-'));
  });
  afterEach(async () => {
    await main?.stop();
    main = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extra,
  });

  /** The URLs and the token, read the way a person reads the banner. */
  function read(stdout: string) {
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(stdout)?.[1];
    const docs = /^ {2}Docs: {2}(\S+)$/m.exec(stdout)?.[1];
    const token = /^ {9}([\w-]+\.[\w-]+\.[\w-]+)$/m.exec(stdout)?.[1];
    return { base, docs, token };
  }

  it('in development prints, next to the docs URL, a token valid for a few hours that the service accepts', async () => {
    main = await startMain(env({ NODE_ENV: 'development' })); // no JWT_SECRET: the generated dev secret
    const { base, docs, token } = read(main.stdout);
    expect(base).toBeDefined();
    expect(docs).toBe(`${base}/docs`);
    expect(main.stdout).toMatch(
      /^ {2}Docs: .*\n {2}Token: paste into Authorize at .*valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\):\n/m,
    );
    expect(token).toBeDefined();

    const claims = decode(token!) as Record<string, unknown>;
    expect(claims).toMatchObject({
      tenant_id: 'dev',
      authorities: ['ORG_ADMIN'],
      scope: ['sp:scopes:all'],
      identity_id: 'dev-admin',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(STARTUP_TOKEN_HOURS * 3600);
    const until = /valid until (\S+)\)/.exec(main.stdout)![1];
    expect(Math.abs(Date.parse(until) / 1000 - (claims.exp as number))).toBeLessThanOrEqual(2);

    const page = await request(base!).get('/docs').redirects(1);
    expect(page.status).toBe(200);
    const created = await request(base!)
      .post('/v3/password-sync-groups')
      .set('Authorization', `Bearer ${token}`)
      .send(VALID_BODY);
    expect(created.status).toBe(200);
    const listed = await request(base!).get('/v3/password-sync-groups').set('Authorization', `Bearer ${token}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([created.body]);
  });

  it('in development creates one PAT (secret in DATA_DIR/dev-pat, 0600) and prints the SAIL_* lines; a restart reuses it, a stale one is replaced, both audited', async () => {
    main = await startMain(env({ NODE_ENV: 'development' }));
    const exports = () =>
      Object.fromEntries([...main!.stdout.matchAll(/^ {9}export (SAIL_\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    const first = exports();
    const { base } = read(main.stdout);
    expect(first).toEqual({
      SAIL_BASE_URL: base,
      SAIL_CLIENT_ID: expect.stringMatching(/^[0-9a-f]{32}$/),
      SAIL_CLIENT_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(statSync(join(dataDir, 'dev-pat')).mode & 0o777).toBe(0o600);
    const minted = await request(base!).post('/oauth/token').type('form').send({
      grant_type: 'client_credentials',
      client_id: first.SAIL_CLIENT_ID,
      client_secret: first.SAIL_CLIENT_SECRET,
    });
    expect(minted.status).toBe(200);
    expect(minted.body).toMatchObject({ tenant_id: 'dev', identity_id: 'dev-admin', scope: 'sp:scopes:all' });
    const listed = await request(base!)
      .get('/v3/password-sync-groups')
      .set('Authorization', `Bearer ${minted.body.access_token}`);
    expect(listed.status).toBe(200);

    await main.stop();
    main = await startMain(env({ NODE_ENV: 'development' }));
    expect({ ...exports(), SAIL_BASE_URL: undefined }).toEqual({ ...first, SAIL_BASE_URL: undefined });
    const { base: again } = read(main.stdout);
    const pats = await request(again!)
      .get('/personal-access-tokens')
      .set('Authorization', `Bearer ${minted.body.access_token}`);
    expect(pats.status).toBe(200);
    expect(pats.body.map((p: { id: string }) => p.id)).toEqual([first.SAIL_CLIENT_ID]);

    // A kept secret that no longer matches: the old PAT is deleted and a new one made, all in
    // the audit trail as the startup's doing (no identity, no tracking id).
    await main.stop();
    const file = join(dataDir, 'dev-pat');
    writeFileSync(file, readFileSync(file, 'utf8').replace(first.SAIL_CLIENT_SECRET, '0'.repeat(64)));
    main = await startMain(env({ NODE_ENV: 'development' }));
    const third = exports();
    expect(third.SAIL_CLIENT_ID).not.toBe(first.SAIL_CLIENT_ID);
    const db = new Database(join(dataDir, 'password-sync-groups.sqlite'), { readonly: true });
    const events = db
      .prepare(
        'SELECT tenant_id, identity_id, client_id, action, resource_type, resource_id, changes, tracking_id FROM audit_event ORDER BY id',
      )
      .all() as Array<Record<string, string | null>>;
    db.close();
    const devPat = (action: string, id: string, key: 'from' | 'to') => ({
      tenant_id: 'dev',
      identity_id: null,
      client_id: 'npm-start',
      action,
      resource_type: 'personal-access-token',
      resource_id: id,
      changes: {
        ownerId: { [key]: 'dev-admin' },
        name: { [key]: expect.stringMatching(/^Development PAT \d{4}-\d\d-\d\dT/) },
        scope: { [key]: ['sp:scopes:all'] },
        authorities: { [key]: ['ORG_ADMIN'] },
        expirationDate: { [key]: null },
        userAwareTokenNeverExpires: { [key]: true },
      },
      tracking_id: null,
    });
    expect(events.map((e) => ({ ...e, changes: JSON.parse(e.changes!) as unknown }))).toEqual([
      devPat('create', first.SAIL_CLIENT_ID, 'to'),
      devPat('delete', first.SAIL_CLIENT_ID, 'from'),
      devPat('create', third.SAIL_CLIENT_ID, 'to'),
    ]);
  });

  it('in development with JWT_SECRET, the token is signed with that secret', async () => {
    const secret = randomBytes(32).toString('hex');
    main = await startMain(env({ NODE_ENV: 'development', JWT_SECRET: secret }));
    const { base, token } = read(main.stdout);
    expect(() => verify(token!, secret, { algorithms: ['HS256'] })).not.toThrow();
    const res = await request(base!).get('/password-sync-groups').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
  });

  it('in production prints no banner and no token: JSON log lines only, the listening one naming the docs', async () => {
    main = await startMain(
      env({ NODE_ENV: 'production', LOG_LEVEL: 'info', JWT_SECRET: randomBytes(32).toString('hex') }),
    );
    expect(main.stdout).not.toMatch(JWT);
    const lines = main.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const listening = lines.find((l) => l.msg === 'Password Sync Groups API listening');
    expect(listening).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), database: 'sqlite' });
    expect(listening!.docs).toBe(`${String(listening!.url)}/docs`);
  });

  it('under NODE_ENV=test prints no token either', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, JWT_SECRET: randomBytes(32).toString('hex') });
    const banner = startupBanner(config, 'http://localhost:3000');
    expect(banner).toContain('  Docs:  http://localhost:3000/docs\n');
    expect(banner).not.toMatch(JWT);
  });
});
