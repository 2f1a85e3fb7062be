import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface MainProcess {
  /** Everything the process printed on stdout until the banner was complete. */
  stdout: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Starts `src/main.ts` (through ts-node, transpile-only) with exactly the given environment plus
 * PATH, and resolves once it says it is listening (the development banner's line naming
 * `npm run token`, or the JSON "listening" log line in other environments).
 */
export function startMain(env: Record<string, string>, timeoutMs = 90_000): Promise<MainProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`)));
    };
    const timer = setTimeout(() => fail(`main.ts printed no banner within ${timeoutMs} ms`), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Development prints a banner for people; elsewhere the JSON "listening" log line says it.
      if (!settled && /npm run token.*\n|"msg":"Password Sync Groups API listening"[^\n]*\n/.test(stdout)) {
        settled = true;
        clearTimeout(timer);
        resolve({ stdout, stop });
      }
    });
    child.once('exit', (code, signal) => fail(`main.ts exited early (code ${code}, signal ${signal})`));
  });
}
