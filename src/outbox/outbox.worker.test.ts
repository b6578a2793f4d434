import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Database } from '../db/database.js';
import { createOutbox, type Outbox, type OutboxHandler } from './outbox.service.js';
import { claimOutboxMessages, findOutboxMessage } from './outbox.store.js';
import { backoffMs, createWorker } from './outbox.worker.js';

const logger = pino({ level: 'silent' });

/** The outbox asks the keyring for one server secret only. */
function fakeKeyring(): Keyring {
  let key: Buffer | undefined;
  return {
    secret: async (_name: string, generate: () => Buffer) => (key ??= generate()),
  } as unknown as Keyring;
}

/** A receiver that records each delivery; `fail` makes the next deliveries throw. */
function recorder(topic = 'test.topic') {
  const seen: { payload: unknown; attempt: number; messageId: string }[] = [];
  const state = { fail: 0 };
  const handler = {
    topic,
    name: `${topic}.recorder`,
    async handle(payload, ctx) {
      if (state.fail > 0) {
        state.fail -= 1;
        throw Object.assign(new Error('relay refused alice@example.uz'), { code: 'EREFUSED' });
      }
      seen.push({ payload, attempt: ctx.attempt, messageId: ctx.messageId });
    },
  } satisfies OutboxHandler;
  return { handler, seen, state };
}

