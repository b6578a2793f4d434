import type { DatabaseKind, Db, Trx } from '../db/database.js';
import type { OutboxLane, OutboxStatus, OutboxTable } from './outbox.table.js';

export type OutboxRow = OutboxTable;

export interface NewOutboxRow {
  id: string;
  topic: string;
  lane: OutboxLane;
  payload: string;
  idempotencyKey: string | null;
  availableAt: number;
  now: number;
}

/** Inserts a pending message; false when a message with the same idempotency key already exists. */
export async function insertOutboxMessage(trx: Trx, m: NewOutboxRow): Promise<boolean> {
  const result = await trx
    .insertInto('outbox')
    .values({
      id: m.id,
      topic: m.topic,
      lane: m.lane,
      payload: m.payload,
      idempotency_key: m.idempotencyKey,
      status: 'pending',
      attempts: 0,
      available_at: m.availableAt,
      locked_until: null,
      locked_by: null,
      last_error: null,
      created_at: m.now,
      updated_at: m.now,
      delivered_at: null,
    })
    // Never fails on a duplicate key, so the caller's transaction survives a double enqueue.
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findOutboxIdByIdempotencyKey(db: Db | Trx, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('outbox')
    .select('id')
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row?.id;
}

export async function findOutboxMessage(db: Db | Trx, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ClaimRequest {
  kind: DatabaseKind;
  now: number;
  leaseUntil: number;
  workerId: string;
  limit: number;
  /** Only messages of this lane; any lane when absent. */
  lane?: OutboxLane;
}

/**
 * Takes up to `limit` ready messages for one worker until `leaseUntil` and counts
 * the attempt. On PostgreSQL the candidates are locked with SKIP LOCKED so
 * concurrent workers take different rows without waiting; on SQLite there is one
 * writer. On both, the UPDATE repeats the readiness test, so a row another
 * process claimed in between is not taken twice.
 */
export async function claimOutboxMessages(trx: Trx, c: ClaimRequest): Promise<OutboxRow[]> {
  let candidates = trx
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('available_at', '<=', c.now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', c.now)]))
    .orderBy('available_at')
    .limit(c.limit);
  if (c.lane !== undefined) candidates = candidates.where('lane', '=', c.lane);
  if (c.kind === 'postgres') candidates = candidates.forUpdate().skipLocked();
  const ids = (await candidates.execute()).map((r) => r.id);
  if (ids.length === 0) return [];
  const claimed = await trx
    .updateTable('outbox')
    .set((eb) => ({
      locked_until: c.leaseUntil,
      locked_by: c.workerId,
      attempts: eb('attempts', '+', 1),
      updated_at: c.now,
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', c.now)]))
    .returningAll()
    .execute();
  return claimed.sort((a, b) => a.available_at - b.available_at);
}

/** Success: the payload is replaced by `cleared` so delivered addresses do not linger. */
export async function markOutboxDelivered(trx: Trx, id: string, now: number, cleared: string): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({
      status: 'done',
      delivered_at: now,
      updated_at: now,
      payload: cleared,
      locked_until: null,
      locked_by: null,
    })
    .where('id', '=', id)
    // A worker whose lease ran out may finish after another did: the first result stands.
    .where('status', '=', 'pending')
    .execute();
}

export interface FailureUpdate {
  id: string;
  workerId: string;
  now: number;
  lastError: string;
  /** 'pending' with the next `availableAt`, or 'dead'. */
  status: Extract<OutboxStatus, 'pending' | 'dead'>;
  availableAt: number;
}

/** Records a failed attempt; only the worker holding the claim may, so a stale worker cannot undo a newer one. */
export async function markOutboxFailed(trx: Trx, f: FailureUpdate): Promise<boolean> {
  const result = await trx
    .updateTable('outbox')
    .set({
      status: f.status,
      available_at: f.availableAt,
      last_error: f.lastError,
      locked_until: null,
      locked_by: null,
      updated_at: f.now,
    })
    .where('id', '=', f.id)
    .where('status', '=', 'pending')
    .where('locked_by', '=', f.workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface DeadLetter {
  id: string;
  topic: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export async function listDeadLetters(db: Db | Trx, limit: number): Promise<DeadLetter[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'topic', 'attempts', 'last_error', 'created_at', 'updated_at'])
    .where('status', '=', 'dead')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    topic: r.topic,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** Puts a dead message back in the queue with a fresh count of attempts; false when no dead message has this id. */
export async function requeueDeadLetter(trx: Trx, id: string, now: number): Promise<boolean> {
  const result = await trx
    .updateTable('outbox')
    .set({
      status: 'pending',
      attempts: 0,
      available_at: now,
      locked_until: null,
      locked_by: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countOutboxByStatus(db: Db | Trx): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  const counts: Record<OutboxStatus, number> = { pending: 0, done: 0, dead: 0 };
  for (const r of rows) counts[r.status] = Number(r.count);
  return counts;
}

/** Records that `handler` processed `key`; false when it already had (the caller then skips its effect). */
export async function insertProcessed(trx: Trx, handler: string, key: string, now: number): Promise<boolean> {
  const result = await trx
    .insertInto('outbox_processed')
    .values({ handler, idempotency_key: key, processed_at: now })
    .onConflict((oc) => oc.columns(['handler', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
