import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchAcceptance } from './acceptance.bench.js';
import { benchAudit } from './audit.bench.js';
import { benchDecisions } from './decisions.bench.js';
import { benchSignin } from './signin.bench.js';
import { benchStartup } from './startup.bench.js';
import { benchGroupCommit } from './storage.bench.js';
import type { BenchResult } from './types.js';

/**
 * `npm run bench`: every figure beside its baseline, measured in the same run on
 * the same machine, printed as `BENCH <name> <value> <unit> ratio=<x> vs <baseline>`
 * and written to bench/results.json. `npm run bench -- audit` runs the suites whose
 * name contains "audit".
 */
const suites: Record<string, () => Promise<BenchResult[]>> = {
  audit: benchAudit,
  storage: benchGroupCommit,
  startup: benchStartup,
  acceptance: benchAcceptance,
  signin: benchSignin,
  decisions: benchDecisions,
};

const filter = process.argv[2];
const results: BenchResult[] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (filter && !name.includes(filter)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  for (const r of await suite()) {
    results.push(r);
    process.stdout.write(
      `BENCH ${r.name} ${r.value} ${r.unit} ratio=${r.ratio.toFixed(2)} vs ${r.baseline}\n`,
    );
  }
}
mkdirSync('bench', { recursive: true });
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }, null, 2)}\n`,
);
