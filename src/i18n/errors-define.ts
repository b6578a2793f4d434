export const LANGUAGES = ['uz-Cyrl', 'uz-Latn', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'uz-Cyrl';

/** A catalogued error: its status and its message in every language, kept together so none is missing. */
export interface ErrorDefinition {
  status: number;
  /** One line for docs/errors.md: when this error happens and what the client should do. */
  doc: string;
  messages: Record<Language, string>;
}

export function defineErrors<const T extends Record<`MXF_${string}`, ErrorDefinition>>(defs: T): T {
  return defs;
}

/**
 * Picks the language from `?lang=`, then `Accept-Language` (first supported tag by
 * quality), else the default. `uz` alone means Cyrillic, the agreement's own script.
 */
export function pickLanguage(query: string | undefined, acceptLanguage: string | undefined): Language {
  const direct = query ? matchTag(query) : undefined;
  if (direct) return direct;
  if (acceptLanguage) {
    const tags = acceptLanguage
      .split(',')
      .map((part, i) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        return { tag: tag.trim(), q: q ? Number(q.slice(2)) || 0 : 1, i };
      })
      .filter((t) => t.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    for (const { tag } of tags) {
      const lang = matchTag(tag);
      if (lang) return lang;
    }
  }
  return DEFAULT_LANGUAGE;
}

function matchTag(tag: string): Language | undefined {
  const t = tag.toLowerCase();
  if (t === 'uz-latn' || t.startsWith('uz-latn-')) return 'uz-Latn';
  if (t === 'uz' || t === 'uz-cyrl' || t.startsWith('uz-cyrl-') || t === 'uz-uz') return 'uz-Cyrl';
  if (t === 'ru' || t.startsWith('ru-')) return 'ru';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return undefined;
}

export function formatMessage(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
