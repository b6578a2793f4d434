import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: the foundation's tables. A later change is a new migration. */
export function foundation(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('company')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('legal_names', 'text', (c) => c.notNull())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('tin', 'text')
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('agreement_url', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('products')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text', (c) => c.references('sites.id'))
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('subject_keys')
        .addColumn('subject_id', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped_dek', t.binary)
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('shredded_at', t.time)
        .execute();
      await db.schema.createIndex('subject_keys_kek').on('subject_keys').column('kek_id').execute();
      await db.schema
        .createTable('secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('wrapped', t.binary, (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit_entries')
        .addColumn('seq', t.time, (c) => c.primaryKey())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text')
        .addColumn('subject_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('leaf_hash', t.binary, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('audit_entries_subject')
        .on('audit_entries')
        .columns(['subject_id', 'seq'])
        .execute();
      await db.schema
        .createTable('audit_tree_heads')
        .addColumn('tree_size', t.time, (c) => c.primaryKey())
        .addColumn('root_hash', t.binary, (c) => c.notNull())
        .addColumn('issued_at', t.time, (c) => c.notNull())
        .addColumn('signature', t.binary, (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        // The raw Ed25519 public key, so `audit verify` checks signatures without the KEK.
        .addColumn('public_key', t.binary, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('available_at', t.time, (c) => c.notNull())
        .addColumn('locked_until', t.time)
        .addColumn('locked_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .addColumn('delivered_at', t.time)
        .execute();
      await db.schema.createIndex('outbox_ready').on('outbox').columns(['status', 'available_at']).execute();
      await db.schema
        .createTable('outbox_processed')
        .addColumn('handler', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('processed_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('outbox_processed_pk', ['handler', 'idempotency_key'])
        .execute();

      await db.schema
        .createTable('dev_inbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', t.time, (c) => c.notNull())
        .addColumn('envelope_from', 'text', (c) => c.notNull())
        .addColumn('envelope_to', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('staff')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email_index', t.binary, (c) => c.notNull().unique())
        .addColumn('email_enc', t.binary, (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('opaque_record', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('staff_sessions')
        .addColumn('token_hash', t.binary, (c) => c.primaryKey())
        .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('last_seen_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema
        .createTable('setup_tokens')
        .addColumn('token_hash', t.binary, (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('used_at', t.time)
        .execute();
      await db.schema
        .createTable('login_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', t.binary, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .execute();
    },
  };
}
