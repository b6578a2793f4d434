import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchResult } from './types.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** CPU time (user + system) a process has used, from /proc: less swayed by other load than wall time. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

interface Ready {
  wallMs: number;
  cpuMs: number;
}

/** Spawns a process and measures the wall and CPU time until `url` answers 200. */
async function timeToReady(cmd: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<Ready> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited early: ${stderr.slice(0, 500)}`);
      try {
        const res = await fetch(url);
        if (res.status === 200) {
          return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: cpuMs(child.pid ?? 0) };
        }
      } catch {
        // not listening yet
      }
      if (Number(process.hrtime.bigint() - started) > 30e9) throw new Error('not ready within 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const BARE = `
import Fastify from 'fastify';
const app = Fastify();
app.get('/readyz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

/** Cold start of `maxfiy serve` on SQLite to /readyz 200, against a bare Fastify process. */
export async function benchStartup(): Promise<BenchResult[]> {
  const cli = path.resolve('dist/src/cli/main.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'maxfiy-start-'));
  try {
    const port = await freePort();
    const env = {
      ...process.env,
      MAXFIY_DATA_DIR: dataDir,
      MAXFIY_PORT: String(port),
      MAXFIY_DEV_INBOX_PORT: '0',
      MAXFIY_LOG_LEVEL: 'warn',
    };
    const url = `http://127.0.0.1:${port}/readyz`;
    const first = await timeToReady('node', [cli, 'serve'], env, url);
    const again = await timeToReady('node', [cli, 'serve'], env, url);
    const barePort = await freePort();
    const bare = await timeToReady(
      'node',
      ['--input-type=module', '-e', BARE],
      { ...process.env, PORT: String(barePort) },
      `http://127.0.0.1:${barePort}/readyz`,
    );
    const line = (name: string, r: Ready, b: Ready, what: 'wallMs' | 'cpuMs') => ({
      name: `${name}_${what === 'wallMs' ? 'wall' : 'cpu'}`,
      value: Math.round(r[what]),
      unit: 'ms',
      ratio: r[what] / b[what],
      baseline: `bare Fastify process to first 200 (${Math.round(b[what])} ms ${what === 'wallMs' ? 'wall' : 'CPU'})`,
    });
    return [
      line('cold_start_first_run_to_readyz_sqlite', first, bare, 'wallMs'),
      line('cold_start_first_run_to_readyz_sqlite', first, bare, 'cpuMs'),
      line('cold_start_restart_to_readyz_sqlite', again, bare, 'wallMs'),
      line('cold_start_restart_to_readyz_sqlite', again, bare, 'cpuMs'),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
