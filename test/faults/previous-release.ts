import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { REPO_ROOT } from '../support/processes';
import { migrationName } from './fault-kit';

/**
 * The code of the release before a migration, taken from git, for the rolling-upgrade test: in a
 * real rolling upgrade the instance still serving runs the previous release's code, which knows
 * nothing of the newest migration (today's code may already need what it creates).
 */
export interface PreviousRelease {
  /** The commit the old code is taken from. */
  commit: string;
  /** A temporary directory holding that commit's tree; its node_modules links to the repository's. */
  root: string;
}

const git = (args: string[], maxBuffer?: number) =>
  execFileSync('git', args, { cwd: REPO_ROOT, maxBuffer, stdio: ['ignore', 'pipe', 'pipe'] });

/** Every file of `migration` (one per dialect): TypeORM's files are named `<timestamp>-<Name>.ts`. */
function filesOf(migration: MigrationInterface): string[] {
  const timestamp = /(\d{13})$/.exec(migrationName(migration))?.[1];
  const src = join(REPO_ROOT, 'src');
  const files = (readdirSync(src, { recursive: true }) as string[])
    .map((file) => join('src', file))
    .filter((file) => file.split(/[\\/]/).includes('migrations') && basename(file).startsWith(`${timestamp}-`));
  if (timestamp === undefined || files.length === 0)
    throw new Error(`no file of migration ${migrationName(migration)} under src/*/migrations/`);
  return files;
}

/**
 * The commit just before `newest` (the migration TypeORM runs last) reached this branch, checked
 * out into a temporary directory: the first parent of the commit that added its files, following
 * first parents (on main, the merge that brought it in; its first parent is main before it). A
 * migration not committed yet makes HEAD the previous release. Needs the full git history (CI
 * clones it); without it this throws, naming the cause, rather than testing something else.
 * The caller removes `root`; on failure here it is removed before the throw.
 */
export function checkOutPreviousRelease(newest: MigrationInterface): PreviousRelease {
  const files = filesOf(newest);
  let commit: string;
  try {
    if (git(['rev-parse', '--is-shallow-repository']).toString().trim() === 'true')
      throw new Error('this clone is shallow (git fetch --unshallow gives it the full history)');
    const committed =
      git(['ls-tree', '-r', '--name-only', 'HEAD', '--', ...files])
        .toString()
        .trim() !== '';
    const adding = git(['log', '--first-parent', '--diff-filter=A', '--format=%H', '-1', 'HEAD', '--', ...files])
      .toString()
      .trim();
    if (!committed) commit = git(['rev-parse', '--verify', 'HEAD^{commit}']).toString().trim();
    else if (adding === '') throw new Error(`no commit in the history adds ${files.join(', ')}`);
    else
      commit = git(['rev-parse', '--verify', `${adding}^1`])
        .toString()
        .trim();
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(
      `The rolling-upgrade test runs the code from before ${migrationName(newest)} as the old instance, ` +
        `taken from git, so it needs the repository with its full history: ${detail}`,
      { cause: err },
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'psg-faults-previous-'));
  try {
    // git archive, not a worktree: nothing is registered in the repository, removing the directory is all.
    execFileSync('tar', ['-x', '-C', root], { input: git(['archive', '--format=tar', commit], 1 << 30) });
    if (!existsSync(join(root, 'src', 'main.ts'))) throw new Error(`commit ${commit} has no src/main.ts`);
    // Today's dependencies: the previous release's package-lock is not installed (that would need the
    // registry on every run). A package it needs and today's lacks fails its start, saying which.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return { commit, root };
}
