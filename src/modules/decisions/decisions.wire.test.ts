import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../errors.js';
import { BATCH_BODY_LIMIT } from './decisions.routes.js';
import { DecisionBody } from './decisions.schemas.js';
import { MAX_BATCH } from './decisions.service.js';
import { longestJson } from './decisions.wire.js';

describe('the decision body’s bound (longestJson)', () => {
  it('bounds the compact JSON of every value the schema allows, from its own maxima', () => {
    const schema = Type.Object(
      {
        id: Type.String({ maxLength: 3 }),
        at: Type.Optional(Type.Integer({ minimum: -5, maximum: 100 })),
        on: Type.Boolean(),
        tags: Type.Array(Type.Literal('a'), { maxItems: 2 }),
      },
      { additionalProperties: false },
    );
    // The longest such value: control characters, written as six-byte escapes, and every field present.
    const longest = JSON.stringify({ id: '\u0001\u0002\u0003', at: 100, on: false, tags: ['a', 'a'] });
    expect(longestJson(schema, 10)).toBe(Buffer.byteLength(longest));
    // Any such value in any script fits: a character is at most six bytes, escaped or in UTF-8.
    for (const id of ['漢字😀', '😀😀😀', '"\\\n', '\ud800\udc00\ud800', 'abc'])
      expect(Buffer.byteLength(JSON.stringify({ id, at: -5, on: true, tags: [] }))).toBeLessThanOrEqual(
        longestJson(schema, 10),
      );
  });

  it('bounds a full decision batch of any script at the schema’s limits', () => {
    const bound = longestJson(DecisionBody, MAX_BATCH);
    for (const ch of ['s', 'ж', '漢', '😀', '\u0001', '\ud800']) {
      const question = {
        subjectId: ch.repeat(255),
        purpose: ch.repeat(63),
        category: ch.repeat(63),
        context: { collectedAt: 8.64e15, channel: 'e'.repeat(40), topic: 't'.repeat(40) },
      };
      const batch = JSON.stringify({ questions: Array.from({ length: MAX_BATCH }, () => question) });
      expect(Buffer.byteLength(batch), JSON.stringify(ch)).toBeLessThanOrEqual(bound);
    }
  });

  it('gives the route the limit the configuration guide and the error catalogue state', () => {
    const mib = BATCH_BODY_LIMIT / 2 ** 20;
    expect(Number.isInteger(mib)).toBe(true);
    const row = readFileSync('docs/configuration.md', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('| `bodyLimit` |'));
    expect(row).toContain(`\`POST /v1/decisions\` has its own limit`);
    expect(row).toContain(`: ${mib} MiB.`);
    expect(catalogue.MXF_REQUEST_TOO_LARGE.doc).toContain(`\`POST /v1/decisions\`: ${mib} MiB`);
  });

  it('refuses a schema it cannot bound rather than give a short bound', () => {
    for (const schema of [
      // Past 2^53 JSON writes 1e+21 for one integer and 21 digits for a smaller one.
      Type.Integer({ minimum: 0, maximum: 1e21 }),
      Type.String(),
      Type.Integer({ minimum: 0 }),
      Type.Number({ minimum: 0, maximum: 1 }),
      Type.Object({ id: Type.String({ maxLength: 3 }) }),
      Type.Record(Type.String(), Type.String({ maxLength: 3 })),
    ])
      expect(() => longestJson(schema, 10), JSON.stringify(schema)).toThrow(/no bound/);
  });
});
