import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPayloadSeal } from './outbox.seal.js';

/** A payload as the outbox sealed it before the topic was bound: the message id alone as associated data. */
function sealedV1(key: Buffer, messageId: string, json: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`outbox:${messageId}`));
  const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

describe('outbox payload sealing', () => {
  const key = randomBytes(32);
  const seal = createPayloadSeal(key);

  it('opens a payload only under the message id and topic it was sealed with', () => {
    const stored = seal.seal('m-1', 'mail.send', '{"to":"dilnoza@example.uz"}');
    expect(stored.startsWith('v2.')).toBe(true);
    expect(seal.open('m-1', 'mail.send', stored)).toBe('{"to":"dilnoza@example.uz"}');
    expect(() => seal.open('m-1', 'consents.webhook', stored)).toThrow('failed authentication');
    expect(() => seal.open('m-2', 'mail.send', stored)).toThrow('failed authentication');
  });

  it('still opens payloads sealed before the topic was bound, under their own message id only', () => {
    const stored = sealedV1(key, 'm-1', '{"n":1}');
    expect(seal.open('m-1', 'any.topic', stored)).toBe('{"n":1}');
    expect(() => seal.open('m-2', 'any.topic', stored)).toThrow('failed authentication');
  });

  it('opens plain payloads only where nothing is sealed', () => {
    expect(createPayloadSeal(undefined).open('m-1', 't', 'plain.{"n":1}')).toBe('{"n":1}');
    expect(() => seal.open('m-1', 't', 'plain.{"n":1}')).toThrow('cannot be opened');
  });
});
