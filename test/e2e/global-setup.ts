import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = path.join(ROOT, 'dist/web/index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the web shell when dist/web is missing or older than web/, so the tests never run stale code. */
export default function setup(): void {
  const builtAt = (() => {
    try {
      return statSync(BUILT).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (builtAt >= newestMtime(path.join(ROOT, 'web'))) return;
  // A separate process: under vitest NODE_ENV is "test", which would give a development React build.
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const run = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  if (run.status !== 0) throw new Error('vite build of the web shell failed');
}
