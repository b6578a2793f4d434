/**
 * The agreement as the company publishes it (§22): plain server-rendered HTML,
 * readable without JavaScript, with landmarks, headings and a language
 * attribute for screen readers, and print styles. The `data-maxfiy-agreement`
 * marker is what `maxfiy sites check` looks for on the company's own pages.
 */
import type { AgreementLanguage, VersionSummary } from './agreements.schemas.js';
import { parseAgreement } from './text/paragraphs.js';

const UI: Record<
  AgreementLanguage,
  {
    version: string;
    effective: string;
    hash: string;
    earlier: string;
    languages: string;
    clause: string;
    current: string;
    notCurrent: string;
    /** `{date}` becomes the effective date. */
    notYet: string;
    missing: string;
    transliteration: string;
    unofficial: string;
    print: string;
    notFound: string;
  }
> = {
  'uz-Cyrl': {
    version: 'Таҳрир',
    effective: 'Кучга кириш санаси',
    hash: 'Матн хеши (SHA-256)',
    earlier: 'Барча таҳрирлар',
    languages: 'Тиллар',
    clause: 'Банд',
    current: 'амалдаги таҳрир',
    notCurrent: 'Бу аввалги таҳрир; амалдаги таҳрир бошқа.',
    notYet: 'Бу таҳрир {date} куни кучга киради; унгача амалдаги таҳрир бошқа.',
    missing: 'Бу тилдаги матн ҳали мавжуд эмас. Қуйида расмий матн (ўзбек тили, кирилл) келтирилган.',
    transliteration: 'Лотин ёзувига ўгирилган матн, текширилиши керак; расмий матн кирилл ёзувида.',
    unofficial: 'Норасмий таржима; расмий матн ўзбек тилида (кирилл).',
    print: 'Чоп этиш учун браузернинг «Чоп этиш» буйруғидан фойдаланинг.',
    notFound: 'Саҳифа топилмади',
  },
  'uz-Latn': {
    version: 'Tahrir',
    effective: 'Kuchga kirish sanasi',
    hash: 'Matn xeshi (SHA-256)',
    earlier: 'Barcha tahrirlar',
    languages: 'Tillar',
    clause: 'Band',
    current: 'amaldagi tahrir',
    notCurrent: 'Bu avvalgi tahrir; amaldagi tahrir boshqa.',
    notYet: 'Bu tahrir {date} kuni kuchga kiradi; ungacha amaldagi tahrir boshqa.',
    missing: 'Bu tildagi matn hali mavjud emas. Quyida rasmiy matn (oʻzbek tili, kirill) keltirilgan.',
    transliteration: 'Lotin yozuviga oʻgirilgan matn, tekshirilishi kerak; rasmiy matn kirill yozuvida.',
    unofficial: 'Norasmiy tarjima; rasmiy matn oʻzbek tilida (kirill).',
    print: 'Chop etish uchun brauzerning «Chop etish» buyrugʻidan foydalaning.',
    notFound: 'Sahifa topilmadi',
  },
  ru: {
    version: 'Редакция',
    effective: 'Действует с',
    hash: 'Хеш текста (SHA-256)',
    earlier: 'Все редакции',
    languages: 'Языки',
    clause: 'Пункт',
    current: 'действующая редакция',
    notCurrent: 'Это прежняя редакция; действует другая.',
    notYet: 'Эта редакция вступает в силу {date}; до тех пор действует другая.',
    missing:
      'Текст на русском языке пока недоступен. Ниже приведён официальный текст на узбекском языке (кириллица).',
    transliteration: 'Транслитерация, требует проверки; официальный текст — на кириллице.',
    unofficial: 'Неофициальный перевод; официальный текст — на узбекском языке (кириллица).',
    print: 'Чтобы распечатать, воспользуйтесь командой «Печать» браузера.',
    notFound: 'Страница не найдена',
  },
  en: {
    version: 'Version',
    effective: 'In force from',
    hash: 'Text hash (SHA-256)',
    earlier: 'All versions',
    languages: 'Languages',
    clause: 'Clause',
    current: 'version in force',
    notCurrent: 'This is an earlier version; another version is in force.',
    notYet: 'This version takes effect on {date}; until then another version is in force.',
    missing:
      'The English text is not available yet. The authoritative text (Uzbek, Cyrillic) is shown below.',
    transliteration: 'Transliteration, to be reviewed; the authoritative text is in Cyrillic script.',
    unofficial: 'Unofficial reference translation; the authoritative text is in Uzbek (Cyrillic).',
    print: 'To print, use your browser’s Print command.',
    notFound: 'Page not found',
  },
};

