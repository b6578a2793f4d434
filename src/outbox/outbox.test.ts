import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  databaseKinds,
  openTestDatabase,
  PG_URL,
  type TestDatabase,
  withSearchPath,
} from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { type Database, type DatabaseKind, openDatabase } from '../db/database.js';
import { createOutbox, type Outbox, type OutboxHandler, processOnce } from './outbox.service.js';
import { findOutboxMessage } from './outbox.store.js';
import { createWorker } from './outbox.worker.js';

const logger = pino({ level: 'silent' });

/** Only `secret()` is used by the outbox; the real keyring is tested with its own code. */
function fakeKeyring(): Keyring {
  const secrets = new Map<string, Buffer>();
  const unused = () => {
    throw new Error('not used by the outbox');
  };
  return {
    currentKekId: 'test',
    encrypt: unused,
    decrypt: unused,
    decryptString: unused,
    blindIndex: unused,
    shred: unused,
    async secret(name, generate) {
      if (!secrets.has(name)) secrets.set(name, generate());
      return secrets.get(name) as Buffer;
    },
  };
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

async function reopen(kind: DatabaseKind, where: string): Promise<Database> {
  return kind === 'sqlite'
    ? openDatabase({ databaseUrl: '', file: where })
    : openDatabase({ databaseUrl: withSearchPath(PG_URL, where), file: '', poolSize: 4 });
}

describe.each(databaseKinds())('outbox on %s', (kind) => {
  let t: TestDatabase;
  let clock: ManualClock;
  const keyring = fakeKeyring();
  afterEach(async () => t?.cleanup());

  async function setup(
    database?: Database,
    maxAttempts = 3,
  ): Promise<{ outbox: Outbox; database: Database }> {
    if (!database) {
      t = await openTestDatabase(kind);
      clock = new ManualClock();
    }
    const db = database ?? t.database;
    const outbox = await createOutbox({
      database: db,
      clock,
      keyring,
      options: { maxAttempts, pollMs: 50 },
      logger,
    });
    return { outbox, database: db };
  }

  it('never delivers a message whose transaction rolled back, and delivers one that committed', async () => {
    const { outbox, database } = await setup();
    const { handler, seen } = recorder();
    outbox.register(handler);
    await expect(
      database.write(async (trx) => {
        await outbox.enqueue(trx, { topic: 'test.topic', payload: { n: 'rolled back' } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await database.write((trx) => outbox.enqueue(trx, { topic: 'test.topic', payload: { n: 'committed' } }));
    const worker = createWorker({ database, outbox, clock, logger, workerId: 'w1' });
    expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);
    expect(seen.map((s) => s.payload)).toEqual([{ n: 'committed' }]);
    expect(await outbox.stats()).toEqual({ pending: 0, done: 1, dead: 0 });
  });

  it('delivers exactly once a message committed before a crash, after the database is reopened', async () => {
    const { outbox, database } = await setup();
    await database.write((trx) => outbox.enqueue(trx, { topic: 'test.topic', payload: { n: 1 } }));
    await database.close(); // the process dies before any worker ran

    const again = await reopen(kind, t.where);
    try {
      const { outbox: outbox2 } = await setup(again);
      const { handler, seen } = recorder();
      outbox2.register(handler);
      const worker = createWorker({ database: again, outbox: outbox2, clock, logger, workerId: 'w2' });
      expect(await worker.runOnce()).toBe(1);
      expect(await worker.runOnce()).toBe(0);
      expect(seen.map((s) => s.payload)).toEqual([{ n: 1 }]);
    } finally {
      await again.close();
    }
  });

  it('re-delivers after a worker dies mid-delivery, and an idempotent receiver has its effect once', async () => {
    const { outbox, database } = await setup();
    const deliveries: number[] = [];
    let hang: (() => void) | undefined;
    // The receiver's effect is a follow-up message, written in its own transaction with the processed record.
    const receiver = {
      topic: 'test.topic',
      name: 'test.follow-up',
      async handle(_payload, ctx) {
        deliveries.push(ctx.attempt);
        await database.write((trx) =>
          processOnce(trx, 'test.follow-up', ctx.idempotencyKey, (trx) =>
            // Due much later, so the workers under test leave it alone.
            outbox.enqueue(trx, { topic: 'test.effect', payload: {}, availableAt: clock.now() + 86_400_000 }),
          ),
        );
        // The first worker "crashes" after the effect committed and before the message is marked done.
        if (ctx.attempt === 1) await new Promise<void>((resolve) => (hang = resolve));
      },
    } satisfies OutboxHandler;
    outbox.register(receiver);
    await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'test.topic', payload: {}, idempotencyKey: 'k-1' }),
    );

    const first = createWorker({
      database,
      outbox,
      clock,
      logger,
      workerId: 'dies',
      options: { leaseMs: 30_000 },
    });
    const stuck = first.runOnce();
    while (!hang) await new Promise((r) => setTimeout(r, 5));

    const second = createWorker({
      database,
      outbox,
      clock,
      logger,
      workerId: 'lives',
      options: { leaseMs: 30_000 },
    });
    expect(await second.runOnce()).toBe(0); // the lease still holds
    clock.advance(30_001);
    expect(await second.runOnce()).toBe(1);
    expect(deliveries).toEqual([1, 2]);

    const effects = await database.db
      .selectFrom('outbox')
      .select('id')
      .where('topic', '=', 'test.effect')
      .execute();
    expect(effects).toHaveLength(1);

    // The dead worker's late finish changes nothing.
    hang?.();
    await stuck;
    expect(await outbox.stats()).toEqual({ pending: 1, done: 1, dead: 0 });
  });

  it('does not enqueue twice under one idempotency key, and keeps the caller’s transaction alive', async () => {
    const { outbox, database } = await setup();
    const a = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'test.topic', payload: 1, idempotencyKey: 'once' }),
    );
    const b = await database.write(async (trx) => {
      const r = await outbox.enqueue(trx, { topic: 'test.topic', payload: 2, idempotencyKey: 'once' });
      await outbox.enqueue(trx, { topic: 'test.topic', payload: 3 });
      return r;
    });
    expect(a.enqueued).toBe(true);
    expect(b).toEqual({ id: a.id, enqueued: false });
    expect((await outbox.stats()).pending).toBe(2);
  });

  it('keeps payloads encrypted at rest and clears them once delivered', async () => {
    const { outbox, database } = await setup();
    outbox.register(recorder('mail.test').handler);
    const { id } = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'mail.test', payload: { to: 'dilnoza@example.uz' } }),
    );
    const stored = await findOutboxMessage(database.db, id);
    expect(stored?.payload).not.toContain('dilnoza');
    await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce();
    const delivered = await findOutboxMessage(database.db, id);
    expect(delivered?.status).toBe('done');
    expect(outbox.seal.open(id, 'mail.test', stored?.payload ?? '')).toContain('dilnoza');
    expect(delivered?.payload).toBe('cleared');
  });

  it('delivers no sealed payload under another topic: a mail’s payload moved to another handler is a dead letter', async () => {
    const { outbox, database } = await setup(undefined, 1);
    const mail = recorder('mail.test');
    const hook = recorder('hook.test');
    outbox.register(mail.handler);
    outbox.register(hook.handler);
    const { id } = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'mail.test', payload: { to: 'dilnoza@example.uz' } }),
    );
    await database.write((trx) =>
      trx.updateTable('outbox').set({ topic: 'hook.test' }).where('id', '=', id).execute(),
    );
    await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce();
    expect([mail.seen, hook.seen]).toEqual([[], []]);
    expect(await outbox.deadLetters()).toEqual([
      expect.objectContaining({ id, lastError: 'PayloadSealError:OUTBOX_PAYLOAD_UNREADABLE' }),
    ]);
  });

  it('delivers no plain payload where payloads are sealed: a row written around the outbox is a dead letter', async () => {
    const { outbox, database } = await setup(undefined, 1);
    const { handler, seen } = recorder('mail.test');
    outbox.register(handler);
    const { id } = await database.write((trx) =>
      outbox.enqueue(trx, { topic: 'mail.test', payload: { to: 'dilnoza@example.uz' } }),
    );
    // Someone with write access to the database swaps in a payload of their own, unsealed.
    await database.write((trx) =>
      trx
        .updateTable('outbox')
        .set({ payload: `plain.${JSON.stringify({ to: 'mallory@example.com' })}` })
        .where('id', '=', id)
        .execute(),
    );
    await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce();
    expect(seen).toEqual([]);
    expect(await outbox.deadLetters()).toEqual([
      expect.objectContaining({ id, lastError: 'PayloadSealError:OUTBOX_PAYLOAD_UNREADABLE' }),
    ]);
  });
});
