import { randomBytes } from 'node:crypto';
import type { BaseLogger } from 'pino';
import type { Clock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { type Database, onCommit, type Trx } from '../db/database.js';
import { MaxfiyError } from '../errors.js';
import { newId } from '../ids.js';
import { createPayloadSeal, type PayloadSeal } from './outbox.seal.js';
import * as store from './outbox.store.js';
import type { OutboxLane, OutboxStatus } from './outbox.table.js';

export type OutboxLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/** Delivers the messages of one topic. Receivers with effects in the database wrap them in `processOnce`. */
export interface OutboxHandler {
  topic: string;
  /** Stable name, the key receivers record processed messages under. */
  name: string;
  handle(payload: unknown, ctx: DeliveryContext): Promise<void>;
}

export interface DeliveryContext {
  messageId: string;
  /** 1 on the first delivery. */
  attempt: number;
  /** The producer's idempotency key, or the message id when it gave none: the same on every redelivery. */
  idempotencyKey: string;
}

export interface OutboxOptions {
  /** Attempts before a message goes to the dead-letter state. */
  maxAttempts: number;
  /** How often workers poll, in milliseconds. */
  pollMs: number;
}

export interface EnqueueInput {
  topic: string;
  /** JSON-serialisable; stored encrypted, cleared once delivered. */
  payload: unknown;
  idempotencyKey?: string;
  /** Not before this time (ms); now when absent. */
  availableAt?: number;
  /** Delivered apart from the other lanes (outbox.table.ts); `main` when absent. */
  lane?: OutboxLane;
}

export interface Outbox {
  readonly options: OutboxOptions;
  /** Writes a message in the caller's transaction; with a known idempotency key nothing new is written. */
  enqueue(trx: Trx, input: EnqueueInput): Promise<{ id: string; enqueued: boolean }>;
  register(handler: OutboxHandler): void;
  handlerFor(topic: string): OutboxHandler | undefined;
  /** The payload sealing, for the worker. */
  readonly seal: PayloadSeal;
  /** Called after a commit that made a message deliverable now; the worker polls at once. */
  onReady(listener: () => void): () => void;
  deadLetters(limit?: number): Promise<store.DeadLetter[]>;
  /** Requeues a dead message; MXF_OUTBOX_DEAD_LETTER_NOT_FOUND when no dead message has this id. */
  retry(id: string): Promise<void>;
  /** Messages per status, for /metrics. */
  stats(): Promise<Record<OutboxStatus, number>>;
}

export interface OutboxDeps {
  database: Database;
  clock: Clock;
  /** Holds the payload key. Without it payloads are stored unencrypted, with a warning at start. */
  keyring?: Keyring;
  options: OutboxOptions;
  logger: OutboxLogger;
}

export const OUTBOX_PAYLOAD_SECRET = 'outbox-payload-key';

/**
 * Asynchronous because the payload key is fetched (or created) here, before any
 * transaction: fetching it inside a caller's write could wait on the very group
 * commit that write belongs to.
 */
export async function createOutbox(deps: OutboxDeps): Promise<Outbox> {
  const { database, clock, keyring, options, logger } = deps;
  const key = keyring ? await keyring.secret(OUTBOX_PAYLOAD_SECRET, () => randomBytes(32)) : undefined;
  if (!key) logger.warn('outbox payloads are stored unencrypted: no keyring was given to the outbox');
  const seal = createPayloadSeal(key);
  const handlers = new Map<string, OutboxHandler>();
  const listeners = new Set<() => void>();

  const notifyReady = () => {
    for (const listener of listeners) listener();
  };

  return {
    options,
    seal,

    async enqueue(trx, input) {
      const now = clock.now();
      const id = newId(now);
      const availableAt = input.availableAt ?? now;
      const json = JSON.stringify(input.payload ?? null);
      const inserted = await store.insertOutboxMessage(trx, {
        id,
        topic: input.topic,
        lane: input.lane ?? 'main',
        payload: seal.seal(id, input.topic, json),
        idempotencyKey: input.idempotencyKey ?? null,
        availableAt,
        now,
      });
      if (!inserted) {
        const existing = input.idempotencyKey
          ? await store.findOutboxIdByIdempotencyKey(trx, input.idempotencyKey)
          : undefined;
        return { id: existing ?? id, enqueued: false };
      }
      if (availableAt <= now) onCommit(trx, notifyReady);
      return { id, enqueued: true };
    },

    register(handler) {
      if (handlers.has(handler.topic))
        throw new Error(`an outbox handler for topic ${handler.topic} is already registered`);
      handlers.set(handler.topic, handler);
    },

    handlerFor: (topic) => handlers.get(topic),

    onReady(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    deadLetters: (limit = 100) => store.listDeadLetters(database.db, limit),

    async retry(id) {
      const requeued = await database.write(async (trx) => {
        const ok = await store.requeueDeadLetter(trx, id, clock.now());
        if (ok) onCommit(trx, notifyReady);
        return ok;
      });
      if (!requeued) throw new MaxfiyError('MXF_OUTBOX_DEAD_LETTER_NOT_FOUND');
    },

    stats: () => store.countOutboxByStatus(database.db),
  };
}

/**
 * Runs a receiver's effect at most once per (handler, key): the record and the
 * effect share `trx`, so either both are kept or neither, and a redelivered
 * message finds the record and does nothing.
 */
export async function processOnce<T>(
  trx: Trx,
  handlerName: string,
  idempotencyKey: string,
  fn: (trx: Trx) => Promise<T>,
  now: number = Date.now(),
): Promise<{ processed: true; value: T } | { processed: false }> {
  const first = await store.insertProcessed(trx, handlerName, idempotencyKey, now);
  if (!first) return { processed: false };
  return { processed: true, value: await fn(trx) };
}

/**
 * What is recorded of a failure: the error's class name and code, never its
 * message, which could carry a recipient's address or other personal data.
 */
export function failureLabel(err: unknown): string {
  if (!(err instanceof Error)) return 'NonError';
  const safe = (v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : undefined);
  const name = safe(err.name) ?? safe(err.constructor?.name) ?? 'Error';
  const code =
    safe((err as { code?: unknown }).code) ??
    safe(String((err as { responseCode?: unknown }).responseCode ?? ''));
  return code ? `${name}:${code}` : name;
}
