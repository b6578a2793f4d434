import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return t;
}

/**
 * The CLI tests run the built `maxfiy` as a real process; build it first when
 * `dist/` is missing or older than `src/` (`npm test` has built it already).
 */
export default function setup(): void {
  let builtAt = 0;
  try {
    builtAt = statSync(path.join(ROOT, 'dist/src/cli/main.js')).mtimeMs;
  } catch {
    // not built
  }
  if (builtAt >= newest(path.join(ROOT, 'src'))) return;
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  // tsc still emits on type errors; `npm test` and `npm run typecheck` fail on them,
  // so a run of a few files while other work is half-typed is not blocked here.
  if (run.status !== 0) console.warn('global setup: tsc reported type errors; dist/ was emitted anyway');
}
