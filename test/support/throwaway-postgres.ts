import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The machine's own server: never touched by anything here. */
const MACHINE_PORT = 5432;

/**
 * A PostgreSQL cluster that a test creates, starts, stops and deletes itself: initdb into a
 * temporary directory, on a free loopback port, trust authentication, its socket in that
 * directory too. initdb and the server refuse to run as root, so as root everything runs as
 * the `postgres` user (runuser), in a directory that user owns.
 */
export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  dir: string;
  start(): Promise<void>;
  /** `fast`: an orderly shutdown (sessions are terminated); `immediate`: a crash (recovery from WAL on start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  isRunning(): boolean;
  /** The server's log, for failure messages. */
  log(): string;
  /** Stops the server if it runs and removes every file. Safe to call twice. */
  destroy(): Promise<void>;
}

export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0)
    throw new Error(`No PostgreSQL server binaries under ${root}/*/bin (Debian's postgresql package)`);
  versions.sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0], 'bin');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    owner = { uid, gid };
  }
  const dir = mkdtempSync(join(tmpdir(), 'psg-faults-pg-'));
  chmodSync(dir, 0o700);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let port = await freePort();
  while (port === MACHINE_PORT) port = await freePort();

  const exec = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  let running = false;
  const pg: ThrowawayPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async start() {
      await exec('pg_ctl', [
        'start',
        '-D',
        data,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`,
      ]);
      running = true;
    },
    async stop(mode) {
      await exec('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '60']);
      running = false;
    },
    isRunning: () => running,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no log)'),
    async destroy() {
      if (running) await pg.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
    await pg.start();
  } catch (err) {
    await pg.destroy();
    throw err;
  }
  return pg;
}
