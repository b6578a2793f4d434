import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/**
 * Frozen: covering indexes for the console's acceptance and consent figures
 * per day, and the e-mail half of a new version's notice (§20): how many
 * customers the mailing job has walked and mailed.
 */
export function noticeMail(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('agreement_acceptances_day')
        .on('agreement_acceptances')
        .columns(['accepted_at', 'method', 'version'])
        .execute();
      await db.schema
        .createIndex('consent_events_day')
        .on('consent_events')
        .columns(['at', 'kind', 'state', 'purpose_id'])
        .execute();
      for (const column of ['mail_total', 'mail_done', 'mail_sent'])
        await db.schema
          .alterTable('agreement_notifications')
          .addColumn(column, t.time, (c) => c.notNull().defaultTo(0))
          .execute();
      await db.schema.alterTable('agreement_notifications').addColumn('mail_finished_at', t.time).execute();
    },
  };
}
