import { randomBytes, randomUUID } from 'node:crypto';

/** A time-ordered id (UUIDv7 layout): sorts by creation, reveals nothing else. */
export function newId(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A random secret token for links and sessions (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export { randomUUID };
