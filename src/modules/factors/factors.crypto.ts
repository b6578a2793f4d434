import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt } from 'node:crypto';

const NONCE = 12;
const TAG = 16;

/**
 * AES-256-GCM for ceremony state kept between two round trips. The row's id and
 * kind are associated data, so state copied to another row does not open.
 */
export function seal(key: Buffer, id: string, kind: string, value: unknown): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(`${kind}\0${id}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

/** The sealed value, or undefined when altered or sealed for another row. */
export function unseal<T>(key: Buffer, id: string, kind: string, sealed: Buffer): T | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
    decipher.setAAD(Buffer.from(`${kind}\0${id}`));
    decipher.setAuthTag(sealed.subarray(NONCE, NONCE + TAG));
    const plain = Buffer.concat([decipher.update(sealed.subarray(NONCE + TAG)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

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

/** A lazily made value (a server secret), made again only if making it failed. */
export function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
