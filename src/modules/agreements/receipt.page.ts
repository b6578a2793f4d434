/**
 * The human-readable forms of a receipt: an HTML page and the lines of its PDF,
 * in uz-Cyrl, uz-Latn, ru and en. Values (ids, hashes, URLs) stay verbatim;
 * labels, the acceptance method and the language's name are translated.
 *
 * The verification advice names the company's published key address, never the
 * key id printed here: a forged receipt would carry a key and key id of its own.
 */

import { formatMessage } from '../../i18n/errors-define.js';
import { postalAddress } from '../org/org.service.js';
import type { AcceptanceMethod } from './acceptance.service.js';
import { AGREEMENT_LANGUAGES, type AgreementLanguage } from './agreements.schemas.js';
import { esc, fillHtml } from './publication.html.js';
import type { Receipt } from './receipt.js';
import { cyrillicToLatin } from './text/transliterate.js';

interface ReceiptView {
  id: string;
  subject: string;
  at: string;
  method: string;
  version: number;
  language: string;
  contentHash: string;
  controller: string;
  /** The controller's contact as the receipt carries it; empty when it carries none (older receipts). */
  controllerEmail: string;
  controllerPhone: string;
  controllerAddress: string;
  policyUrl: string;
  seq: number;
  treeSize: number;
  rootHash: string;
  keyId: string;
}

function view(r: Receipt): ReceiptView {
  const agreement = r.agreement as { version: number; language: string; contentHash: string };
  const controllers = r.piiControllers as {
    piiController: string;
    email?: string;
    phone?: string;
    address?: { streetAddress?: string; locality?: string; country?: string };
  }[];
  const controller = controllers[0];
  const address = controller?.address;
  return {
    id: r.consentReceiptID,
    subject: r.piiPrincipalId,
    at: new Date(Number(r.consentTimestamp) * 1000).toISOString(),
    method: String(r.collectionMethod),
    version: agreement.version,
    language: agreement.language,
    contentHash: agreement.contentHash,
    controller: controller?.piiController ?? '',
    controllerEmail: controller?.email ?? '',
    controllerPhone: controller?.phone ?? '',
    // The street address with the city and country it sits in, as the receipt gives them.
    controllerAddress: postalAddress(address?.streetAddress, address?.locality, address?.country),
    policyUrl: String(r.policyUrl),
    seq: r.proof.seq,
    treeSize: r.proof.treeHead.treeSize,
    rootHash: r.proof.treeHead.rootHash,
    keyId: r.proof.treeHead.keyId,
  };
}

/** The rows shown only when the receipt carries them. */
const OPTIONAL_ROWS: ReadonlySet<keyof ReceiptView> = new Set([
  'controllerEmail',
  'controllerPhone',
  'controllerAddress',
]);

/** The rows in the order they are shown. */
const ROWS = [
  'id',
  'subject',
  'at',
  'method',
  'version',
  'language',
  'contentHash',
  'controller',
  'controllerEmail',
  'controllerPhone',
  'controllerAddress',
  'policyUrl',
  'seq',
  'treeSize',
  'rootHash',
  'keyId',
] as const satisfies readonly (keyof ReceiptView)[];

interface ReceiptStrings {
  title: string;
  rows: Record<(typeof ROWS)[number], string>;
  methods: Record<AcceptanceMethod, string>;
  languageNames: Record<AgreementLanguage, string>;
  /** The label of the language switch. */
  languages: string;
  downloads: string;
  verify: {
    heading: string;
    intro: string;
    saveReceipt: string;
    /** `{url}` becomes the published key's address. */
    saveKey: string;
    /** `{command}` becomes the command line. */
    run: string;
    keyWarning: string;
    anyByte: string;
  };
}

