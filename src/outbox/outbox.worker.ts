import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { CLEARED_PAYLOAD } from './outbox.seal.js';
import { failureLabel, type Outbox, type OutboxLogger } from './outbox.service.js';
import * as store from './outbox.store.js';
import { OUTBOX_LANES, type OutboxLane } from './outbox.table.js';

export interface WorkerOptions {
  /** Messages claimed per poll, in each lane. */
  batchSize?: number;
  /** How long a claim lasts; after it another worker may deliver the message again. */
  leaseMs?: number;
  /** Overrides the outbox's poll interval. */
  pollMs?: number;
  /** [0, 1) source for backoff jitter; tests pin it. */
  random?: () => number;
}

export interface OutboxWorker {
  readonly workerId: string;
  /**
   * Polls each lane (outbox.table.ts) on its own until stopped, so a lane whose
   * deliveries are slow holds up no other; wakes at once when this process
   * commits a message.
   */
  start(): void;
  /** Stops claiming, waits for deliveries in flight, then resolves. */
  stop(): Promise<void>;
  /** Claims one batch (of `lane`, or of any lane) and delivers it; resolves with the number of messages claimed. */
  runOnce(lane?: OutboxLane): Promise<number>;
}

export class NoHandlerError extends Error {
  override name = 'NoHandlerError';
  readonly code = 'OUTBOX_NO_HANDLER';
}

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60 * 60 * 1000;

/**
 * Delay before the next attempt after `attempt` failed: up to 2^attempt s, of
 * which the upper half is random ("equal jitter"), at most 1 h. Retries of many
 * messages spread out while the delay never shrinks from one attempt to the next.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = 2 ** Math.min(attempt, 32) * BACKOFF_BASE_MS;
  // Capped after the jitter: capping the ceiling first would let a capped delay fall below the one before it.
  return Math.min(Math.round(ceiling / 2 + random() * (ceiling / 2)), BACKOFF_CAP_MS);
}

export function createWorker(deps: {
  database: Database;
  outbox: Outbox;
  clock: Clock;
  options?: WorkerOptions;
  logger: OutboxLogger;
  workerId: string;
}): OutboxWorker {
  const { database, outbox, clock, logger, workerId } = deps;
  const batchSize = deps.options?.batchSize ?? 10;
  const leaseMs = deps.options?.leaseMs ?? 60_000;
  const pollMs = deps.options?.pollMs ?? outbox.options.pollMs;
  const random = deps.options?.random ?? Math.random;
  const { maxAttempts } = outbox.options;

  let stopping = false;
  let loops: Promise<void>[] | undefined;
  /** Per lane: a commit came since its last claim, and how to end its pause now. */
  const lanes = new Map<OutboxLane, { woken: boolean; wake?: () => void }>(
    OUTBOX_LANES.map((lane) => [lane, { woken: false }]),
  );
  let unsubscribe: (() => void) | undefined;
  const inFlight = new Set<Promise<unknown>>();

  async function claim(lane: OutboxLane | undefined): Promise<store.OutboxRow[]> {
    const now = clock.now();
    return database.write(async (trx) => {
      const rows = await store.claimOutboxMessages(trx, {
        kind: database.kind,
        now,
        leaseUntil: now + leaseMs,
        workerId,
        limit: batchSize,
        ...(lane === undefined ? {} : { lane }),
      });
      // A message whose every attempt ended without a result (the worker died
      // delivering it) is a poison message: it goes to the dead letters too.
      const exhausted = rows.filter((r) => r.attempts > maxAttempts);
      for (const r of exhausted) {
        await store.markOutboxFailed(trx, {
          id: r.id,
          workerId,
          now,
          lastError: 'LeaseExpired',
          status: 'dead',
          availableAt: r.available_at,
        });
        logger.warn({ messageId: r.id, topic: r.topic }, 'outbox message moved to dead letters');
      }
      return rows.filter((r) => r.attempts <= maxAttempts);
    });
  }

  async function deliver(row: store.OutboxRow): Promise<void> {
    const handler = outbox.handlerFor(row.topic);
    try {
      if (!handler) throw new NoHandlerError(`no handler for topic ${row.topic}`);
      const payload: unknown = JSON.parse(outbox.seal.open(row.id, row.topic, row.payload));
      await handler.handle(payload, {
        messageId: row.id,
        attempt: row.attempts,
        idempotencyKey: row.idempotency_key ?? row.id,
      });
    } catch (err) {
      await recordFailure(row, err);
      return;
    }
    await database.write((trx) => store.markOutboxDelivered(trx, row.id, clock.now(), CLEARED_PAYLOAD));
  }

  async function recordFailure(row: store.OutboxRow, err: unknown): Promise<void> {
    const now = clock.now();
    const dead = row.attempts >= maxAttempts;
    const lastError = failureLabel(err);
    const recorded = await database.write((trx) =>
      store.markOutboxFailed(trx, {
        id: row.id,
        workerId,
        now,
        lastError,
        status: dead ? 'dead' : 'pending',
        availableAt: dead ? row.available_at : now + backoffMs(row.attempts, random),
      }),
    );
    if (!recorded) return;
    if (dead) logger.warn({ messageId: row.id, topic: row.topic }, 'outbox message moved to dead letters');
    else
      logger.debug(
        { messageId: row.id, topic: row.topic, attempt: row.attempts, error: lastError },
        'outbox delivery failed',
      );
  }

  async function runOnce(lane?: OutboxLane): Promise<number> {
    const rows = await claim(lane);
    const deliveries = rows.map((row) =>
      deliver(row).catch((err) => {
        // The result could not be written: the lease runs out and the message is delivered again.
        logger.error(
          { messageId: row.id, topic: row.topic, error: failureLabel(err) },
          'outbox result not recorded',
        );
      }),
    );
    const batch = Promise.all(deliveries);
    inFlight.add(batch);
    try {
      await batch;
    } finally {
      inFlight.delete(batch);
    }
    return rows.length;
  }

  function pause(state: { woken: boolean; wake?: () => void }): Promise<void> {
    if (state.woken || stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        state.wake = undefined;
        resolve();
      }
      state.wake = done;
    });
  }

  async function pollLoop(lane: OutboxLane): Promise<void> {
    const state = lanes.get(lane) as { woken: boolean; wake?: () => void };
    while (!stopping) {
      state.woken = false;
      let claimed = 0;
      try {
        claimed = await runOnce(lane);
      } catch (err) {
        logger.error({ error: failureLabel(err), lane }, 'outbox poll failed');
      }
      // A full batch suggests more are waiting: poll again without pausing.
      if (claimed < batchSize) await pause(state);
    }
  }

  const wakeAll = () => {
    for (const state of lanes.values()) {
      state.woken = true;
      state.wake?.();
    }
  };

  return {
    workerId,
    start() {
      if (loops) return;
      stopping = false;
      unsubscribe = outbox.onReady(wakeAll);
      loops = OUTBOX_LANES.map(pollLoop);
    },
    async stop() {
      stopping = true;
      unsubscribe?.();
      for (const state of lanes.values()) state.wake?.();
      await Promise.all(loops ?? []);
      loops = undefined;
      await Promise.all([...inFlight]);
    },
    runOnce,
  };
}
