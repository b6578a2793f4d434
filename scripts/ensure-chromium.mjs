#!/usr/bin/env node
// Makes sure Debian's Chromium is present before the browser tests run.
// As root it installs the package; otherwise it prints the command and fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

if (existsSync(CHROMIUM)) process.exit(0);

if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.error(`ensure-chromium: ${CHROMIUM} is missing and this user cannot install it.`);
  console.error(`Run as root:\n\n  sudo sh -c '${INSTALL}'\n`);
  process.exit(1);
}

console.error(`ensure-chromium: ${CHROMIUM} is missing; installing it with: ${INSTALL}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', 'chromium']]) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : `exit status ${run.status ?? run.signal}`;
    console.error(`ensure-chromium: "apt-get ${args.join(' ')}" failed (${why}).`);
    process.exit(run.status || 1);
  }
}

if (!existsSync(CHROMIUM)) {
  console.error(`ensure-chromium: the chromium package installed, but ${CHROMIUM} is still missing.`);
  process.exit(1);
}
console.error(`ensure-chromium: installed ${CHROMIUM}.`);
