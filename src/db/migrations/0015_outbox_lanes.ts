import type { Kysely } from 'kysely';

/**
 * Frozen: the outbox's lanes (outbox.table.ts), each claimed apart, so a
 * subscriber's slow endpoint or a mailing to every customer cannot keep a
 * sign-in code waiting. Messages queued before are in `main`.
 */
export function outboxLanes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('outbox')
        .addColumn('lane', 'text', (c) => c.notNull().defaultTo('main'))
        .execute();
      await db.schema
        .createIndex('outbox_lane_ready')
        .on('outbox')
        .columns(['status', 'lane', 'available_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('outbox_lane_ready').execute();
      await db.schema.alterTable('outbox').dropColumn('lane').execute();
    },
  };
}
