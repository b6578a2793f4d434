import type { Kysely } from 'kysely';
import type { ColumnTypes } from './index.js';

/**
 * Frozen: invitations of further staff members by an administrator. The link's
 * token is stored hashed; the e-mail as a blind index and encrypted under the
 * data key of the staff id the invitee will have.
 */
export function staffInvites(t: ColumnTypes) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('staff_invites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', t.binary, (c) => c.notNull().unique())
        .addColumn('email_index', t.binary, (c) => c.notNull())
        .addColumn('email_enc', t.binary, (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('created_at', t.time, (c) => c.notNull())
        .addColumn('expires_at', t.time, (c) => c.notNull())
        .addColumn('accepted_at', t.time)
        .addColumn('revoked_at', t.time)
        .execute();
      await db.schema.createIndex('staff_invites_email').on('staff_invites').column('email_index').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('staff_invites').execute();
    },
  };
}
