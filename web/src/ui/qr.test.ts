import fc from 'fast-check';
import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { QUIET_ZONE, qrSymbol } from './qr';

/** Paints the symbol's path as a reader's camera would see it: `scale` pixels a module, RGBA. */
function raster(text: string, scale = 4): { pixels: Uint8ClampedArray; width: number } {
  const { size, path } = qrSymbol(text);
  const width = size * scale;
  const pixels = new Uint8ClampedArray(width * width * 4).fill(255);
  const runs = [...path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)];
  // The path is nothing but runs: every character of it belongs to one.
  expect(runs.map((r) => r[0]).join('')).toBe(path);
  for (const [, x0, y0, w] of runs) {
    for (let y = Number(y0) * scale; y < (Number(y0) + 1) * scale; y++)
      for (let x = Number(x0) * scale; x < (Number(x0) + Number(w)) * scale; x++)
        pixels.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  }
  return { pixels, width };
}

function read(text: string): string | undefined {
  const { pixels, width } = raster(text);
  return jsQR(pixels, width, width, { inversionAttempts: 'dontInvert' })?.data;
}

describe('QR codes for authenticator set-up', () => {
  it('an otpauth link reads back exactly with an independent decoder', () => {
    const uri =
      'otpauth://totp/maxfiy:d%E2%80%A2%E2%80%A2%E2%80%A2%40example.uz?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=maxfiy&algorithm=SHA1&digits=6&period=30';
    expect(read(uri)).toBe(uri);
  });

  it('keeps the quiet zone light on every side', () => {
    const { size, path } = qrSymbol('otpauth://totp/x?secret=AAAA');
    for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
      expect(Number(x)).toBeGreaterThanOrEqual(QUIET_ZONE);
      expect(Number(y)).toBeGreaterThanOrEqual(QUIET_ZONE);
      expect(Number(x) + Number(w)).toBeLessThanOrEqual(size - QUIET_ZONE);
      expect(Number(y)).toBeLessThan(size - QUIET_ZONE);
    }
  });

  it('any printable link of an authenticator-sized length reads back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme-ascii' }), (text) => {
        expect(read(text)).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});
