// The closing lines of `make test`: what each runner counted, then one total line in the
// plain form CI reads ("N passed, N failed, N skipped"). Reads the reports the runners wrote:
//   .reports/jest/results.json         (jest --json)
//   .reports/schemathesis/junit.xml    (one test case per operation; a failing check fails it)
// A report that is missing counts as a failure, so a step that silently ran nothing shows.
import { existsSync, readFileSync } from 'node:fs';

const JEST = '.reports/jest/results.json';
const SCHEMATHESIS = '.reports/schemathesis/junit.xml';

const lines = [];
const total = { passed: 0, failed: 0, skipped: 0 };

function add(runner, counts, note = '') {
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  lines.push(`${runner}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${note}`);
}

if (existsSync(JEST)) {
  const r = JSON.parse(readFileSync(JEST, 'utf8'));
  add('jest', {
    passed: r.numPassedTests,
    failed: r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0),
    skipped: r.numPendingTests + r.numTodoTests,
  });
} else {
  add('jest', { passed: 0, failed: 1, skipped: 0 }, ` (no report at ${JEST})`);
}

if (existsSync(SCHEMATHESIS)) {
  const xml = readFileSync(SCHEMATHESIS, 'utf8');
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  const failed = cases.filter((c) => /<(failure|error)\b/.test(c)).length;
  const skipped = cases.filter((c) => /<skipped\b/.test(c)).length;
  add('schemathesis', { passed: cases.length - failed - skipped, failed, skipped }, ' (operations)');
} else {
  add('schemathesis', { passed: 0, failed: 1, skipped: 0 }, ` (no report at ${SCHEMATHESIS})`);
}

for (const line of lines) console.log(line);
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed === 0 ? 0 : 1);
