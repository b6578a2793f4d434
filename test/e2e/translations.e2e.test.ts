import { describe, expect, it } from 'vitest';
import { LANGS, translations } from './support.js';

/** Flattens nested strings to `a.b.c` keys. */
function flatten(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(name, value);
    else for (const [k, v] of flatten(value as object, name)) out.set(k, v);
  }
  return out;
}

const variables = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the UI translations', () => {
  const strings = Object.fromEntries(LANGS.map((lang) => [lang, flatten(translations(lang))])) as Record<
    (typeof LANGS)[number],
    Map<string, string>
  >;
  const keys = [...strings.en.keys()].sort();

  it.each(LANGS)('%s has exactly the same keys as English, none empty', (lang) => {
    expect([...strings[lang].keys()].sort()).toEqual(keys);
    for (const [key, value] of strings[lang]) expect(value.trim(), key).not.toBe('');
  });

  it.each(LANGS)('%s fills in the same {{variables}} as English', (lang) => {
    for (const key of keys)
      expect(variables(strings[lang].get(key) ?? ''), key).toEqual(variables(strings.en.get(key) ?? ''));
  });

  it('writes Uzbek Latin oʻ and gʻ with U+02BB, never an apostrophe or quote look-alike', () => {
    for (const [key, value] of strings['uz-Latn']) {
      expect(value, key).not.toMatch(/[oOgG]['‘’`´]/);
    }
    expect(strings['uz-Latn'].get('common.skipToContent')).toContain('o\u02BB');
  });

  it('keeps Uzbek Cyrillic and Russian in Cyrillic (Latin only for names such as maxfiy, OPAQUE, SMTP, and quoted code)', () => {
    const allowed =
      /\b(maxfiy|OPAQUE|SMTP|HTML|HTTP|Ed25519|SHA|QR|JSON|JWKS|PKCE|private_key_jwt|CENTER|FOR|DIGITAL|TECHNOLOGY|AND|INNOVATION|Smartpos|Trade|Supply|Silen|A|pay|X|file|name|example|com|https)\b/g;
    for (const lang of ['uz-Cyrl', 'ru'] as const) {
      for (const [key, value] of strings[lang]) {
        expect(
          value
            .replace(/\{\{\w+\}\}/g, '')
            // What a person pastes or types as it is, quoted: `{"keys": [...]}`, `"d"`.
            .replace(/"[^"]*"/g, '')
            .replace(allowed, '')
            .match(/[A-Za-z]+/g),
          `${lang} ${key}`,
        ).toBeNull();
      }
    }
  });
});
