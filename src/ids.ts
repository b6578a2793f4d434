import { randomBytes, randomUUID } from 'node:crypto';

/** A time-ordered id (UUIDv7 layout): sorts by creation, reveals nothing else. */
export function newId(now = Date.now()): string {
  const b = Buffer.allocUnsafe(16);
  randomInto(b, 6);
  b.writeUIntBE(now, 0, 6);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Fills `b` from byte `from` on with random bytes, taken from a pool refilled by
 * the CSPRNG a page at a time: one call into the system per ~400 ids, not per id.
 */
function randomInto(b: Buffer, from: number): void {
  const need = b.length - from;
  if (offset + need > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  pool.copy(b, from, offset, offset + need);
  // Used bytes are cleared so they are never handed out twice, even by mistake.
  pool.fill(0, offset, offset + need);
  offset += need;
}

/** A random secret token for links and sessions (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export { randomUUID };
