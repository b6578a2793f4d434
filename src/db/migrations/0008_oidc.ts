import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: single sign-on (issue 3 item 12): oidc-provider's models and the registered relying parties. */
export function oidc(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('oidc_models')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('account_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('expires_at', t.time)
        .addColumn('consumed_at', t.time)
        .addPrimaryKeyConstraint('oidc_models_pk', ['kind', 'id'])
        .execute();
      for (const column of ['grant_id', 'uid', 'user_code', 'account_id', 'client_id', 'expires_at']) {
        await db.schema.createIndex(`oidc_models_${column}`).on('oidc_models').column(column).execute();
      }
      await db.schema
        .createTable('oidc_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('oidc_clients').execute();
      await db.schema.dropTable('oidc_models').execute();
    },
  };
}
