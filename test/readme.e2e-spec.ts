import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snapshot, useTestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/** The first ```bash block after a heading of the README, exactly as a reader copies it. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.indexOf(`\n## ${heading}\n`);
  if (section < 0) throw new Error(`README has no section "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(section));
  if (!block) throw new Error(`README section "${heading}" has no bash block`);
  return block[1];
}

/**
 * The README's curl walk-through, run as written by bash against a service this test starts
 * (BASE points it there). A `curl` wrapper first on PATH passes every argument through to the
 * real curl and only adds a line on stderr with the status of each call, so the block's own
 * output stays what a reader sees.
 */
describe('README curl walk-through', () => {
  const t = useTestApp('sqlite', { JWT_SECRET: '' }); // the generated dev secret, as `npm start` uses
  let base: string;
  let bin: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    bin = mkdtempSync(join(tmpdir(), 'psg-readme-bin-'));
    const realCurl = execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'curl'), `#!/bin/sh\nexec ${realCurl} -w '%{stderr}CURL %{method} %{http_code}\\n' "$@"\n`);
    chmodSync(join(bin, 'curl'), 0o755);
  });
  afterAll(async () => {
    rmSync(bin, { recursive: true, force: true });
  });

  it('runs as written: create 200, list 200 with X-Total-Count, get 200, update 200, delete 204, then 404, HEAD 200', async () => {
    const block = readmeBlock('Curl walk-through');
    expect(block).toContain('BASE=${BASE:-http://localhost:3000}');
    const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', block], {
      cwd: ROOT,
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? tmpdir(),
        BASE: base,
        DATA_DIR: t.config.dataDir,
      },
      timeout: 120_000,
    });
    const calls = stderr.split('\n').filter((line) => line.startsWith('CURL '));
    expect(calls).toEqual([
      'CURL POST 200',
      'CURL GET 200',
      'CURL GET 200',
      'CURL PUT 200',
      'CURL DELETE 204',
      'CURL GET 404',
      'CURL HEAD 200',
    ]);
    expect(stdout).toMatch(/"name":"Password Sync Group 1"/);
    expect(stdout).toMatch(/^x-total-count: 1\r?$/im);
    expect(stdout).toMatch(/"name":"Renamed"/);
    expect(stdout).toMatch(/"detailCode":"404 Not found"/);
    expect(stdout).toMatch(/^x-total-count: 0\r?$/im);
    // The walk-through cleans up after itself.
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
  }, 180_000);
});
