import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadError, ENVELOPE_OVERHEAD, ENVELOPE_V1, open, seal } from './aead.js';

describe('AES-256-GCM envelope', () => {
  const key = randomBytes(32);

  it('gives back exactly what was sealed, for any bytes and associated data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string(), (bytes, ad) => {
        const plaintext = Buffer.from(bytes);
        const envelope = seal(key, plaintext, ad);
        expect(envelope.length).toBe(plaintext.length + ENVELOPE_OVERHEAD);
        expect(envelope[0]).toBe(ENVELOPE_V1);
        expect(open(key, envelope, ad).equals(plaintext)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('uses a fresh nonce each time, so equal plaintexts do not look equal', () => {
    expect(seal(key, 'same', 'ad').equals(seal(key, 'same', 'ad'))).toBe(false);
  });

  it('fails closed with a wrong key', () => {
    const envelope = seal(key, 'secret value', 'ad');
    expect(() => open(randomBytes(32), envelope, 'ad')).toThrow(AeadError);
  });

  it('fails closed when the associated data differs (value moved to another field or person)', () => {
    const envelope = seal(key, 'secret value', 'field:a:email');
    expect(() => open(key, envelope, 'field:b:email')).toThrow(AeadError);
    expect(() => open(key, envelope, 'field:a:phone')).toThrow(AeadError);
  });

  it('fails closed when any single byte changes, version, nonce, body or tag', () => {
    const envelope = seal(key, 'secret value', 'ad');
    for (let i = 0; i < envelope.length; i++) {
      const changed = Buffer.from(envelope);
      changed[i] = (changed[i] ?? 0) ^ 0x01;
      expect(() => open(key, changed, 'ad'), `byte ${i}`).toThrow(AeadError);
    }
  });

  it('fails closed on truncated or empty input', () => {
    const envelope = seal(key, 'secret value', 'ad');
    expect(() => open(key, envelope.subarray(0, envelope.length - 1), 'ad')).toThrow(AeadError);
    expect(() => open(key, envelope.subarray(0, ENVELOPE_OVERHEAD - 1), 'ad')).toThrow(AeadError);
    expect(() => open(key, Buffer.alloc(0), 'ad')).toThrow(AeadError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => seal(randomBytes(16), 'x', 'ad')).toThrow(AeadError);
  });
});
