import { createHmac, randomInt } from 'node:crypto';

export { once as lazy, openState as unseal, sealState as seal } from '../staff/staff.crypto.js';

/** Lower-case letters and digits without 0/o, 1/l/i: read off paper and typed without confusion. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code, `xxxxx-xxxxx-xxxx` (14 characters from 31: about 69 bits). */
export function newRecoveryCode(): string {
  let s = '';
  for (let i = 0; i < 14; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10)}`;
}

/** What was typed, without spaces, dashes or case. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * Keyed with a server secret, so a copy of the database alone does not let
 * anyone test guesses offline.
 */
export function recoveryCodeHash(key: Buffer, kind: string, principalId: string, code: string): Buffer {
  return createHmac('sha256', key)
    .update(`${kind}\0${principalId}\0${normaliseRecoveryCode(code)}`)
    .digest();
}
