import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId } from '../../ids.js';
import { PASSWORD_REPLACED_TOPIC } from './channels.js';
import { contactKeySubject } from './codes.js';
import type { IdentityContext } from './context.js';
import { parseContact } from './identity.crypto.js';
import * as store from './identity.store.js';
import type { VerificationPurpose } from './identity.table.js';
import { languageFor, messages } from './messages.js';
import { type CustomerPrincipal, isRecent, STEP_UP_MS } from './sessions.js';
import * as sessionStore from './sessions.store.js';
import type { Signin, SigninContext, SigninDone } from './signin.js';

/** Changing the password, a contact or a factor needs a sign-in this recent (step-up). */
export { STEP_UP_MS };

/** The subject id a reset code for an address without an account is filed under: it can never be used. */
const NOBODY = 'nobody';

/**
 * Sign-up, reset, password change and contact change: each a code sent to a
 * channel, then an OPAQUE registration. Sign-up and reset answer alike whether
 * or not an account has the contact; the difference is only in what the
 * mailbox or phone receives.
 */
export function createAccounts(ctx: IdentityContext, signin: Signin) {
  const { database, clock, audit, keyring, codes, opaque } = ctx;

  /** A new password voids every sign-in made with the old one, at the apps too (the OIDC receiver). */
  async function endAppSignIns(trx: Trx, subjectId: string, reason: 'reset' | 'change'): Promise<void> {
    await ctx.outbox.enqueue(trx, { topic: PASSWORD_REPLACED_TOPIC, payload: { subjectId, reason } });
  }

  function requireRecent(principal: CustomerPrincipal): void {
    if (!isRecent(principal, clock.now())) throw new MaxfiyError('MXF_IDENTITY_STEP_UP_REQUIRED');
  }

  /** Checks the code; a wrong one is counted and answered after its count is committed. */
  async function verifyCode(id: string, purpose: VerificationPurpose, code: string, ip: string | undefined) {
    ctx.guessAllowed(ip);
    const result = await database.write((trx) => codes.check(trx, id, purpose, code));
    if (!result.ok) {
      ctx.guessMissed(ip);
      throw new MaxfiyError('MXF_IDENTITY_CODE_INVALID');
    }
    return result.row;
  }

  async function startCode(
    purpose: 'signup' | 'reset',
    input: { contact: string; ip?: string | undefined; lang?: Language | undefined },
  ): Promise<{ verificationId: string }> {
    const contact = parseContact(input.contact);
    ctx.assertReachable(contact);
    const index = ctx.contactIndex(contact);
    ctx.throttle('send', { email: ctx.throttleKey(contact), address: input.ip });
    await codes.ready();
    const verificationId = await database.write(async (trx) => {
      const existing = await store.findCustomerByContact(trx, contact.channel, index);
      const live = existing && existing.status !== 'closed' ? existing : undefined;
      // The account's own language, else the asker's: the HTTP answer is the same either way.
      const lang = languageFor(live?.locale, input.lang);
      if (purpose === 'signup') {
        if (live) {
          const dead = { dead: messages.alreadyRegistered(lang, ctx.options.publicUrl) };
          return codes.issue(trx, { purpose, subjectId: live.subject_id, contact, message: dead });
        }
        const subjectId = newId(clock.now());
        return codes.issue(trx, {
          purpose,
          subjectId,
          contact,
          message: (c) => messages.code(lang, c, purpose),
        });
      }
      if (!live) return codes.issue(trx, { purpose, subjectId: NOBODY, contact, message: { dead: null } });
      return codes.issue(trx, {
        purpose,
        subjectId: live.subject_id,
        contact,
        message: (c) => messages.code(lang, c, purpose),
      });
    });
    return { verificationId };
  }

  async function registrationFor(
    purpose: 'signup' | 'reset',
    input: { verificationId: string; code: string; registrationRequest: string; ip?: string | undefined },
  ) {
    const row = await verifyCode(input.verificationId, purpose, input.code, input.ip);
    return {
      registrationResponse: await opaque.registrationResponse(row.subject_id, input.registrationRequest),
    };
  }

  return {
    startSignup: (input: { contact: string; ip?: string | undefined; lang?: Language | undefined }) =>
      startCode('signup', input),
    verifySignup: (input: {
      verificationId: string;
      code: string;
      registrationRequest: string;
      ip?: string;
    }) => registrationFor('signup', input),

    async finishSignup(
      input: { verificationId: string; registrationRecord: string } & SigninContext,
    ): Promise<SigninDone> {
      ctx.guessAllowed(input.ip);
      await opaque.checkRegistrationRecord(input.registrationRecord);
      const done = await database.write(async (trx) => {
        const row = await codes.verified(trx, input.verificationId, 'signup');
        if (!row || !(await store.useVerification(trx, row.id, clock.now()))) return null;
        if (await store.findCustomerByContact(trx, row.channel, row.contact_index))
          throw new MaxfiyError('MXF_IDENTITY_CONTACT_TAKEN');
        const subjectId = row.subject_id;
        const value = await keyring.decryptString(
          trx,
          contactKeySubject(row),
          'verification.contact',
          row.contact_enc,
        );
        const now = clock.now();
        const email = row.channel === 'email';
        await store.insertCustomer(trx, {
          subject_id: subjectId,
          email_index: email ? row.contact_index : null,
          email_enc: email ? await keyring.encrypt(trx, subjectId, 'customer.email', value) : null,
          email_verified: email ? 1 : 0,
          phone_index: email ? null : row.contact_index,
          phone_enc: email ? null : await keyring.encrypt(trx, subjectId, 'customer.phone', value),
          phone_verified: email ? 0 : 1,
          name_enc: null,
          locale: null,
          opaque_record: input.registrationRecord,
          status: 'active',
          created_at: now,
          updated_at: now,
        });
        await audit.append(trx, {
          actor: `subject:${subjectId}`,
          action: 'customer.signup',
          subjectId,
          target: `subject:${subjectId}`,
          details: { channel: row.channel },
        });
        await ctx.onCustomerCreated?.(trx, subjectId);
        const admitted = await signin.admit(trx, subjectId, input);
        await signin.record(trx, subjectId, 'success', input, 'password');
        return {
          principal: { subjectId, sessionId: admitted.sessionId, authenticatedAt: now },
          sessionToken: admitted.sessionToken,
          deviceToken: admitted.deviceToken,
          newDevice: false,
        };
      });
      if (!done) {
        ctx.guessMissed(input.ip);
        throw new MaxfiyError('MXF_IDENTITY_CODE_INVALID');
      }
      return done;
    },

    startReset: (input: { contact: string; ip?: string | undefined; lang?: Language | undefined }) =>
      startCode('reset', input),
    verifyReset: (input: {
      verificationId: string;
      code: string;
      registrationRequest: string;
      ip?: string;
    }) => registrationFor('reset', input),

    /**
     * Stores the new record, ends every session (the apps' too) and every cabinet grant,
     * and lifts a compromise block: the customer proved the channel.
     */
    async finishReset(input: {
      verificationId: string;
      registrationRecord: string;
      ip?: string | undefined;
      lang?: Language | undefined;
    }): Promise<void> {
      ctx.guessAllowed(input.ip);
      await opaque.checkRegistrationRecord(input.registrationRecord);
      const ok = await database.write(async (trx) => {
        const row = await codes.verified(trx, input.verificationId, 'reset');
        if (!row || !(await store.useVerification(trx, row.id, clock.now()))) return false;
        const customer = await store.findCustomer(trx, row.subject_id);
        if (!customer || customer.status === 'closed') return false;
        // The code proved a contact: it resets only while that contact is still the account's.
        // One sent to an address the customer has since replaced opens nothing.
        const current = row.channel === 'email' ? customer.email_index : customer.phone_index;
        if (!current || !Buffer.from(current).equals(Buffer.from(row.contact_index))) return false;
        const now = clock.now();
        await store.updateCustomer(trx, customer.subject_id, {
          opaque_record: input.registrationRecord,
          status: 'active',
          updated_at: now,
        });
        const ended = await sessionStore.revokeSessions(trx, customer.subject_id, now);
        const grantsEnded = (await ctx.onPasswordReset?.(trx, customer.subject_id)) ?? 0;
        await endAppSignIns(trx, customer.subject_id, 'reset');
        await audit.append(trx, {
          actor: `subject:${customer.subject_id}`,
          action: 'customer.password.reset',
          subjectId: customer.subject_id,
          target: `subject:${customer.subject_id}`,
          details: {
            channel: row.channel,
            sessionsEnded: ended,
            grantsEnded,
            unblocked: customer.status !== 'active',
          },
        });
        const to = await ctx.reachOf(trx, customer);
        if (to) await ctx.send(trx, to, messages.passwordChanged(languageFor(customer.locale, input.lang)));
        return true;
      });
      if (!ok) {
        ctx.guessMissed(input.ip);
        throw new MaxfiyError('MXF_IDENTITY_CODE_INVALID');
      }
    },

    async startPasswordChange(principal: CustomerPrincipal, registrationRequest: string) {
      requireRecent(principal);
      return {
        registrationResponse: await opaque.registrationResponse(principal.subjectId, registrationRequest),
      };
    },

    /** Replaces the record and ends every other session, and every sign-in at the apps. */
    async finishPasswordChange(
      principal: CustomerPrincipal,
      registrationRecord: string,
      lang?: Language,
    ): Promise<void> {
      requireRecent(principal);
      await opaque.checkRegistrationRecord(registrationRecord);
      await database.write(async (trx) => {
        const customer = await store.findCustomer(trx, principal.subjectId);
        if (!customer) throw new MaxfiyError('MXF_AUTH_REQUIRED');
        const now = clock.now();
        await store.updateCustomer(trx, principal.subjectId, {
          opaque_record: registrationRecord,
          updated_at: now,
        });
        const ended = await sessionStore.revokeSessions(trx, principal.subjectId, now, principal.sessionId);
        await endAppSignIns(trx, principal.subjectId, 'change');
        await audit.append(trx, {
          actor: `subject:${principal.subjectId}`,
          action: 'customer.password.changed',
          subjectId: principal.subjectId,
          target: `subject:${principal.subjectId}`,
          details: { sessionsEnded: ended },
        });
        const to = await ctx.reachOf(trx, customer);
        if (to) await ctx.send(trx, to, messages.passwordChanged(languageFor(customer.locale, lang)));
      });
    },

    requireRecent,
    verifyCode,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