const UZ_CYRL: ReceiptStrings = {
  title: 'Битим қабул қилинганлиги ҳақида квитанция',
  rows: {
    id: 'Квитанция рақами',
    subject: 'Маълумотлар субъекти (исм ўрнига идентификатор)',
    at: 'Қабул қилинган вақт (UTC)',
    method: 'Қабул қилиш усули',
    version: 'Битим таҳрири',
    language: 'Кўрсатилган тил',
    contentHash: 'Матн хеши (SHA-256)',
    controller: 'Шахсга доир маълумотлар оператори',
    controllerEmail: 'Оператор электрон почтаси',
    controllerPhone: 'Оператор телефони',
    controllerAddress: 'Оператор манзили',
    policyUrl: 'Битим матни',
    seq: 'Аудит журналидаги ёзув рақами',
    treeSize: 'Имзоланган дарахт ҳажми (ёзувлар сони)',
    rootHash: 'Имзоланган дарахт илдизи',
    keyId: 'Журнал калитининг идентификатори',
  },
  methods: {
    api: 'илова орқали (API)',
    notice: 'компания сайтидаги билдиришнома орқали',
    cabinet: 'шахсий кабинетда',
    'continued-use': 'янги таҳрир кучга киргандан кейин хизматлардан фойдаланишни давом эттириш орқали',
  },
  languageNames: {
    'uz-Cyrl': 'ўзбек тили (кирилл ёзуви)',
    'uz-Latn': 'ўзбек тили (лотин ёзуви)',
    ru: 'рус тили',
    en: 'инглиз тили',
  },
  languages: 'Тиллар',
  downloads: 'Юклаб олиш',
  verify: {
    heading: 'Квитанцияни ўзингиз текширинг',
    intro: 'Текширув ўз компьютерингизда, интернетсиз бажарилади; бунинг учун иккита файл керак:',
    saveReceipt: 'Квитанциянинг JSON нусхасини receipt.json номи билан сақлаб олинг.',
    saveKey:
      'Компания эълон қилган аудит журнали калитини {url} манзилидан key.json номи билан сақлаб олинг.',
    run: 'Қуйидаги буйруқни бажаринг: {command}',
    keyWarning:
      'Калитни фақат компания эълон қилган шу манзилдан олинг, бу квитанциядан эмас: сохта квитанцияда сохта калит бўлиши мумкин.',
    anyByte: 'Квитанциядаги биттагина байт ўзгартирилса ҳам, текширув муваффақиятсиз тугайди.',
  },
};

/** Every string through cyrillicToLatin: uz-Latn is exactly the 1995-alphabet spelling of uz-Cyrl. */
function toLatin<T>(value: T): T {
  if (typeof value === 'string') return cyrillicToLatin(value) as T;
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toLatin(v)])) as T;
}

