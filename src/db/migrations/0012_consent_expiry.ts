import { type Kysely, sql } from 'kysely';

/**
 * Frozen: the consents whose term can end. The expiry sweep asks every minute
 * for given consents whose `expires_at` has passed; without this the question
 * reads all of `consent_current`. Partial, so it holds only the few consents
 * given for a term, and a consent leaves it once withdrawn or expired.
 */
export function consentExpiry() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('consent_current_expiry')
        .on('consent_current')
        .column('expires_at')
        .where(sql<boolean>`state = 'given' and expires_at is not null`)
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('consent_current_expiry').execute();
    },
  };
}
