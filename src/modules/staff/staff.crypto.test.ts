import { describe, expect, it } from 'vitest';
import { mailboxOf, normaliseEmail } from './staff.crypto.js';

describe('the forms an e-mail is kept and counted in', () => {
  it('keeps an address as it was always indexed: lower case, trimmed, its domain as written', () => {
    // Every stored blind index was made from this form: changing it would lose these accounts.
    expect(normaliseEmail(' Dilnoza@Example.UZ ')).toBe('dilnoza@example.uz');
    expect(normaliseEmail('victim@XN--E1AFMKFD.uz')).toBe('victim@xn--e1afmkfd.uz');
    expect(normaliseEmail('victim@example.uz.')).toBe('victim@example.uz.');
  });

  it('counts one mailbox once, however its domain is written: punycode or Unicode, a trailing dot', () => {
    for (const written of [
      'victim@пример.uz',
      ' Victim@ПРИМЕР.uz ',
      'victim@xn--e1afmkfd.uz',
      'VICTIM@XN--E1AFMKFD.UZ.',
    ])
      expect(mailboxOf(written), written).toBe('victim@пример.uz');
    expect(mailboxOf('Dil.Noza+x@example.uz')).toBe('dil.noza+x@example.uz');
  });
});
