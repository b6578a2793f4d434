import { createHash, createHmac, randomBytes } from 'node:crypto';
import { domainToUnicode } from 'node:url';
import { open, seal } from '../../crypto/aead.js';

/**
 * The form an e-mail is indexed and stored in: what the person typed, trimmed,
 * in lower case (NFC). Every stored blind index was made from this form: a
 * change here would lose existing accounts.
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * The mailbox an address reaches, for counting only (throttles), never stored
 * or indexed: the domain in its Unicode form without a trailing dot, so
 * `victim@xn--e1afmkfd.uz.` and `victim@пример.uz` take one budget of sends.
 */
export function mailboxOf(email: string): string {
  const text = normaliseEmail(email);
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const domain = text.slice(at + 1).replace(/\.$/, '');
  // An invalid domain has no Unicode form: it is kept as written.
  return `${text.slice(0, at)}@${domainToUnicode(domain).normalize('NFC') || domain}`;
}

export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Names the password a sign-in's proof is made against, by its OPAQUE record.
 * A step begun before a reset or a change and finished after it is void: the
 * old password opens nothing once it is replaced.
 */
export function passwordMark(record: string | null | undefined): string | undefined {
  return record ? sha256(record).toString('base64url') : undefined;
}

export function hmacHex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

/**
 * The staff id the first administrator will get, derived from the set-up token
 * so that the id the OPAQUE registration was bound to at `start` is the id the
 * row gets at `finish`, however often `start` is repeated. UUIDv7 layout, with
 * the token's creation time in front like every other id.
 */
export function staffIdForSetupToken(token: string, createdAt: number): string {
  const b = sha256(`maxfiy first-admin staff id\0${token}`).subarray(0, 16);
  b.writeUIntBE(createdAt, 0, 6);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * AES-256-GCM (the one envelope of src/crypto/aead.ts) for the short-lived state
 * kept between two round trips (OPAQUE login state, a pending set-up, a passkey
 * ceremony). The row's id and kind are associated data, so a sealed state
 * copied to another row does not open.
 */
export function sealState(key: Buffer, id: string, kind: string, value: unknown): Buffer {
  return seal(key, JSON.stringify(value), `${kind}\0${id}`);
}

/** The sealed value, or undefined when it was altered or sealed for another row. */
export function openState<T>(key: Buffer, id: string, kind: string, sealed: Buffer): T | undefined {
  try {
    return JSON.parse(open(key, sealed, `${kind}\0${id}`).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A lazily computed value (a server secret): made once, made again only if making it failed. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((err) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
