import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The checkpointer's thread: its own connection to the database, copying what
 * the log holds into the database file (`wal_checkpoint(PASSIVE)`, which never
 * waits for and never blocks the writer or a reader). Soon again after a pass
 * that copied pages, seldom when the log had nothing new; on an error it ends.
 * CommonJS, run with `eval`, so that the same code serves the compiled server
 * and the tests.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const { file, busyMs, idleMs } = workerData;
const db = new SQLite(file, { fileMustExist: true });
// A checkpoint syncs the log before it copies and the database file before it
// lets the log be reused; synchronous=OFF would skip both.
db.pragma('synchronous = FULL');
let timer;
let stopped = false;
const pass = () => {
  if (stopped) return;
  let next = idleMs;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.checkpointed > 0) next = busyMs;
  } catch (err) {
    // The writer's own checkpoints go on; this thread ends and says why.
    parentPort.postMessage({ failed: String(err && err.code ? err.code : 'error') });
    return stop();
  }
  timer = setTimeout(pass, next);
};
const stop = () => {
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.close();
};
parentPort.on('message', (m) => {
  if (m === 'stop' && !stopped) stop();
});
pass();
`;

export interface CheckpointerOptions {
  /** Writes committed before the thread starts: a database that is seldom written never pays for one. */
  startAfter?: number;
  /** Pause after a pass that copied pages. */
  busyMs?: number;
  /** Pause after a pass that found nothing new. */
  idleMs?: number;
}

/**
 * Moves most of SQLite's checkpoint work off the event loop. By default the
 * connection that commits also copies its log into the database file every
 * thousand pages (and syncs both), and under a steady load of writes that
 * copying was a tenth of the main thread's time. Once the database is busy,
 * this starts a thread with its own connection that copies the log as it
 * grows. Only the writer can start the log over, and only after a checkpoint
 * of its own that finds every page copied, so the writer still checkpoints
 * when the log reaches its mark: by then the thread has copied nearly all of
 * it. Nothing depends on the thread for correctness (a checkpoint only copies
 * pages that are durable in the log, and syncs before the log is reused); if
 * it fails it is not started again, the failure is reported once, and the
 * writer's own checkpoints go on as before.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private written = 0;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly onFailure: (code: string) => void = () => {},
    private readonly options: CheckpointerOptions = {},
  ) {}

  /** Whether the thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Told after each commit how many writes it held. Never throws. */
  committed(writes: number): void {
    if (this.worker || this.stopped) return;
    this.written += writes;
    if (this.written >= (this.options.startAfter ?? 1000)) this.start();
  }

  /** Once per checkpointer: a thread that failed is not started again. */
  private fail(code: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onFailure(code);
  }

  private start(): void {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          file: this.file,
          busyMs: this.options.busyMs ?? 5,
          idleMs: this.options.idleMs ?? 250,
        },
      });
    } catch (err) {
      this.fail((err as { code?: string }).code ?? 'error');
      return;
    }
    // The process may end without stopping it: it holds nothing that is not already on disk.
    worker.unref();
    worker.on('message', (m: { failed?: string }) => {
      if (m.failed) this.fail(m.failed);
    });
    worker.on('error', (err: Error & { code?: string }) => this.fail(err.code ?? 'error'));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      // An end nobody asked for is a failure too.
      this.fail('exited');
    });
    this.worker = worker;
  }

  /** Ends the thread and waits for its connection to close. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Unreferenced, the thread would not keep the process alive until it has closed its connection.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }
}
