import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layout rules of docs/extending.md, checked on the source itself: shared code never names
 * a feature or the application root, files import each other in one direction only, and SQL
 * with parameters runs in repositories (and the unit of work under them) only.
 */
const SRC = resolve(__dirname, '..', 'src');
/** Shared folders: everything else under src/ is a feature folder; files directly in src/ are the application root. */
const SHARED = ['common', 'database', 'config'];

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });

/** The files of src/ that `file` imports (relative imports; packages are not followed). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.[^']+)';/gms)]
    .map((m) => resolve(dirname(file), m[1]))
    .map((base) => [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate)) ?? base);
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const where = (file: string) => relative(SRC, file).split('/');

describe('the layout of src/', () => {
  it('shared code (common, database, config) imports no feature folder and not the application root', () => {
    const wrong = files
      .filter((file) => SHARED.includes(where(file)[0]))
      .flatMap((file) => graph.get(file)!.map((target) => ({ file, target })))
      .filter(({ target }) => {
        const [top, ...rest] = where(target);
        return rest.length === 0 || !SHARED.includes(top);
      })
      .map(({ file, target }) => `${relative(SRC, file)} -> ${relative(SRC, target)}`);
    expect(wrong).toEqual([]);
  });

  it('has no circular imports', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('runs SQL with parameters only in repositories and the unit of work', () => {
    const outside = files
      .filter((file) => !file.endsWith('.repository.ts') && !relative(SRC, file).startsWith('common/database/'))
      .filter((file) => /\.query(<[^>]*>)?\([^)]*,\s*\[/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(outside).toEqual([]);
  });
});
