import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId } from '../../ids.js';
import type { Accounts } from './account.js';
import { contactKeySubject } from './codes.js';
import type { IdentityContext } from './context.js';
import { parseContact } from './identity.crypto.js';
import * as store from './identity.store.js';
import { languageFor, messages } from './messages.js';
import { sendSecurityChange } from './report-links.js';
import type { CustomerPrincipal } from './sessions.js';

export interface Profile {
  subjectId: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  name: string | null;
  locale: string | null;
  status: string;
  createdAt: number;
}

export interface ProfileChange {
  field: string;
  from: string | null;
  to: string | null;
  at: number;
  source: string;
}

/** The fields a customer edits directly; e-mail and phone change only through a code. */
export interface ProfilePatch {
  name?: string | null;
  locale?: string | null;
}

/**
 * Personal data (§19): the customer sees and corrects it; every change is kept
 * in a history whose old and new values are encrypted under the customer's own
 * key (the audit log records only which fields changed).
 */
export function createProfiles(ctx: IdentityContext, accounts: Accounts) {
  const { database, keyring, clock, audit, codes } = ctx;
  const dec = (db: Trx | typeof database.db, id: string, context: string, v: Buffer | null) =>
    v ? keyring.decryptString(db, id, context, v) : Promise.resolve(null);

  async function read(db: Trx | typeof database.db, subjectId: string): Promise<Profile> {
    const c = await store.findCustomer(db, subjectId);
    if (!c) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    return {
      subjectId,
      email: await dec(db, subjectId, 'customer.email', c.email_enc),
      emailVerified: c.email_verified === 1,
      phone: await dec(db, subjectId, 'customer.phone', c.phone_enc),
      phoneVerified: c.phone_verified === 1,
      name: await dec(db, subjectId, 'customer.name', c.name_enc),
      locale: c.locale,
      status: c.status,
      createdAt: c.created_at,
    };
  }

  async function remember(
    trx: Trx,
    subjectId: string,
    field: string,
    from: string | null,
    to: string | null,
    source: string,
  ) {
    const now = clock.now();
    const enc = (v: string | null) =>
      v === null ? null : keyring.encrypt(trx, subjectId, `history.${field}`, v);
    await store.insertProfileChange(trx, {
      id: newId(now),
      subject_id: subjectId,
      field,
      old_enc: await enc(from),
      new_enc: await enc(to),
      changed_at: now,
      source,
    });
  }

  return {
    get: (principal: CustomerPrincipal) => read(database.db, principal.subjectId),
    /** A system read (single sign-on claims, the notice of change): no session is involved. */
    of: (subjectId: string) => read(database.db, subjectId),

    async update(principal: CustomerPrincipal, patch: ProfilePatch): Promise<Profile> {
      const id = principal.subjectId;
      return database.write(async (trx) => {
        const before = await read(trx, id);
        const changed: string[] = [];
        const now = clock.now();
        if (patch.name !== undefined && patch.name !== before.name) {
          const name_enc =
            patch.name === null ? null : await keyring.encrypt(trx, id, 'customer.name', patch.name);
          await store.updateCustomer(trx, id, { name_enc, updated_at: now });
          await remember(trx, id, 'name', before.name, patch.name, 'customer');
          changed.push('name');
        }
        if (patch.locale !== undefined && patch.locale !== before.locale) {
          await store.updateCustomer(trx, id, { locale: patch.locale, updated_at: now });
          await remember(trx, id, 'locale', before.locale, patch.locale, 'customer');
          changed.push('locale');
        }
        if (changed.length > 0)
          await audit.append(trx, {
            actor: `subject:${id}`,
            action: 'customer.profile.updated',
            subjectId: id,
            target: `subject:${id}`,
            details: { fields: changed },
          });
        return read(trx, id);
      });
    },

    async history(principal: CustomerPrincipal): Promise<ProfileChange[]> {
      const id = principal.subjectId;
      const rows = await store.listProfileChanges(database.db, id);
      return Promise.all(
        rows.map(async (r) => ({
          field: r.field,
          from: await dec(database.db, id, `history.${r.field}`, r.old_enc),
          to: await dec(database.db, id, `history.${r.field}`, r.new_enc),
          at: r.changed_at,
          source: r.source,
        })),
      );
    },

    /** Sends a code to the new e-mail or phone; the change happens when the code comes back. */
    async startContactChange(
      principal: CustomerPrincipal,
      raw: string,
      ip: string | undefined,
      lang?: Language,
    ) {
      accounts.requireRecent(principal);
      const contact = parseContact(raw);
      ctx.assertReachable(contact);
      const index = ctx.contactIndex(contact);
      ctx.throttle('send', { email: ctx.throttleKey(contact), address: ip });
      await codes.ready();
      const verificationId = await database.write(async (trx) => {
        const holder = await store.findCustomerByContact(trx, contact.channel, index);
        const subjectId = principal.subjectId;
        if (holder && holder.subject_id !== subjectId)
          return codes.issue(trx, {
            purpose: 'contact',
            subjectId,
            contact,
            message: { dead: messages.contactInUse(languageFor(holder.locale, lang)) },
          });
        const own = languageFor((await store.findCustomer(trx, subjectId))?.locale, lang);
        return codes.issue(trx, {
          purpose: 'contact',
          subjectId,
          contact,
          message: (c) => messages.code(own, c, 'contact'),
        });
      });
      return { verificationId };
    },

    async finishContactChange(
      principal: CustomerPrincipal,
      verificationId: string,
      code: string,
      ip: string | undefined,
    ) {
      accounts.requireRecent(principal);
      const row = await accounts.verifyCode(verificationId, 'contact', code, ip);
      const id = principal.subjectId;
      if (row.subject_id !== id) throw new MaxfiyError('MXF_IDENTITY_CODE_INVALID');
      return database.write(async (trx) => {
        if (!(await store.useVerification(trx, row.id, clock.now())))
          throw new MaxfiyError('MXF_IDENTITY_CODE_INVALID');
        const holder = await store.findCustomerByContact(trx, row.channel, row.contact_index);
        if (holder && holder.subject_id !== id) throw new MaxfiyError('MXF_IDENTITY_CONTACT_TAKEN');
        const value = await keyring.decryptString(
          trx,
          contactKeySubject(row),
          'verification.contact',
          row.contact_enc,
        );
        const before = await read(trx, id);
        const now = clock.now();
        const email = row.channel === 'email';
        const field = email ? 'email' : 'phone';
        // Told before the change, at the contact it replaces (else at the account's contact now),
        // with a report link: someone in the account could move it to an address of theirs and reset
        // the password there, and the owner would hear nothing.
        const previous = email ? before.email : before.phone;
        const verified = email ? before.emailVerified : before.phoneVerified;
        const old = previous && verified ? parseContact(previous) : undefined;
        await sendSecurityChange(ctx, trx, id, field, now, old, principal.sessionId);
        const enc = await keyring.encrypt(trx, id, `customer.${field}`, value);
        await store.updateCustomer(
          trx,
          id,
          email
            ? { email_index: row.contact_index, email_enc: enc, email_verified: 1, updated_at: now }
            : { phone_index: row.contact_index, phone_enc: enc, phone_verified: 1, updated_at: now },
        );
        await remember(trx, id, field, email ? before.email : before.phone, value, 'customer');
        await audit.append(trx, {
          actor: `subject:${id}`,
          action: 'customer.contact.changed',
          subjectId: id,
          target: `subject:${id}`,
          details: { fields: [field] },
        });
        return read(trx, id);
      });
    },
  };
}