const LANGUAGE_NAMES: Record<AgreementLanguage, string> = {
  'uz-Cyrl': 'Ўзбекча',
  'uz-Latn': 'Oʻzbekcha',
  ru: 'Русский',
  en: 'English',
};

export const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** Escapes `text` and puts `html` (already safe) where it says `{name}`. */
export const fillHtml = (text: string, name: string, html: string) =>
  text.split(`{${name}}`).map(esc).join(html);

export const PAGE_CSS = `
:root{color-scheme:light;--ink:#1d232b;--muted:#5a6470;--line:#d9dee4;--accent:#0b5cad;--paper:#fff;--band:#f4f6f8}
*{box-sizing:border-box}
body{margin:0;font:17px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--band)}
a{color:var(--accent)}a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
header.site{background:var(--paper);border-bottom:1px solid var(--line)}
header.site .bar{max-width:52rem;margin:0 auto;padding:.75rem 1.25rem;display:flex;gap:1rem;align-items:center;justify-content:space-between;flex-wrap:wrap}
header.site .org{font-weight:600}
nav.langs ul{list-style:none;display:flex;gap:.75rem;margin:0;padding:0}
nav.langs a[aria-current]{font-weight:700;text-decoration:none;color:var(--ink)}
main{max-width:52rem;margin:1.5rem auto;background:var(--paper);padding:2rem 2.5rem;border:1px solid var(--line);border-radius:6px}
h1{font-size:1.45rem;line-height:1.3;margin:0 0 .25rem}
.place{color:var(--muted);margin:0 0 1.25rem}
.notice{border-left:4px solid #c77700;background:#fff7e6;padding:.75rem 1rem;margin:0 0 1.25rem}
.status{border-left:4px solid var(--accent);background:#eef5fc;padding:.5rem 1rem;margin:0 0 1.25rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:.9rem;color:var(--muted);margin:0 0 1.5rem}
dl.meta dd{margin:0;word-break:break-all}
section.clause{margin:0 0 1rem}
section.clause h2{font-size:1rem;margin:0;color:var(--muted)}
section.clause p{margin:.25rem 0}
footer.versions{max-width:52rem;margin:0 auto 2rem;padding:0 1.25rem;font-size:.95rem}
@media print{body{background:#fff;font-size:11pt}header.site nav,footer.versions,.skip{display:none}main{border:0;margin:0;padding:0;max-width:none}a{color:inherit;text-decoration:none}}
`;

export interface AgreementPage {
  siteId: string;
  siteName: string;
  companyName: string;
  version: VersionSummary;
  shown: AgreementLanguage;
  requested: AgreementLanguage;
  body: string;
  contentHash: string;
  /** Published versions covering this site, newest first. */
  versions: { number: number; effectiveAt: number | null }[];
  inForce: number;
  /** The path of this page without the query, for language links. */
  path: string;
}

/**
 * The moment a version takes effect, in UTC and saying so (`2026-11-30 22:00 UTC`, seconds only
 * when there are any): a bare day names no zone, and east of UTC it is often the day before the
 * version took effect. `datetime` is the same moment for the `<time>` element. A stored time
 * outside what a date can show is a dash rather than a failed page.
 */
export function effectiveMoment(ms: number | null): { text: string; datetime: string } {
  const d = ms === null ? undefined : new Date(ms);
  if (d === undefined || Number.isNaN(d.getTime())) return { text: '—', datetime: '—' };
  const iso = d.toISOString();
  const [day, time] = [iso.slice(0, 10), iso.slice(11, 19).replace(/:00$/, '')];
  return { text: `${day} ${time} UTC`, datetime: `${day}T${time}Z` };
}

const timeHtml = (ms: number | null) => {
  const m = effectiveMoment(ms);
  return `<time datetime="${m.datetime}">${m.text}</time>`;
};