describe.each(databaseKinds())('outbox worker on %s', (kind) => {
  let t: TestDatabase;
  let clock: ManualClock;
  afterEach(async () => t?.cleanup());

  async function setup(maxAttempts = 3): Promise<{ outbox: Outbox; database: Database }> {
    t = await openTestDatabase(kind);
    clock = new ManualClock();
    const options = { maxAttempts, pollMs: 50 };
    const outbox = await createOutbox({
      database: t.database,
      clock,
      keyring: fakeKeyring(),
      options,
      logger,
    });
    return { outbox, database: t.database };
  }

  it('backs off longer after each failure, moves the message to dead letters after maxAttempts, and retry requeues it', async () => {
    const { outbox, database } = await setup(3);
    const { handler, seen, state } = recorder();
    outbox.register(handler);
    state.fail = 3;
    const { id } = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'test.topic', payload: { n: 1 } }),
    );
    const worker = createWorker({
      database,
      outbox,
      clock,
      logger,
      workerId: 'w',
      options: { random: () => 0.5 },
    });

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const before = clock.now();
      expect(await worker.runOnce()).toBe(1);
      const row = await findOutboxMessage(database.db, id);
      expect(row).toMatchObject({
        status: 'pending',
        attempts: attempt,
        last_error: 'Error:EREFUSED',
        locked_by: null,
      });
      delays.push((row?.available_at ?? 0) - before);
      expect(await worker.runOnce()).toBe(0); // not before its time
      clock.set(row?.available_at ?? 0);
    }
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);

    expect(await worker.runOnce()).toBe(1);
    expect(await outbox.stats()).toEqual({ pending: 0, done: 0, dead: 1 });
    const dead = await outbox.deadLetters();
    expect(dead).toEqual([
      expect.objectContaining({ id, topic: 'test.topic', attempts: 3, lastError: 'Error:EREFUSED' }),
    ]);
    // The failure's message text (which here names an address) is not kept.
    expect(JSON.stringify(await findOutboxMessage(database.db, id))).not.toContain('alice@example.uz');

    await outbox.retry(id);
    await expect(outbox.retry(id)).rejects.toMatchObject({ code: 'MXF_OUTBOX_DEAD_LETTER_NOT_FOUND' });
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([{ payload: { n: 1 }, attempt: 1, messageId: id }]);
    expect(await outbox.stats()).toEqual({ pending: 0, done: 1, dead: 0 });
  });

  it('sends a message that kills its worker every time to dead letters once its attempts are spent', async () => {
    const { outbox, database } = await setup(2);
    const { handler, seen } = recorder();
    outbox.register(handler);
    const { id } = await database.write((trx) => outbox.enqueue(trx, { topic: 'test.topic', payload: {} }));
    for (const workerId of ['dies-1', 'dies-2']) {
      const claim = {
        kind: database.kind,
        now: clock.now(),
        leaseUntil: clock.now() + 1000,
        workerId,
        limit: 10,
      };
      expect(await database.write((trx) => claimOutboxMessages(trx, claim))).toHaveLength(1);
      clock.advance(1001); // the worker died holding the claim
    }
    expect(await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce()).toBe(0);
    expect(seen).toEqual([]);
    expect(await outbox.deadLetters()).toEqual([
      expect.objectContaining({ id, attempts: 3, lastError: 'LeaseExpired' }),
    ]);
  });

  it('sends a message with no handler to dead letters instead of losing it', async () => {
    const { outbox, database } = await setup(1);
    const { id } = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'nobody.listens', payload: {} }),
    );
    await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce();
    expect(await outbox.deadLetters()).toEqual([
      expect.objectContaining({ id, lastError: 'NoHandlerError:OUTBOX_NO_HANDLER' }),
    ]);
  });

  it('never delivers one message twice within a lease when two workers claim at the same time', async () => {
    const { outbox, database } = await setup();
    const delivered: string[] = [];
    outbox.register({
      topic: 'test.topic',
      name: 'slow',
      async handle(_p, ctx) {
        await new Promise((r) => setTimeout(r, 1));
        delivered.push(ctx.messageId);
      },
    } satisfies OutboxHandler);
    await database.write(async (trx) => {
      for (let i = 0; i < 40; i++) await outbox.enqueue(trx, { topic: 'test.topic', payload: { i } });
    });
    const workers = ['a', 'b', 'c'].map((w) =>
      createWorker({ database, outbox, clock, logger, workerId: w, options: { batchSize: 3 } }),
    );
    await Promise.all(
      workers.map(async (w) => {
        while ((await w.runOnce()) > 0);
      }),
    );
    expect(delivered).toHaveLength(40);
    expect(new Set(delivered).size).toBe(40);
  });

  it('wakes a started worker as soon as a message commits, and stop() waits for the delivery in flight', async () => {
    const { outbox, database } = await setup();
    let release: (() => void) | undefined;
    const done: string[] = [];
    outbox.register({
      topic: 'test.topic',
      name: 'gate',
      async handle(_p, ctx) {
        await new Promise<void>((r) => (release = r));
        done.push(ctx.messageId);
      },
    } satisfies OutboxHandler);
    // A poll interval far beyond the test's timeout: only the wake-up can deliver in time.
    const worker = createWorker({
      database,
      outbox,
      clock,
      logger,
      workerId: 'w',
      options: { pollMs: 3_600_000 },
    });
    worker.start();
    await new Promise((r) => setTimeout(r, 20));
    const { id } = await database.write((trx) => outbox.enqueue(trx, { topic: 'test.topic', payload: {} }));
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const stopped = worker.stop();
    release();
    await stopped;
    expect(done).toEqual([id]);
    expect((await findOutboxMessage(database.db, id))?.status).toBe('done');
  });

  it('delivers a code while a subscriber hangs and a mailing to every customer waits', async () => {
    const { outbox, database } = await setup(3);
    // A subscriber's endpoint and a bulk mail both hang until the end of the test.
    let release = () => {};
    const hung = new Promise<void>((r) => {
      release = r;
    });
    const started = { subscriber: 0, bulk: 0 };
    for (const lane of ['subscriber', 'bulk'] as const)
      outbox.register({
        topic: `test.${lane}`,
        name: `test.${lane}`,
        async handle() {
          started[lane] += 1;
          await hung;
        },
      });
    const codes = recorder('test.code');
    outbox.register(codes.handler);
    await database.write(async (trx) => {
      for (let i = 0; i < 12; i++)
        await outbox.enqueue(trx, { topic: 'test.subscriber', payload: { i }, lane: 'subscribers' });
      for (let i = 0; i < 40; i++)
        await outbox.enqueue(trx, { topic: 'test.bulk', payload: { i }, lane: 'bulk' });
    });
    const worker = createWorker({ database, outbox, clock, logger, workerId: 'w' });
    worker.start();
    try {
      await until(() => started.subscriber > 0 && started.bulk > 0);
      await database.write((trx) => outbox.enqueue(trx, { topic: 'test.code', payload: { code: 1 } }));
      await until(() => codes.seen.length === 1);
      // Each hanging lane holds one batch, and claims no more until it is through.
      expect(started).toEqual({ subscriber: 10, bulk: 10 });
    } finally {
      const stopped = worker.stop();
      release();
      await stopped;
    }
  });
});

/** Waits for `done` (checked every 10 ms), failing after 10 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 10_000) throw new Error('waited 10 s in vain');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('backoff', () => {
  it('never shrinks from one attempt to the next and stops growing at one hour', () => {
    for (let attempt = 1; attempt < 20; attempt++) {
      expect(backoffMs(attempt + 1, () => 0)).toBeGreaterThanOrEqual(backoffMs(attempt, () => 0.999));
      expect(backoffMs(attempt, () => 0.999)).toBeLessThanOrEqual(3_600_000);
    }
    expect(backoffMs(1, () => 0)).toBe(1000);
  });
});
