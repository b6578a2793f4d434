import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/** Frozen: the agreement's versions, texts, acceptances, re-acceptance state and publication checks. */
export function agreements(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('agreement_versions')
        .addColumn('number', 'integer', (c) => c.primaryKey())
        // draft → pending (one of dpo/legal asked to publish) → published; published never changes.
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('authoritative_lang', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('site_ids', 'text', (c) => c.notNull())
        // Requested date for a draft (null: on publication); the date in force once published.
        .addColumn('effective_at', t.time)
        .addColumn('published_at', t.time)
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text')
        .addColumn('approved_by', 'text')
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('updated_at', t.time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agreement_texts')
        .addColumn('version', 'integer', (c) => c.notNull().references('agreement_versions.number'))
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('text_status', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('agreement_texts_pk', ['version', 'lang'])
        .execute();
      await db.schema
        .createTable('agreement_acceptances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('accepted_at', t.time, (c) => c.notNull())
        .addColumn('audit_seq', t.time, (c) => c.notNull())
        // The ISO/IEC TS 27560 record and the receipt body, canonical JSON: the audit entry holds its hash.
        .addColumn('record', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('agreement_acceptances_subject')
        .on('agreement_acceptances')
        .columns(['subject_id', 'accepted_at'])
        .execute();
      await db.schema
        .createTable('agreement_subject_state')
        .addColumn('subject_id', 'text', (c) => c.primaryKey())
        .addColumn('accepted_version', 'integer', (c) => c.notNull())
        .addColumn('accepted_at', t.time, (c) => c.notNull())
        .addColumn('last_acceptance_id', 'text', (c) => c.notNull())
        // The newest version this subject was told about and asked to accept (0: none).
        .addColumn('notified_version', 'integer', (c) => c.notNull())
        .addColumn('needs_reacceptance', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('agreement_subject_state_notify')
        .on('agreement_subject_state')
        .columns(['notified_version', 'subject_id'])
        .execute();
      await db.schema
        .createTable('agreement_notifications')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('total', t.time, (c) => c.notNull())
        .addColumn('notified', t.time, (c) => c.notNull())
        .addColumn('started_at', t.time, (c) => c.notNull())
        .addColumn('finished_at', t.time)
        .execute();
      await db.schema
        .createTable('agreement_site_checks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('checked_at', t.time, (c) => c.notNull())
        .addColumn('expected_version', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('found', 'text')
        .execute();
      await db.schema
        .createIndex('agreement_site_checks_site')
        .on('agreement_site_checks')
        .columns(['site_id', 'checked_at'])
        .execute();
    },
  };
}
