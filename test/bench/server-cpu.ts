import { readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) this process's main thread has used: where every
 * server in these benchmarks runs, while autocannon loads it from a worker
 * thread. Per request, it is what a server costs whatever the load generator
 * leaves it; NaN where /proc is not there.
 */
export function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Microseconds of main-thread CPU per request, and how busy that thread was. */
export function cpuPerRequest(cpuSeconds: number, requests: number, seconds: number) {
  return { micros: (cpuSeconds * 1e6) / Math.max(1, requests), busy: cpuSeconds / seconds };
}