const STRINGS: Record<AgreementLanguage, ReceiptStrings> = {
  'uz-Cyrl': UZ_CYRL,
  'uz-Latn': toLatin(UZ_CYRL),
  ru: {
    title: 'Квитанция о принятии соглашения',
    rows: {
      id: 'Номер квитанции',
      subject: 'Субъект данных (псевдонимный идентификатор)',
      at: 'Время принятия (UTC)',
      method: 'Способ принятия',
      version: 'Редакция соглашения',
      language: 'Язык показанного текста',
      contentHash: 'Хеш текста (SHA-256)',
      controller: 'Оператор персональных данных',
      controllerEmail: 'Электронная почта оператора',
      controllerPhone: 'Телефон оператора',
      controllerAddress: 'Адрес оператора',
      policyUrl: 'Текст соглашения',
      seq: 'Номер записи в журнале аудита',
      treeSize: 'Размер подписанного дерева (число записей)',
      rootHash: 'Подписанный корень дерева',
      keyId: 'Идентификатор ключа журнала',
    },
    methods: {
      api: 'через приложение (API)',
      notice: 'через уведомление на сайте компании',
      cabinet: 'в личном кабинете',
      'continued-use': 'продолжением пользования сервисами после вступления новой редакции в силу',
    },
    languageNames: {
      'uz-Cyrl': 'узбекский (кириллица)',
      'uz-Latn': 'узбекский (латиница)',
      ru: 'русский',
      en: 'английский',
    },
    languages: 'Языки',
    downloads: 'Скачать',
    verify: {
      heading: 'Проверьте квитанцию самостоятельно',
      intro: 'Проверка выполняется на вашем компьютере, без интернета; для неё нужны два файла:',
      saveReceipt: 'Сохраните квитанцию в формате JSON под именем receipt.json.',
      saveKey: 'Сохраните опубликованный компанией ключ журнала аудита с адреса {url} под именем key.json.',
      run: 'Выполните команду: {command}',
      keyWarning:
        'Берите ключ только с этого опубликованного компанией адреса, а не из квитанции: поддельная квитанция может содержать собственный ключ.',
      anyByte: 'Если изменить хотя бы один байт квитанции, проверка не пройдёт.',
    },
  },
  en: {
    title: 'Acceptance receipt',
    rows: {
      id: 'Receipt',
      subject: 'Subject (pseudonymous id)',
      at: 'Accepted at (UTC)',
      method: 'How',
      version: 'Agreement version',
      language: 'Language shown',
      contentHash: 'Text hash (SHA-256)',
      controller: 'Controller',
      controllerEmail: 'Controller’s e-mail',
      controllerPhone: 'Controller’s phone',
      controllerAddress: 'Controller’s address',
      policyUrl: 'Agreement text',
      seq: 'Audit log entry',
      treeSize: 'Signed tree size',
      rootHash: 'Signed root',
      keyId: 'Log key id',
    },
    methods: {
      api: 'through an app (API)',
      notice: 'through the notice on a company website',
      cabinet: 'in the personal cabinet',
      'continued-use': 'by continuing to use the services after the new version took effect',
    },
    languageNames: {
      'uz-Cyrl': 'Uzbek (Cyrillic)',
      'uz-Latn': 'Uzbek (Latin)',
      ru: 'Russian',
      en: 'English',
    },
    languages: 'Languages',
    downloads: 'Downloads',
    verify: {
      heading: 'Check this receipt yourself',
      intro: 'The check runs offline, on your own computer; it needs two files:',
      saveReceipt: 'Save the JSON receipt as receipt.json.',
      saveKey: 'Save the company’s published audit log key from {url} as key.json.',
      run: 'Run: {command}',
      keyWarning:
        'Take the key only from the company’s published address above, never from this receipt: a forged receipt would carry a key of its own.',
      anyByte: 'Any changed byte makes the check fail.',
    },
  },
};

/** Names of the languages in themselves, for the language switch. */
const AUTONYMS: Record<AgreementLanguage, string> = {
  'uz-Cyrl': 'Ўзбекча',
  'uz-Latn': 'Oʻzbekcha',
  ru: 'Русский',
  en: 'English',
};

const VERIFY_COMMAND = 'maxfiy receipt verify receipt.json --public-key key.json';

const isLanguage = (value: unknown): value is AgreementLanguage =>
  (AGREEMENT_LANGUAGES as readonly unknown[]).includes(value);

/** The language asked for, else the one the agreement was shown in, else the authoritative uz-Cyrl. */
export function receiptLanguage(r: Receipt, requested?: AgreementLanguage): AgreementLanguage {
  if (requested) return requested;
  const shown = (r.agreement as { language?: unknown } | undefined)?.language;
  return isLanguage(shown) ? shown : 'uz-Cyrl';
}

export function receiptTitle(lang: AgreementLanguage): string {
  return STRINGS[lang].title;
}

/** The rows this receipt has: an older one, or one of a company without contact details, shows none of those. */
function rowsOf(v: ReceiptView): (typeof ROWS)[number][] {
  return ROWS.filter((key) => !OPTIONAL_ROWS.has(key) || v[key] !== '');
}

/** Each row's value as shown: the method and the language in words, everything else verbatim. */
function shownValue(v: ReceiptView, key: (typeof ROWS)[number], s: ReceiptStrings): string {
  if (key === 'method') return s.methods[v.method as AcceptanceMethod] ?? v.method;
  if (key === 'language')
    return isLanguage(v.language) ? `${s.languageNames[v.language]} — ${v.language}` : v.language;
  return String(v[key]);
}

