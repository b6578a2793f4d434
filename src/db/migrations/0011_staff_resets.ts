import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/**
 * Frozen: sign-in resets of a staff member by an administrator, for a
 * forgotten password or a lost device. The link's token is stored hashed; a
 * reset works once, before it expires, unless a newer one replaced it.
 */
export function staffResets(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('staff_resets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', t.binary, (c) => c.notNull().unique())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('used_at', t.time)
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema.createIndex('staff_resets_staff').on('staff_resets').column('staff_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('staff_resets').execute();
    },
  };
}
