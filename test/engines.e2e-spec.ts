import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies, subset, validRange } from 'semver';

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/**
 * `engines.node` in package.json is a promise to whoever installs the service: every Node
 * version it admits must be one that every installed package supports. A dependency upgrade
 * that raises the floor (typeorm 1.x did, to 20.19) fails here until engines follows.
 */
describe('package.json engines', () => {
  const ours = pkg.engines.node;

  it('is a valid range', () => {
    expect(validRange(ours)).not.toBeNull();
  });

  it('admits only Node versions that every package in the lockfile supports', () => {
    const offenders: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const theirs = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!path || !theirs || !validRange(theirs)) continue;
      if (!subset(ours, theirs)) offenders.push(`${path.replace(/^.*node_modules\//, '')} needs ${theirs}`);
    }
    expect(offenders).toEqual([]);
  });

  it('admits the Node version the tests run on', () => {
    expect({ node: process.version, admitted: satisfies(process.version, ours) }).toEqual({
      node: process.version,
      admitted: true,
    });
  });
});
