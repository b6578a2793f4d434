import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: the personal cabinet's records, the products allowed to write them, grants and the access log. */
export function cabinet(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('cabinet_links')
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('linked_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('cabinet_links_pk', ['customer_id', 'product_id'])
        .execute();
      await db.schema
        .createTable('cabinet_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('key_index', t.binary, (c) => c.notNull())
        .addColumn('body_enc', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .addUniqueConstraint('cabinet_records_key', ['customer_id', 'product_id', 'key_index'])
        .execute();
      await db.schema
        .createTable('cabinet_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('grantee_staff_id', 'text')
        .addColumn('grantee_role', 'text')
        .addColumn('product_ids', 'text', (c) => c.notNull())
        .addColumn('reason_enc', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema
        .createIndex('cabinet_grants_customer')
        .on('cabinet_grants')
        .column('customer_id')
        .execute();
      await db.schema
        .createIndex('cabinet_grants_live')
        .on('cabinet_grants')
        .columns(['revoked_at', 'expires_at'])
        .execute();
      await db.schema
        .createTable('cabinet_access_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('staff_id', 'text', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('product_ids', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('cabinet_access_log_customer')
        .on('cabinet_access_log')
        .columns(['customer_id', 'at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('cabinet_access_log').execute();
      await db.schema.dropTable('cabinet_grants').execute();
      await db.schema.dropTable('cabinet_records').execute();
      await db.schema.dropTable('cabinet_links').execute();
    },
  };
}
