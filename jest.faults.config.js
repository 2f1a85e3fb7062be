/**
 * `npm run test:faults`: fault injection (test/faults; docs/reliability.md): kill -9 mid-write,
 * a full disk, instances booting together, upgrades with data, dependencies down at startup,
 * PostgreSQL stopped under load. The tests create, stop and delete throwaway PostgreSQL clusters
 * themselves and mount a tmpfs, so this runs as root and needs Debian's PostgreSQL server
 * binaries; it takes several minutes. Kept out of `npm test` for that; .ci/run runs both.
 */
module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 240000,
};
