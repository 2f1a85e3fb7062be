import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DATABASES } from './support/databases';
import { PAT, patRows } from './support/personal-access-tokens';
import { REPO_ROOT } from './support/processes';
import { ISO_UTC, snapshot, startTestApp, type TestApp } from './support/test-app';

const SCRIPT = join(REPO_ROOT, 'examples', 'sdk-sign-in.ts');
const TS_NODE = join(REPO_ROOT, 'node_modules', 'ts-node', 'register', 'transpile-only');

/** Runs the example in its own process: the SDK reads env, cwd and HOME when Configuration() is built. */
function runExample(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', TS_NODE, SCRIPT], {
      cwd,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * SailPoint's SDK (sailpoint-api-client 1.4.x, unmodified) with NO access token: it finds a
 * personal access token's client id and secret where SailPoint's users keep them and signs in at
 * /oauth/token, then runs the whole group lifecycle.
 */
describe.each(DATABASES)('SailPoint SDK signs in with a personal access token (%s)', (kind) => {
  let t: TestApp;
  let baseUrl: string;
  let pat: { id: string; secret: string };
  let home: string;
  let work: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    baseUrl = await t.listen();
    const res = await t
      .http()
      .post(PAT)
      .set('Authorization', t.bearer({ identityId: 'alice', userName: 'alice.name' }))
      .send({ name: 'sdk', userAwareTokenNeverExpires: true });
    pat = res.body;
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'psg-sdk-home-'));
    work = mkdtempSync(join(tmpdir(), 'psg-sdk-cwd-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function expectLifecycle(env: Record<string, string>): Promise<void> {
    const run = await runExample(work, { HOME: home, ...env });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    const created = {
      id: expect.any(String),
      name: 'Signed in with a PAT',
      passwordPolicyId: 'pp-1',
      sourceIds: ['source-1', 'source-2'],
      created: expect.stringMatching(ISO_UTC),
      modified: expect.stringMatching(ISO_UTC),
    };
    expect(result).toEqual({
      created,
      total: '1',
      got: result.created,
      updated: { ...result.created, name: 'Renamed', modified: expect.stringMatching(ISO_UTC) },
      deleted: 204,
    });
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
    expect((await patRows(t.dataSource))[0].last_used).toMatch(ISO_UTC);
  }

  it('from SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET', async () => {
    await expectLifecycle({ SAIL_BASE_URL: baseUrl, SAIL_CLIENT_ID: pat.id, SAIL_CLIENT_SECRET: pat.secret });
  });

  it('from ./config.json', async () => {
    writeFileSync(
      join(work, 'config.json'),
      JSON.stringify({ BaseURL: baseUrl, ClientId: pat.id, ClientSecret: pat.secret }),
    );
    await expectLifecycle({});
  });

  it("from ~/.sailpoint/config.yaml (the file SailPoint's CLI writes)", async () => {
    mkdirSync(join(home, '.sailpoint'));
    writeFileSync(
      join(home, '.sailpoint', 'config.yaml'),
      stringify({
        authtype: 'pat',
        activeenvironment: 'local',
        environments: { local: { baseurl: baseUrl, pat: { clientid: pat.id, clientsecret: pat.secret } } },
      }),
    );
    await expectLifecycle({});
  });

  it('with a wrong secret the SDK aborts and nothing is written', async () => {
    const run = await runExample(work, {
      HOME: home,
      SAIL_BASE_URL: baseUrl,
      SAIL_CLIENT_ID: pat.id,
      SAIL_CLIENT_SECRET: '0'.repeat(64),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Unable to fetch access token');
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
  });
});
