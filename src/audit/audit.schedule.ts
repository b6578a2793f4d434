/**
 * When tree heads are issued: after every `treeHeadEveryEntries` committed
 * entries, or every `treeHeadEverySeconds` seconds when the log grew (the issue
 * itself checks the database, so entries appended by other nodes count too).
 */
import type { Clock } from '../clock.js';
import type { TreeHead } from './tree-head.js';

export interface TreeHeadScheduler {
  /** Starts the timer (unref'd: it never keeps the process alive). */
  startTreeHeads(): void;
  /** A commit hook saw a new entry. */
  committed(): void;
  /** Issues a head now if one is due by count or by time, and waits for any issue in flight. */
  tick(): Promise<void>;
  /** Stops the timer and waits for an issue in flight. */
  stop(): Promise<void>;
}

export interface SchedulerDeps {
  clock: Clock;
  options: { treeHeadEveryEntries: number; treeHeadEverySeconds: number };
  logger?: { error(obj: object, msg: string): void } | undefined;
  issue(): Promise<TreeHead | null>;
  /** Committed log size as seen by this process. */
  committedSize(): number;
  /** Size of the latest stored tree head. */
  lastHeadSize(): Promise<number>;
}

export function createTreeHeadScheduler(deps: SchedulerDeps): TreeHeadScheduler {
  const { clock, options } = deps;
  const everyMs = options.treeHeadEverySeconds * 1000;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  let headSize = 0;
  let lastIssueAt = clock.now();

  const dueByCount = () => deps.committedSize() - headSize >= options.treeHeadEveryEntries;
  const dueByTime = () => clock.now() - lastIssueAt >= everyMs;

  const trigger = () => {
    if (inflight) return;
    inflight = (async () => {
      try {
        // Loop while a count-based head became due during the issue.
        do {
          lastIssueAt = clock.now();
          const head = await deps.issue();
          if (head) headSize = Math.max(headSize, head.treeSize);
          else headSize = Math.max(headSize, await deps.lastHeadSize());
        } while (running && dueByCount());
      } catch (err) {
        deps.logger?.error({ err }, 'audit: issuing a tree head failed');
      } finally {
        inflight = undefined;
      }
    })();
  };

  const check = () => {
    if (running && (dueByCount() || dueByTime())) trigger();
  };

  return {
    startTreeHeads() {
      if (running) return;
      running = true;
      lastIssueAt = clock.now();
      // Learn where the last head is, so a restart does not count the whole log as new.
      inflight = deps
        .lastHeadSize()
        .then((size) => {
          headSize = Math.max(headSize, size);
        })
        .catch((err) => deps.logger?.error({ err }, 'audit: reading the last tree head failed'))
        .finally(() => {
          inflight = undefined;
        });
      // Checks are cheap (two comparisons); the database is read only when a head is due.
      timer = setInterval(check, Math.min(everyMs, 1000));
      timer.unref();
    },
    committed() {
      if (running && !inflight && dueByCount()) trigger();
    },
    async tick() {
      await inflight;
      check();
      await inflight;
    },
    async stop() {
      running = false;
      if (timer) clearInterval(timer);
      timer = undefined;
      await inflight;
    },
  };
}
