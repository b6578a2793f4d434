import { defineErrors } from '../../i18n/errors-define.js';

export const appErrors = defineErrors({
  MXF_APP_CREDENTIAL_INVALID: {
    status: 401,
    doc: 'The `Authorization: Bearer` app credential is missing, malformed, unknown or revoked. An administrator issues a new one in the console (App credentials) or with `POST /v1/apps/credentials`.',
    messages: {
      'uz-Cyrl': 'Илова калити нотўғри ёки бекор қилинган.',
      'uz-Latn': 'Ilova kaliti notoʻgʻri yoki bekor qilingan.',
      ru: 'Ключ приложения неверен или отозван.',
      en: 'The app credential is wrong or was revoked.',
    },
  },
  MXF_APP_SCOPE_MISSING: {
    status: 403,
    doc: 'The app credential is valid but was not issued for this kind of call (`{scope}`). Issue one with that scope.',
    messages: {
      'uz-Cyrl': 'Илова калитида бу амал учун рухсат ({scope}) йўқ.',
      'uz-Latn': 'Ilova kalitida bu amal uchun ruxsat ({scope}) yoʻq.',
      ru: 'У ключа приложения нет права на это действие ({scope}).',
      en: 'The app credential does not allow this call ({scope}).',
    },
  },
  MXF_APP_CREDENTIAL_NOT_FOUND: {
    status: 404,
    doc: 'No app credential has this id.',
    messages: {
      'uz-Cyrl': 'Бундай илова калити топилмади.',
      'uz-Latn': 'Bunday ilova kaliti topilmadi.',
      ru: 'Такой ключ приложения не найден.',
      en: 'No such app credential.',
    },
  },
  MXF_APP_PRODUCT_UNKNOWN: {
    status: 422,
    doc: 'The product named for the credential is not one of the company’s products (see `GET /v1/org`).',
    messages: {
      'uz-Cyrl': 'Бундай маҳсулот йўқ.',
      'uz-Latn': 'Bunday mahsulot yoʻq.',
      ru: 'Такого продукта нет.',
      en: 'There is no such product.',
    },
  },
  MXF_APP_SITE_NOT_OWN: {
    status: 403,
    doc: 'An app acts on its own product’s site only (`{site}` is another product’s, or its product has none). Leave `siteId` out for what happens in the app itself.',
    messages: {
      'uz-Cyrl': 'Илова фақат ўз маҳсулотининг сайти ({site}) номидан иш кўра олади.',
      'uz-Latn': 'Ilova faqat oʻz mahsulotining sayti ({site}) nomidan ish koʻra oladi.',
      ru: 'Приложение может действовать только от имени сайта своего продукта ({site}).',
      en: 'An app may act only for its own product’s site ({site}).',
    },
  },
});
