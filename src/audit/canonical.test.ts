import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntryFields, canonicalJson, entryBytes, entryLeafHash } from './canonical.js';

const entry: AuditEntryFields = {
  seq: 7,
  at: 1767225600000,
  actor: 'staff:0192a7b0',
  purpose: 'support',
  subject_id: 'subj-1',
  action: 'cabinet.read',
  target: null,
  details: canonicalJson({ z: 1, a: ['x', { b: true, a: null }], é: 'ü"\n' }),
};

describe('canonical entry bytes', () => {
  it('sorts keys, drops no value and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { y: 2, x: 1 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"x":1,"y":2}}',
    );
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(TypeError);
  });

  it('encodes an entry exactly as canonical JSON of its parsed fields', () => {
    const parsed = { ...entry, details: JSON.parse(entry.details) };
    expect(entryBytes(entry)).toBe(canonicalJson(parsed));
  });

  it('is the same whatever order an object was built in', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });

  it('changes the leaf hash when any single field changes', () => {
    const base = entryLeafHash(entry);
    const edits: Partial<AuditEntryFields>[] = [
      { seq: 8 },
      { at: entry.at + 1 },
      { actor: 'staff:0192a7b1' },
      { purpose: null },
      { subject_id: 'subj-2' },
      { action: 'cabinet.write' },
      { target: 'consent:1' },
      { details: canonicalJson({ z: 2 }) },
      // Equivalent JSON, different bytes: still an edit of what was recorded.
      { details: ` ${entry.details}` },
    ];
    for (const edit of edits)
      expect(entryLeafHash({ ...entry, ...edit }).equals(base), JSON.stringify(edit)).toBe(false);
  });
});

describe('canonical JSON of values built in order', () => {
  it('is what the general form writes, including where integer-like keys come first', () => {
    expect(canonicalJson({ a: 1, b: [{ c: null, d: 'é' }, true] })).toBe(
      '{"a":1,"b":[{"c":null,"d":"é"},true]}',
    );
    // V8 iterates "9" before "10"; canonical order is by code unit, "10" first.
    expect(canonicalJson({ 9: 'x', 10: 'y', a: 1 })).toBe('{"10":"y","9":"x","a":1}');
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(() => canonicalJson({ a: 1, b: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1, b: Number.POSITIVE_INFINITY })).toThrow(TypeError);
  });

  it('agrees with the general form on any value, sorted or not', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v as object)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(sortDeep(value))).toBe(canonicalJson(value));
      }),
    );
  });
});
