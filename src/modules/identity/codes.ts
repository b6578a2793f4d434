import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Trx } from '../../db/database.js';
import { newId } from '../../ids.js';
import type { ChannelRegistry, CustomerMessage } from './channels.js';
import { type Contact, hmac, indexKind, once } from './identity.crypto.js';
import * as store from './identity.store.js';
import type { VerificationPurpose } from './identity.table.js';

/**
 * Sign-up and reset codes are sent before anyone has proved the address, so the
 * address is encrypted under this one pseudo-subject rather than a customer's
 * key: probing addresses creates no keys, and a known and an unknown address
 * cost the same. The rows live a day at most.
 */
export const PENDING_SUBJECT = 'pending-verifications';

/** The data-key subject a verification's contact is encrypted under. */
export function contactKeySubject(row: { purpose: VerificationPurpose; subject_id: string }): string {
  return row.purpose === 'contact' ? row.subject_id : PENDING_SUBJECT;
}

/** A code lives ten minutes… */
export const CODE_TTL_MS = 10 * 60_000;
/** …and allows five tries. */
export const CODE_MAX_ATTEMPTS = 5;

export interface IssueInput {
  purpose: VerificationPurpose;
  subjectId: string;
  contact: Contact;
  /**
   * The message to send with the code, or, when the code must not be usable
   * (the address already has an account), a message without one: the answer
   * to the caller is the same either way.
   */
  message: ((code: string) => CustomerMessage) | { dead: CustomerMessage | null };
}

export type CheckResult =
  | { ok: true; row: store.VerificationRow }
  | { ok: false; reason: 'unknown' | 'expired' | 'used' | 'exhausted' | 'wrong' };

/**
 * One-time codes (6 digits) sent to an e-mail address or phone. Stored as an
 * HMAC under a server secret bound to the row's id, so a database copy does not
 * give the codes away by trying a million of them.
 */
export function createVerificationCodes(deps: { keyring: Keyring; clock: Clock; channels: ChannelRegistry }) {
  const { keyring, clock, channels } = deps;
  const codeKey = once(() => keyring.secret('verification-code-key', () => randomBytes(32)));

  return {
    /** Load the secret outside a write: `keyring.secret` writes on its own. */
    ready: codeKey,

    async issue(trx: Trx, input: IssueInput): Promise<string> {
      const id = newId(clock.now());
      const now = clock.now();
      const key = await codeKey();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const dead = typeof input.message !== 'function';
      await store.deleteExpiredVerifications(trx, now - 24 * 60 * 60_000);
      await store.insertVerification(trx, {
        id,
        purpose: input.purpose,
        subject_id: input.subjectId,
        channel: input.contact.channel,
        contact_index: keyring.blindIndex(indexKind(input.contact.channel), input.contact.value),
        contact_enc: await keyring.encrypt(
          trx,
          contactKeySubject({ purpose: input.purpose, subject_id: input.subjectId }),
          'verification.contact',
          input.contact.value,
        ),
        // A dead verification's hash matches no code at all.
        code_hash: dead ? randomBytes(32) : hmac(key, id, code),
        attempts: 0,
        created_at: now,
        expires_at: now + CODE_TTL_MS,
        verified_at: null,
        used_at: null,
      });
      const message = typeof input.message === 'function' ? input.message(code) : input.message.dead;
      // Past the code's life the message is worthless: a delivery retried that long is dropped.
      if (message)
        await channels[input.contact.channel].queue(trx, input.contact.value, {
          ...message,
          validUntil: now + CODE_TTL_MS,
        });
      return id;
    },

    /** Counts the try whatever its outcome; marks the row verified on the right code. */
    async check(trx: Trx, id: string, purpose: VerificationPurpose, code: string): Promise<CheckResult> {
      const row = await store.findVerification(trx, id);
      const now = clock.now();
      if (!row || row.purpose !== purpose) return { ok: false, reason: 'unknown' };
      await store.countVerificationAttempt(trx, id);
      if (row.used_at !== null) return { ok: false, reason: 'used' };
      if (row.expires_at <= now) return { ok: false, reason: 'expired' };
      if (row.attempts >= CODE_MAX_ATTEMPTS) return { ok: false, reason: 'exhausted' };
      const given = hmac(await codeKey(), id, code);
      if (!timingSafeEqual(given, row.code_hash)) return { ok: false, reason: 'wrong' };
      if (row.verified_at === null) await store.markVerified(trx, id, now);
      return { ok: true, row };
    },

    /** A verification whose code was given and that is still fresh and unused, for the step after the code. */
    async verified(trx: Trx, id: string, purpose: VerificationPurpose) {
      const row = await store.findVerification(trx, id);
      const now = clock.now();
      if (!row || row.purpose !== purpose) return undefined;
      if (row.verified_at === null || row.used_at !== null || row.expires_at <= now) return undefined;
      return row;
    },
  };
}

export type VerificationCodes = ReturnType<typeof createVerificationCodes>;
