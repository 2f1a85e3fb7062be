/**
 * A Jest reporter for `npm test` on a developer's machine: without TEST_DATABASE_URL (and a
 * Redis) some suites run on SQLite only or not at all, and a green run must not hide that. One
 * line at the start says what will not run and how to include it; one line at the end names the
 * test files that skipped tests. Silent when everything runs (as in CI, where .ci/run also
 * fails on any skipped test). Plain JavaScript: Jest loads reporters with require().
 */
const path = require('path');

const HOW =
  'to run everything: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 npm test';

class NotRunReporter {
  onRunStart() {
    const missing = [];
    if (!process.env.TEST_DATABASE_URL)
      missing.push('PostgreSQL (TEST_DATABASE_URL is not set: suites run on SQLite only)');
    if (!process.env.TEST_REDIS_URL)
      missing.push('Redis suites unless a Redis answers on 127.0.0.1:6379 (TEST_REDIS_URL is not set)');
    if (missing.length > 0) process.stderr.write(`\nNOT TESTED in this run: ${missing.join('; ')}; ${HOW}\n\n`);
  }

  onRunComplete(_contexts, results) {
    const files = new Map();
    for (const suite of results.testResults) {
      const notRun = suite.testResults.filter((t) => t.status !== 'passed' && t.status !== 'failed').length;
      if (notRun > 0) files.set(path.relative(process.cwd(), suite.testFilePath), notRun);
    }
    const total = results.numPendingTests + results.numTodoTests;
    if (total === 0 && process.env.TEST_DATABASE_URL) return;
    const list = [...files].map(([file, n]) => `${file} (${n})`).join(', ');
    const postgres = process.env.TEST_DATABASE_URL ? '' : 'PostgreSQL not tested (TEST_DATABASE_URL unset); ';
    process.stderr.write(
      `\nNOT TESTED in this run: ${postgres}${total} skipped test(s)${list ? ` in ${list}` : ''}; ${HOW}\n`,
    );
  }
}

module.exports = NotRunReporter;
