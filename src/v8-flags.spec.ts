import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_V8_FLAGS, flagsToApply } from './v8-flags';

describe('the V8 flags the service sets on itself', () => {
  it('are the two the performance notes justify', () => {
    expect(SERVICE_V8_FLAGS).toEqual(['--no-allocation-site-pretenuring', '--heap-growing-percent=100']);
  });

  it.each([
    [[], SERVICE_V8_FLAGS],
    [['--expose-gc', '--enable-source-maps'], SERVICE_V8_FLAGS],
    [['--heap-growing-percent=300'], ['--no-allocation-site-pretenuring']],
    [['--heap_growing_percent=300'], ['--no-allocation-site-pretenuring']],
    [['--allocation-site-pretenuring'], ['--heap-growing-percent=100']],
    [['--no-allocation_site_pretenuring', '--heap-growing-percent=20'], []],
  ])("node %j: sets %j (a flag on the command line is the operator's choice)", (execArgv, expected) => {
    expect(flagsToApply(SERVICE_V8_FLAGS, execArgv)).toEqual(expected);
  });

  /**
   * In a real process: after a full collection V8 prints the old generation's next limit and the
   * factor it grew by (`--trace-gc-verbose`). The factor is dynamic without the flag (up to 4.0).
   */
  function growthFactorAfterFullGc(nodeArgs: string[]): string {
    const script =
      `require('./src/apply-v8-flags');` +
      `require('node:v8').setFlagsFromString('--trace-gc-verbose');` +
      `const live = Array.from({ length: 300000 }, (_, i) => ({ i, s: 'x' + i }));` +
      `gc();` +
      `process.stderr.write(String(live.length));`;
    const child = spawnSync(
      process.execPath,
      [...nodeArgs, '--expose-gc', '-r', 'ts-node/register/transpile-only', '-e', script],
      { cwd: join(__dirname, '..'), encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect(child.stderr).toBe('300000');
    const factors = [...child.stdout.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)].map((m) => m[1]);
    expect(factors.length).toBeGreaterThan(0);
    return factors[factors.length - 1];
  }

  it("are set by main.ts's first import, before any other module of the service loads", () => {
    const main = readFileSync(join(__dirname, 'main.ts'), 'utf8');
    expect(main.match(/^import .*$/m)?.[0]).toBe("import './apply-v8-flags';");
  });

  it('in the service process the old generation may grow to twice what survived a full collection', () => {
    expect(growthFactorAfterFullGc([])).toBe('2.0');
  });

  it("an operator's --heap-growing-percent on node's command line is kept", () => {
    expect(growthFactorAfterFullGc(['--heap-growing-percent=300'])).toBe('4.0');
  });
});
