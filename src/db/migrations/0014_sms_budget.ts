import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/**
 * Frozen: SMS counted per clock hour, for all numbers together (`all`) and per
 * country calling code abroad (`+7`), so every node shares one budget.
 */
export function smsBudget(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sms_counts')
        .addColumn('window_start', t.time, (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('sent', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('sms_counts_pk', ['window_start', 'scope'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('sms_counts').execute();
    },
  };
}
