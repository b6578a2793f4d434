import type { Db } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { RegistrationResponseJSON } from '../factors/factors.passkeys.js';
import type { Principal } from '../factors/factors.service.js';
import type { IdentityContext } from './context.js';
import { type Contact, maskContact } from './identity.crypto.js';
import * as store from './identity.store.js';
import { sendSecurityChange } from './report-links.js';
import type { CustomerPrincipal } from './sessions.js';

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** The customer's contacts in clear, for masking; unverified ones included (staff match callers by them). */
export async function contactsOf(
  db: Db,
  decrypt: IdentityContext['keyring'],
  customer: store.CustomerRow,
): Promise<{ email: Contact | null; phone: Contact | null }> {
  const id = customer.subject_id;
  return {
    email: customer.email_enc
      ? { channel: 'email', value: await decrypt.decryptString(db, id, 'customer.email', customer.email_enc) }
      : null,
    phone: customer.phone_enc
      ? { channel: 'sms', value: await decrypt.decryptString(db, id, 'customer.phone', customer.phone_enc) }
      : null,
  };
}

/**
 * A customer's passkeys and authenticator app: the customer rules around the
 * principal-neutral factor service. Step-up is the routes' guard
 * (`requireRecentSignIn`). Unlike staff, a customer may remove every factor:
 * the password stays.
 */
export function createCustomerFactors(ctx: IdentityContext) {
  const { database, keyring, factors } = ctx;
  const who = (p: CustomerPrincipal): Principal => ({ kind: 'customer', id: p.subjectId });

  /** What the authenticator app and the passkey picker show: the masked contact, never the address itself. */
  async function accountName(p: CustomerPrincipal): Promise<string> {
    const customer = await store.findCustomer(database.db, p.subjectId);
    if (!customer) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    const { email, phone } = await contactsOf(database.db, keyring, customer);
    const contact = email ?? phone;
    return contact ? maskContact(contact) : 'maxfiy';
  }

  return {
    async list(p: CustomerPrincipal) {
      const { factors: rows, recoveryCodesLeft } = await factors.list(who(p));
      const totp = rows.find((f) => f.type === 'totp');
      const passkeys: PasskeyView[] = rows
        .filter((f) => f.type === 'passkey')
        .map((f) => ({ id: f.id, name: f.label, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt }));
      return { totp: totp !== undefined, totpId: totp?.id ?? null, passkeys, recoveryCodesLeft };
    },

    startTotp: async (p: CustomerPrincipal) => factors.startTotp(who(p), await accountName(p)),

    finishTotp: (p: CustomerPrincipal, input: { enrolmentId: string; code: string; label?: string }) =>
      factors.finishTotp(who(p), input, (trx, added) =>
        sendSecurityChange(ctx, trx, p.subjectId, 'totp', added.createdAt, undefined, p.sessionId),
      ),

    regenerateRecoveryCodes: (p: CustomerPrincipal) => factors.regenerateRecoveryCodes(who(p)),

    async startPasskeyRegistration(p: CustomerPrincipal) {
      const name = await accountName(p);
      return factors.startPasskeyRegistration(who(p), { name, displayName: name });
    },

    finishPasskeyRegistration: (
      p: CustomerPrincipal,
      input: { challengeId: string; response: RegistrationResponseJSON; label?: string },
    ) =>
      factors.finishPasskeyRegistration(who(p), input, (trx, added) =>
        sendSecurityChange(ctx, trx, p.subjectId, 'passkey', added.createdAt, undefined, p.sessionId),
      ),

    remove: (p: CustomerPrincipal, factorId: string) => factors.remove(who(p), factorId, { keepOne: false }),
  };
}

export type CustomerFactors = ReturnType<typeof createCustomerFactors>;
