import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentHash } from './hash.js';
import { parseAgreement, renderPlainText } from './paragraphs.js';

describe('content hash of a canonical text', () => {
  it('is sha256: and the hex SHA-256 of the UTF-8 bytes', () => {
    expect(contentHash('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(contentHash('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes NFC, so the same words in another Unicode form hash the same', () => {
    const text = 'Махфийлик ва шахсий маълумотлар';
    expect(text.normalize('NFD')).not.toBe(text);
    expect(contentHash(text.normalize('NFD'))).toBe(contentHash(text));
  });

  it('changes with any changed character', () => {
    expect(contentHash('30 календар кун')).not.toBe(contentHash('31 календар кун'));
    expect(contentHash('a\n')).not.toBe(contentHash('a'));
  });

  it('keeps version 1’s uz-Cyrl hash: a parser change must not silently change a published text', () => {
    const seed = readFileSync(
      new URL('../../../../config/agreement.v1.uz-Cyrl.txt', import.meta.url),
      'utf8',
    );
    expect(contentHash(renderPlainText(parseAgreement(seed)))).toBe(
      'sha256:1729bc3fed77f20ae4a094e31fb5b79996846cf875102122839e2b0a6f9f78cc',
    );
  });
});
