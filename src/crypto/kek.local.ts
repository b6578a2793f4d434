import { createHash } from 'node:crypto';
import { KEY_BYTES, open, seal } from './aead.js';
import type { Kek } from './kek.js';

/** Refusal to start because of the key material; the message names the path or variable, never a key. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

export function kekIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A KEK held in this process's memory (key file or environment). */
export function localKek(key: Buffer, createdAt?: number, id = kekIdOf(key)): Kek {
  if (key.length !== KEY_BYTES) throw new KeyFileError(`a key-encryption key must be ${KEY_BYTES} bytes`);
  const material = Buffer.from(key);
  return {
    id,
    ...(createdAt === undefined ? {} : { createdAt }),
    wrap: async (plaintext, ad) => seal(material, plaintext, ad),
    unwrap: async (wrapped, ad) => open(material, wrapped, ad),
  };
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/** Decodes base64 of exactly 32 bytes, or returns undefined. */
export function decodeKey(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !BASE64_32.test(text.trim())) return undefined;
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}
