import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM in one versioned envelope:
 *   version (1 byte) ‖ nonce (12 bytes, random) ‖ ciphertext ‖ tag (16 bytes).
 * The version byte is authenticated too (it is part of the associated data), so a
 * later format cannot be confused with this one.
 */
export const ENVELOPE_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** Bytes an envelope adds to its plaintext. */
export const ENVELOPE_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Any failure to open an envelope: wrong key, wrong associated data, a changed byte, a truncated value. */
export class AeadError extends Error {
  override name = 'AeadError';
}

function associated(version: number, ad: string | Buffer): Buffer {
  return Buffer.concat([Buffer.of(version), typeof ad === 'string' ? Buffer.from(ad, 'utf8') : ad]);
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new AeadError(`AES-256-GCM needs a ${KEY_BYTES}-byte key`);
}

export function seal(key: Buffer, plaintext: string | Buffer, ad: string | Buffer): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associated(ENVELOPE_V1, ad));
  const body = Buffer.concat([
    cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
    cipher.final(),
  ]);
  return Buffer.concat([Buffer.of(ENVELOPE_V1), nonce, body, cipher.getAuthTag()]);
}

/** Returns the plaintext, or throws AeadError: never a partial or unauthenticated result. */
export function open(key: Buffer, envelope: Buffer, ad: string | Buffer): Buffer {
  checkKey(key);
  if (!Buffer.isBuffer(envelope) || envelope.length < ENVELOPE_OVERHEAD)
    throw new AeadError('envelope too short');
  const version = envelope[0];
  if (version !== ENVELOPE_V1) throw new AeadError('unknown envelope version');
  const nonce = envelope.subarray(1, 1 + NONCE_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  const body = envelope.subarray(1 + NONCE_BYTES, envelope.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associated(version, ad));
    decipher.setAuthTag(tag);
    // update() output is only released together with a successful final(): a
    // failed tag check throws before the caller sees a byte.
    const out = decipher.update(body);
    return Buffer.concat([out, decipher.final()]);
  } catch {
    throw new AeadError('authentication failed');
  }
}
