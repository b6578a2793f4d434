import { createHash } from 'node:crypto';

/**
 * The content hash of an agreement text in one language: "sha256:" and the hex
 * SHA-256 of its NFC UTF-8 bytes. Callers pass the canonical text
 * (`renderPlainText`), so the hash names the words, not the layout they came in.
 */
export function contentHash(canonicalText: string): string {
  const digest = createHash('sha256').update(canonicalText.normalize('NFC'), 'utf8').digest('hex');
  return `sha256:${digest}`;
}
