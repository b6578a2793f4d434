import { MaxfiyError } from '../../errors.js';
import type { IdentityContext } from './context.js';
import { contactsOf } from './customer-factors.js';
import { maskContact } from './identity.crypto.js';
import * as store from './identity.store.js';
import * as sessionStore from './sessions.store.js';

export interface CustomerSummary {
  id: string;
  status: string;
  createdAt: number;
  lastSignInAt: number | null;
  emailMasked: string | null;
  phoneMasked: string | null;
  factors: { totp: boolean; passkeys: number };
}

export interface CustomerDetail extends CustomerSummary {
  openIncidents: number;
  sessions: number;
}

export const CUSTOMER_PAGE_MAX = 100;

/**
 * The staff view of customers: account facts and masked contacts only. Never
 * the profile name, the full contacts or anything in the cabinet; each look is
 * audited (ids only).
 */
export function createCustomerDirectory(ctx: IdentityContext) {
  const { database, keyring, factors, audit, clock } = ctx;

  async function summary(row: store.CustomerRow): Promise<CustomerSummary> {
    const db = database.db;
    const { email, phone } = await contactsOf(db, keyring, row);
    const kinds = await factors.list({ kind: 'customer', id: row.subject_id });
    return {
      id: row.subject_id,
      status: row.status,
      createdAt: Number(row.created_at),
      lastSignInAt: await sessionStore.lastSuccessfulSignin(db, row.subject_id),
      emailMasked: email ? maskContact(email) : null,
      phoneMasked: phone ? maskContact(phone) : null,
      factors: {
        totp: kinds.factors.some((f) => f.type === 'totp'),
        passkeys: kinds.factors.filter((f) => f.type === 'passkey').length,
      },
    };
  }

  return {
    /** Newest first; `next` is the cursor of the following page, null on the last. */
    async list(actor: string, input: { cursor?: string | undefined; limit?: number | undefined }) {
      const limit = Math.min(input.limit ?? 50, CUSTOMER_PAGE_MAX);
      const rows = await store.listCustomersPage(database.db, input.cursor, limit + 1);
      const page = rows.slice(0, limit);
      const customers = await Promise.all(page.map(summary));
      await database.write((trx) =>
        audit.append(trx, {
          actor,
          action: 'customer.list.viewed',
          details: { count: customers.length },
        }),
      );
      return { customers, next: rows.length > limit ? (page.at(-1)?.subject_id ?? null) : null };
    },

    async get(actor: string, subjectId: string): Promise<CustomerDetail> {
      const row = await store.findCustomer(database.db, subjectId);
      if (!row) throw new MaxfiyError('MXF_IDENTITY_CUSTOMER_NOT_FOUND');
      const [base, openIncidents, sessions] = await Promise.all([
        summary(row),
        store.countOpenIncidents(database.db, subjectId),
        sessionStore.countLiveSessions(database.db, subjectId, clock.now(), ctx.options.sessions.idleMs),
      ]);
      await database.write((trx) =>
        audit.append(trx, { actor, action: 'customer.viewed', subjectId, target: `subject:${subjectId}` }),
      );
      return { ...base, openIncidents, sessions };
    },
  };
}

export type CustomerDirectory = ReturnType<typeof createCustomerDirectory>;
