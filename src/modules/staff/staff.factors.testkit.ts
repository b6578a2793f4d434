/**
 * Second factors for test staff members (imported only by tests): an
 * authenticator app whose secret and recovery codes derive from the member's
 * password, so any test browser can take the second step of their sign-in.
 */
import { createHash } from 'node:crypto';
import { authenticator } from 'otplib';
import type { Keyring } from '../../crypto/keyring.js';
import type { Trx } from '../../db/database.js';
import { newId } from '../../ids.js';
import { recoveryCodeHash } from '../factors/factors.crypto.js';
import { insertFactor, replaceRecoveryCodes } from '../factors/factors.store.js';

/** The authenticator app's code for `secret` at `at` (ms). */
export function totpCode(secret: string, at: number): string {
  return authenticator.clone({ epoch: at }).generate(secret);
}

/** Gives a directly added member an authenticator app and ten recovery codes, inside `trx`. */
export async function addTestAuthenticator(
  trx: Trx,
  keyring: Keyring,
  recoveryKey: Buffer,
  member: { id: string; password: string },
): Promise<void> {
  const who = { kind: 'staff' as const, id: member.id };
  await insertFactor(trx, {
    id: newId(),
    principal_kind: 'staff',
    principal_id: member.id,
    type: 'totp',
    label: 'Authenticator app',
    secret_enc: await keyring.encrypt(trx, member.id, 'factor.totp', totpSecretFor(member.password)),
    last_step: null,
    credential_id: null,
    public_key: null,
    counter: 0,
    transports: null,
    created_at: 0,
    last_used_at: null,
  });
  const hashes = derivedRecoveryCodes(member.password).map((c) =>
    recoveryCodeHash(recoveryKey, 'staff', member.id, c),
  );
  await replaceRecoveryCodes(trx, who, hashes, 0);
}

/** Test members' recovery codes, derived from their password so any test browser can sign them in. */
export function derivedRecoveryCodes(password: string): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: 10 }, (_, i) => {
    const bytes = createHash('sha256').update(`test recovery ${i}\0${password}`).digest();
    const s = Array.from(bytes.subarray(0, 14), (b) => alphabet[b % alphabet.length]).join('');
    return `${s.slice(0, 5)}-${s.slice(5, 10)}-${s.slice(10)}`;
  });
}

/** Test members' TOTP secret (base32), derived from their password. */
export function totpSecretFor(password: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(`test totp\0${password}`).digest();
  return Array.from(bytes, (b) => alphabet[b % 32]).join('');
}
