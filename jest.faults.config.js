/**
 * `npm run test:faults`: fault injection against a throwaway PostgreSQL cluster that the tests
 * create, stop, restart and delete themselves (test/faults). Kept out of `npm test`: it needs
 * Debian's PostgreSQL server binaries and takes a minute or two. .ci/run runs both.
 */
module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 240000,
};
