import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: customer accounts, sessions, codes, devices, notices, incidents, profile history. */
export function identity(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('customers')
        .addColumn('subject_id', 'text', (c) => c.primaryKey())
        .addColumn('email_index', t.binary, (c) => c.unique())
        .addColumn('email_enc', t.binary)
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('phone_index', t.binary, (c) => c.unique())
        .addColumn('phone_enc', t.binary)
        .addColumn('phone_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('name_enc', t.binary)
        .addColumn('locale', 'text')
        .addColumn('opaque_record', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('customer_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', t.binary, (c) => c.notNull().unique())
        .addColumn('subject_id', 'text', (c) => c.notNull().references('customers.subject_id'))
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('authenticated_at', t.time, (c) => c.notNull())
        .addColumn('last_seen_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('revoked_at', t.time)
        .addColumn('device_id', 'text')
        .addColumn('ip_enc', t.binary)
        .addColumn('device_enc', t.binary)
        .execute();
      await db.schema
        .createIndex('customer_sessions_subject')
        .on('customer_sessions')
        .columns(['subject_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('signin_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('new_device', 'integer', (c) => c.notNull())
        .addColumn('ip_enc', t.binary)
        .addColumn('device_enc', t.binary)
        .execute();
      await db.schema
        .createIndex('signin_history_subject')
        .on('signin_history')
        .columns(['subject_id', 'at'])
        .execute();
      await db.schema
        .createTable('verifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('contact_index', t.binary, (c) => c.notNull())
        .addColumn('contact_enc', t.binary, (c) => c.notNull())
        .addColumn('code_hash', t.binary, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('verified_at', t.time)
        .addColumn('used_at', t.time)
        .execute();
      await db.schema.createIndex('verifications_expiry').on('verifications').column('expires_at').execute();
      await db.schema
        .createTable('customer_devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('device_hash', t.binary, (c) => c.notNull())
        .addColumn('first_seen_at', t.time, (c) => c.notNull())
        .addColumn('last_seen_at', t.time, (c) => c.notNull())
        .addUniqueConstraint('customer_devices_subject_hash', ['subject_id', 'device_hash'])
        .execute();
      await db.schema
        .createTable('customer_notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('body_enc', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('read_at', t.time)
        .execute();
      await db.schema
        .createIndex('customer_notices_subject')
        .on('customer_notices')
        .columns(['subject_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('action_links')
        .addColumn('token_hash', t.binary, (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('used_at', t.time)
        .execute();
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('incidents_subject')
        .on('incidents')
        .columns(['subject_id', 'status'])
        .execute();
      await db.schema
        .createTable('profile_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('old_enc', t.binary)
        .addColumn('new_enc', t.binary)
        .addColumn('changed_at', t.time, (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('profile_history_subject')
        .on('profile_history')
        .columns(['subject_id', 'changed_at'])
        .execute();
    },
  };
}
