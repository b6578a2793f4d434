import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: data categories, the versioned purpose register, consents and webhook subscribers. */
export function purposesConsents(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('data_stores')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('data_categories')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('class', 'text', (c) => c.notNull())
        .addColumn('store_id', 'text', (c) => c.notNull().references('data_stores.id'))
        .addColumn('must_stay_in_uz', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('purposes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // A small, stable number per purpose: the decision index keeps bitsets over it.
        .addColumn('idx', 'integer', (c) => c.notNull().unique())
        .addColumn('current_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('purpose_versions')
        .addColumn('purpose_id', 'text', (c) => c.notNull().references('purposes.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('purpose_versions_pk', ['purpose_id', 'version'])
        .execute();

      await db.schema
        .createTable('consent_subjects')
        .addColumn('subject_id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        // Bumped by every consent event of the subject: orders them and lets a node skip stale reloads.
        .addColumn('rev', 'integer', (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('consent_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('rev', 'integer', (c) => c.notNull())
        .addColumn('purpose_id', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('purpose_version', 'integer', (c) => c.notNull())
        .addColumn('at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time)
        .addColumn('record', 'text', (c) => c.notNull())
        .addColumn('audit_seq', t.time, (c) => c.notNull())
        .addUniqueConstraint('consent_events_subject_rev', ['subject_id', 'rev'])
        .execute();
      await db.schema
        .createTable('consent_current')
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('purpose_id', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', t.time)
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .addPrimaryKeyConstraint('consent_current_pk', ['subject_id', 'purpose_id', 'scope', 'kind'])
        .execute();

      await db.schema
        .createTable('webhook_subscribers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
    },
  };
}
