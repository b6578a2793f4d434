import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: product apps' credentials (issue 3: apps call the API with their own credentials). */
export function apps(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('app_credentials')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('secret_hash', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', t.time)
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema
        .createIndex('app_credentials_product')
        .on('app_credentials')
        .column('product_id')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('app_credentials').execute();
    },
  };
}