export function renderAgreementPage(p: AgreementPage): string {
  const ui = UI[p.requested];
  const doc = parseAgreement(p.body);
  const status = p.version.languages.find((l) => l.lang === p.shown)?.status;
  const notices: string[] = [];
  if (p.shown !== p.requested)
    notices.push(`<p class="notice" role="note" lang="${p.requested}">${esc(ui.missing)}</p>`);
  else if (status === 'transliteration-to-review')
    notices.push(`<p class="status" role="note">${esc(ui.transliteration)}</p>`);
  else if (status === 'unofficial-translation')
    notices.push(`<p class="status" role="note">${esc(ui.unofficial)}</p>`);
  // The version in force is the newest one already effective, so a newer one shown here takes effect later.
  if (p.version.number > p.inForce) {
    notices.push(
      `<p class="notice" role="note" lang="${p.requested}">${fillHtml(ui.notYet, 'date', timeHtml(p.version.effectiveAt))}</p>`,
    );
  } else if (p.version.number < p.inForce)
    notices.push(`<p class="notice" role="note" lang="${p.requested}">${esc(ui.notCurrent)}</p>`);

  const langLinks = (Object.keys(LANGUAGE_NAMES) as AgreementLanguage[])
    .map(
      (l) =>
        `<li><a href="${esc(p.path)}?lang=${l}" hreflang="${l}" lang="${l}"${l === p.requested ? ' aria-current="page"' : ''}>${esc(LANGUAGE_NAMES[l])}</a></li>`,
    )
    .join('');
  const clauses = doc.clauses
    .map(
      (c) =>
        `<section class="clause" id="clause-${c.number}" aria-labelledby="clause-${c.number}-h"><h2 id="clause-${c.number}-h">${esc(ui.clause)} ${c.number}</h2>${c.paragraphs
          .map((para, i) => `<p>${i === 0 ? `${c.number}. ` : ''}${esc(para)}</p>`)
          .join('')}</section>`,
    )
    .join('\n');
  const versionLinks = p.versions
    .map(
      (v) =>
        `<li><a href="/sites/${esc(p.siteId)}/agreement/versions/${v.number}?lang=${p.requested}"${v.number === p.version.number ? ' aria-current="page"' : ''}>${esc(ui.version)} ${v.number}</a> — ${effectiveMoment(v.effectiveAt).text}${v.number === p.inForce ? ` (${esc(ui.current)})` : ''}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="${p.shown}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)} — ${esc(p.siteName)}</title>
<link rel="stylesheet" href="/sites/agreement.css">
</head>
<body>
<a class="skip" href="#agreement">${esc(doc.title)}</a>
<header class="site"><div class="bar"><span class="org">${esc(p.companyName)} · ${esc(p.siteName)}</span>
<nav class="langs" aria-label="${esc(ui.languages)}"><ul>${langLinks}</ul></nav></div></header>
<main id="agreement" data-maxfiy-agreement="${p.version.number}:${esc(p.contentHash)}">
<h1>${esc(doc.title)}</h1>
${doc.place ? `<p class="place">${esc(doc.place)}</p>` : ''}
${notices.join('\n')}
<dl class="meta" lang="${p.requested}"><dt>${esc(ui.version)}</dt><dd>${p.version.number}</dd><dt>${esc(ui.effective)}</dt><dd>${timeHtml(p.version.effectiveAt)}</dd><dt>${esc(ui.hash)}</dt><dd><code>${esc(p.contentHash)}</code></dd></dl>
${clauses}
</main>
<footer class="versions" lang="${p.requested}"><nav aria-label="${esc(ui.earlier)}"><h2>${esc(ui.earlier)}</h2><ul>${versionLinks}</ul></nav><p>${esc(ui.print)}</p></footer>
</body>
</html>
`;
}

/** A catalogued error as a page: the status is the error's, and the code is in the page. */
export function renderErrorPage(lang: AgreementLanguage, code: string, message: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(UI[lang].notFound)}</title><link rel="stylesheet" href="/sites/agreement.css"></head>
<body><main><h1>${esc(message)}</h1><p><code data-error-code="${esc(code)}">${esc(code)}</code></p></main></body></html>
`;
}