/** The receipt as lines of text (for the PDF); `publicKeyUrl` is the company's published log key. */
export function receiptLines(r: Receipt, lang: AgreementLanguage, publicKeyUrl: string): string[] {
  const v = view(r);
  const s = STRINGS[lang];
  return [
    ...rowsOf(v).map((key) => `${s.rows[key]}: ${shownValue(v, key, s)}`),
    '',
    s.verify.heading,
    s.verify.intro,
    `1. ${s.verify.saveReceipt}`,
    `2. ${formatMessage(s.verify.saveKey, { url: publicKeyUrl })}`,
    `3. ${formatMessage(s.verify.run, { command: VERIFY_COMMAND })}`,
    s.verify.keyWarning,
    s.verify.anyByte,
  ];
}

/** `text` escaped, with `{name}` replaced by the (already escaped) HTML `html`. */

export interface ReceiptLinks {
  /** The receipt as JSON, the file `receipt verify` checks. */
  jsonUrl: string;
  /** The PDF route, without a query. */
  pdfUrl: string;
  /** The company's published log key (GET /v1/audit/public-key). */
  publicKeyUrl: string;
}

/** A row's value on the page: links where it is an address, words as text, ids and hashes as code. */
function valueHtml(key: (typeof ROWS)[number], value: string): string {
  switch (key) {
    case 'policyUrl':
      return `<a href="${esc(value)}">${esc(value)}</a>`;
    case 'controllerEmail':
      return `<a href="mailto:${esc(value)}">${esc(value)}</a>`;
    case 'controllerPhone':
      return `<a href="tel:${esc(value)}">${esc(value)}</a>`;
    case 'method':
    case 'language':
    case 'controllerAddress':
      return esc(value);
    default:
      return `<code>${esc(value)}</code>`;
  }
}

export function renderReceiptPage(r: Receipt, lang: AgreementLanguage, links: ReceiptLinks): string {
  const v = view(r);
  const s = STRINGS[lang];
  const rows = rowsOf(v)
    .map((key) => `<dt>${esc(s.rows[key])}</dt><dd>${valueHtml(key, shownValue(v, key, s))}</dd>`)
    .join('');
  const langLinks = AGREEMENT_LANGUAGES.map(
    (l) =>
      `<li><a href="?lang=${l}" hreflang="${l}" lang="${l}"${l === lang ? ' aria-current="page"' : ''}>${esc(AUTONYMS[l])}</a></li>`,
  ).join('');
  const keyLink = `<a href="${esc(links.publicKeyUrl)}"><code>${esc(links.publicKeyUrl)}</code></a>`;
  return `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(s.title)}</title><link rel="stylesheet" href="/sites/agreement.css"></head>
<body><header class="site"><div class="bar"><span class="org">${esc(v.controller)}</span>
<nav class="langs" aria-label="${esc(s.languages)}"><ul>${langLinks}</ul></nav></div></header>
<main id="receipt"><h1>${esc(s.title)}</h1>
<dl class="meta">${rows}</dl>
<section aria-labelledby="verify-h"><h2 id="verify-h">${esc(s.verify.heading)}</h2>
<p>${esc(s.verify.intro)}</p>
<ol><li>${esc(s.verify.saveReceipt)}</li><li>${fillHtml(s.verify.saveKey, 'url', keyLink)}</li><li>${fillHtml(s.verify.run, 'command', `<code>${esc(VERIFY_COMMAND)}</code>`)}</li></ol>
<p>${esc(s.verify.keyWarning)}</p>
<p>${esc(s.verify.anyByte)}</p></section>
<nav aria-label="${esc(s.downloads)}"><ul><li><a href="${esc(links.jsonUrl)}" download="receipt-${esc(v.id)}.json">JSON</a></li><li><a href="${esc(links.pdfUrl)}?lang=${lang}">PDF</a></li></ul></nav>
</main></body></html>
`;
}
