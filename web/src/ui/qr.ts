/**
 * A QR code as one SVG path, for the authenticator set-up screens: the
 * otpauth link is encoded in the browser, so the secret it carries never
 * travels in an image request or a URL. Error correction M (15%), which
 * authenticator apps read easily from a screen, and the standard's four-module
 * quiet zone around the symbol.
 */
import { encode } from 'uqr';

/** Modules of light margin on every side (ISO/IEC 18004 asks for four). */
export const QUIET_ZONE = 4;

export interface QrSymbol {
  /** Modules per side, the quiet zone included. */
  size: number;
  /** `M x y h{n}v1h-{n}z` per run of dark modules in a row, in the coordinates of a `size`-square view box. */
  path: string;
}

export function qrSymbol(text: string): QrSymbol {
  const { data, size } = encode(text, { ecc: 'M', border: 0 });
  const parts: string[] = [];
  for (let y = 0; y < size; y++) {
    const row = data[y] as boolean[];
    // Runs of dark modules along a row as one rectangle each: a shorter path than one square a module.
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      let end = x + 1;
      while (end < size && row[end]) end++;
      parts.push(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${end - x}v1h-${end - x}z`);
      x = end;
    }
  }
  return { size: size + 2 * QUIET_ZONE, path: parts.join('') };
}
