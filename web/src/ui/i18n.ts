import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../i18n/en.json';
import ru from '../i18n/ru.json';
import uzCyrl from '../i18n/uz-Cyrl.json';
import uzLatn from '../i18n/uz-Latn.json';

export const LANGUAGES = ['uz-Cyrl', 'uz-Latn', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'uz-Cyrl';

/** Each language named in itself, as the switcher shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  'uz-Cyrl': 'Ўзбекча',
  'uz-Latn': 'Oʻzbekcha',
  ru: 'Русский',
  en: 'English',
};

const STORAGE_KEY = 'maxfiy.lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

function storedLanguage(): Language | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLanguage(value) ? value : null;
  } catch {
    return null; // storage can be disabled; the default language still works
  }
}

function storeLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

/** `?lang=` wins (and is remembered), then the stored choice, then the default. */
function initialLanguage(): Language {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  if (isLanguage(fromQuery)) {
    storeLanguage(fromQuery);
    return fromQuery;
  }
  return storedLanguage() ?? DEFAULT_LANGUAGE;
}

function reflectInDocument(lang: Language): void {
  document.documentElement.lang = lang;
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : DEFAULT_LANGUAGE;
}

/** The switcher's action: change, remember, and drop a stale `?lang=` from the address. */
export async function chooseLanguage(lang: Language): Promise<void> {
  storeLanguage(lang);
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.delete('lang');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  await i18next.changeLanguage(lang);
}

type Strings = { [key: string]: string | Strings };

/** Each area's strings (`i18n/<area>/<lang>.json`), so two areas' screens never edit one file. */
const areaFiles = import.meta.glob<Strings>('../i18n/*/*.json', { eager: true, import: 'default' });

function areaStrings(lang: Language): Strings[] {
  return Object.entries(areaFiles)
    .filter(([file]) => file.endsWith(`/${lang}.json`))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, strings]) => strings);
}

/** Deep-merges string trees; a later tree's leaf wins. */
export function mergeStrings(...trees: Strings[]): Strings {
  const out: Strings = {};
  for (const tree of trees) {
    for (const [key, value] of Object.entries(tree)) {
      const have = out[key];
      out[key] = typeof value === 'object' && typeof have === 'object' ? mergeStrings(have, value) : value;
    }
  }
  return out;
}

export async function setupI18n(): Promise<typeof i18next> {
  const lng = initialLanguage();
  i18next.on('languageChanged', (lang) => {
    if (isLanguage(lang)) reflectInDocument(lang);
  });
  await i18next.use(initReactI18next).init({
    resources: {
      'uz-Cyrl': { translation: mergeStrings(uzCyrl, ...areaStrings('uz-Cyrl')) },
      'uz-Latn': { translation: mergeStrings(uzLatn, ...areaStrings('uz-Latn')) },
      ru: { translation: mergeStrings(ru, ...areaStrings('ru')) },
      en: { translation: mergeStrings(en, ...areaStrings('en')) },
    },
    lng,
    supportedLngs: [...LANGUAGES],
    // Only the exact tags: never fall back from uz-Latn to a bare "uz".
    load: 'currentOnly',
    fallbackLng: DEFAULT_LANGUAGE,
    interpolation: { escapeValue: false }, // React escapes
  });
  reflectInDocument(lng);
  return i18next;
}
