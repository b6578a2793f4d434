#!/usr/bin/env node
// `npm test`: the whole suite on a fresh machine. Builds what the browser tests
// serve, makes sure Chromium is there, runs the unit/contract suites and the
// browser journeys, and closes with one plain summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const pgUrl = process.env.MAXFIY_TEST_DATABASE_URL;
const say = (line) => process.stdout.write(`${line}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

say(
  pgUrl
    ? 'PostgreSQL suite: ON (MAXFIY_TEST_DATABASE_URL is set); every store contract runs on SQLite and PostgreSQL.'
    : 'PostgreSQL suite: SKIPPED, because MAXFIY_TEST_DATABASE_URL is not set. Set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run it; .ci/run does.',
);

if (run('node', ['scripts/ensure-chromium.mjs']) !== 0) process.exit(1);
if (run('npm', ['run', '--silent', 'build']) !== 0) {
  say('build failed');
  process.exit(1);
}

mkdirSync('test-artifacts', { recursive: true });
const suites = [
  { name: 'unit and contract', config: 'vitest.config.ts', out: 'test-artifacts/vitest-unit.json' },
  { name: 'browser', config: 'test/e2e/vitest.config.ts', out: 'test-artifacts/vitest-e2e.json' },
];
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Every failed test by file and name, repeated at the end so a log's tail shows them all. */
const failures = [];
let failedRun = false;
for (const suite of suites) {
  rmSync(suite.out, { force: true });
  say(`\n== ${suite.name} tests ==`);
  const status = run('npx', [
    'vitest',
    'run',
    '--config',
    suite.config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${suite.out}`,
    ...process.argv.slice(2),
  ]);
  if (status !== 0) failedRun = true;
  if (!existsSync(suite.out)) {
    failedRun = true;
    continue;
  }
  const report = JSON.parse(readFileSync(suite.out, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed')
        failures.push(`${suite.name}: ${file.name.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
    }
    // A file that failed to load has no test to name.
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
      failures.push(
        `${suite.name}: ${file.name.replace(`${process.cwd()}/`, '')}: ${(file.message ?? 'failed').split('\n')[0]}`,
      );
    }
  }
}
if (failures.length > 0) say(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
say(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedRun || totals.failed > 0 || totals.passed === 0 ? 1 : 0);
