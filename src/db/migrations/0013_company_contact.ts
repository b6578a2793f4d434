import type { Kysely } from 'kysely';

const COLUMNS = ['email', 'phone', 'address'] as const;

/**
 * Frozen: the company's contact details (e-mail, phone, street address), which
 * receipts, consent records and the record of processing give for the
 * controller. Nullable: a company that has not filled them in has none.
 */
export function companyContact() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of COLUMNS) await db.schema.alterTable('company').addColumn(column, 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of COLUMNS) await db.schema.alterTable('company').dropColumn(column).execute();
    },
  };
}
