import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What a delivered message's payload becomes: nothing of the original is kept. */
export const CLEARED_PAYLOAD = 'cleared';

/** Sealed with the message id and topic bound. */
const SEALED = 'v2.';
/** Sealed with the message id alone, before the topic was bound: still opened. */
const SEALED_V1 = 'v1.';
const PLAIN = 'plain.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encryption of outbox payloads at rest (AES-256-GCM). The message id and topic
 * are bound as associated data, so a payload copied into another row, or its
 * row given another topic (a mail's payload handed to the webhook sender, say),
 * does not open.
 */
export interface PayloadSeal {
  readonly encrypted: boolean;
  seal(messageId: string, topic: string, json: string): string;
  open(messageId: string, topic: string, stored: string): string;
}

export class PayloadSealError extends Error {
  override name = 'PayloadSealError';
  readonly code = 'OUTBOX_PAYLOAD_UNREADABLE';
}

/** `key` undefined stores payloads as plain JSON (only when no keyring is wired; the outbox warns). */
export function createPayloadSeal(key: Buffer | undefined): PayloadSeal {
  if (key && key.length !== 32) throw new Error('the outbox payload key must be 32 bytes');
  return {
    encrypted: key !== undefined,
    seal(messageId, topic, json) {
      if (!key) return PLAIN + json;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(`outbox:${messageId}:${topic}`));
      const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
      return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(messageId, topic, stored) {
      // Where payloads are sealed, a plain one was not written by the outbox: a row
      // put in the database by other means would otherwise be mailed or posted as is.
      if (stored.startsWith(PLAIN) && !key) return stored.slice(PLAIN.length);
      const v1 = stored.startsWith(SEALED_V1);
      if (!key || (!v1 && !stored.startsWith(SEALED)))
        throw new PayloadSealError('the outbox payload cannot be opened');
      const aad = v1 ? `outbox:${messageId}` : `outbox:${messageId}:${topic}`;
      const raw = Buffer.from(stored.slice((v1 ? SEALED_V1 : SEALED).length), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new PayloadSealError('the outbox payload is truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(aad));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch (err) {
        throw new PayloadSealError('the outbox payload failed authentication', { cause: err });
      }
    },
  };
}
