/**
 * .ci/run's last word: one line over every Jest run (`tests: N passed, N failed, N skipped`),
 * preceded by the name of every test that did not run. CI must not pass with a test that
 * quietly did not run, so a skipped, pending or todo test fails the run (exit 1), as does a run
 * that wrote no results (it crashed) or a failed static check (argv[2] non-zero).
 * Usage: node .ci/summary.js <check-status> <jest-results.json>...
 */
const fs = require('fs');
const path = require('path');

// Whatever goes wrong here, CI still ends with the summary line (and fails).
process.on('uncaughtException', (err) => {
  console.log(`summary failed: ${err.message}`);
  console.log('tests: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
});

const [checkStatus, ...files] = process.argv.slice(2);
let passed = 0;
let failed = Number(checkStatus) === 0 ? 0 : 1;
let skipped = 0;
const notRun = [];
for (const file of files) {
  let results;
  try {
    results = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    console.log(`no Jest results in ${file}: that run crashed`);
    failed += 1;
    continue;
  }
  passed += results.numPassedTests;
  failed += results.numFailedTests + (results.numRuntimeErrorTestSuites || 0);
  skipped += results.numPendingTests + results.numTodoTests;
  for (const suite of results.testResults || []) {
    for (const test of suite.assertionResults || []) {
      if (test.status !== 'passed' && test.status !== 'failed')
        notRun.push(`${test.status}: ${path.relative(process.cwd(), suite.name)} › ${test.fullName}`);
    }
  }
}
for (const line of notRun) console.log(line);
if (skipped > 0) console.log(`${skipped} test(s) did not run; CI requires every test to run (see the lines above).`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || skipped > 0 || notRun.length > 0 ? 1 : 0);
