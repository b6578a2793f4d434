import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/**
 * Frozen: second factors and passkeys, keyed by principal (staff now,
 * customers later), their short-lived ceremony state, and the staff session's
 * "limited to enrolling a factor" mark.
 */
export function factors(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('auth_factors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('principal_kind', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('secret_enc', t.binary)
        .addColumn('last_step', t.time)
        .addColumn('credential_id', 'text', (c) => c.unique())
        .addColumn('public_key', t.binary)
        .addColumn('counter', t.time, (c) => c.notNull().defaultTo(0))
        .addColumn('transports', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('last_used_at', t.time)
        .execute();
      await db.schema
        .createIndex('auth_factors_principal')
        .on('auth_factors')
        .columns(['principal_kind', 'principal_id'])
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('principal_kind', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('used_at', t.time)
        .addPrimaryKeyConstraint('recovery_codes_pk', ['principal_kind', 'principal_id', 'code_hash'])
        .execute();
      await db.schema
        .createTable('factor_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', t.binary, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .alterTable('staff_sessions')
        .addColumn('factor_required', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('staff_sessions').dropColumn('factor_required').execute();
      await db.schema.dropTable('factor_challenges').execute();
      await db.schema.dropTable('recovery_codes').execute();
      await db.schema.dropTable('auth_factors').execute();
    },
  };
}
