import { describe, expect, it } from 'vitest';
import { normaliseEmail } from './staff.crypto.js';

describe('the form an e-mail is kept in', () => {
  it('is one for every way of writing one mailbox: case, spaces, a punycode or Unicode domain, a trailing dot', () => {
    for (const written of [
      'victim@пример.uz',
      ' Victim@ПРИМЕР.uz ',
      'victim@xn--e1afmkfd.uz',
      'VICTIM@XN--E1AFMKFD.UZ.',
    ])
      expect(normaliseEmail(written), written).toBe('victim@пример.uz');
    expect(normaliseEmail('Dilnoza@Example.UZ')).toBe('dilnoza@example.uz');
    // The local part is the mailbox's own: only its case and Unicode form change.
    expect(normaliseEmail('Dil.Noza+x@example.uz')).toBe('dil.noza+x@example.uz');
    expect(normaliseEmail('café@example.uz')).toBe(normaliseEmail('café@example.uz'));
  });
});
