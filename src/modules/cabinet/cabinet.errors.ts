import { defineErrors } from '../../i18n/errors-define.js';

export const cabinetErrors = defineErrors({
  MXF_CABINET_NOT_AUTHORIZED: {
    status: 403,
    doc: 'The customer has not linked this product to the cabinet (`PUT /v1/me/cabinet/products/:productId`), or unlinked it: the app may not write or read cabinet records. The same answer for a customer id that does not exist.',
    messages: {
      'uz-Cyrl': 'Мижоз бу маҳсулотга шахсий кабинетидан фойдаланишга рухсат бермаган.',
      'uz-Latn': 'Mijoz bu mahsulotga shaxsiy kabinetidan foydalanishga ruxsat bermagan.',
      ru: 'Клиент не разрешил этому продукту доступ к личному кабинету.',
      en: 'The customer has not allowed this product into the personal cabinet.',
    },
  },
  MXF_CABINET_PRODUCT_NOT_FOUND: {
    status: 404,
    doc: 'No product of the company has this id (see `GET /v1/me/cabinet/products`).',
    messages: {
      'uz-Cyrl': 'Бундай маҳсулот йўқ.',
      'uz-Latn': 'Bunday mahsulot yoʻq.',
      ru: 'Такого продукта нет.',
      en: 'There is no such product.',
    },
  },
  MXF_CABINET_RECORD_NOT_FOUND: {
    status: 404,
    doc: 'The app’s product has no cabinet record with this key for this customer.',
    messages: {
      'uz-Cyrl': 'Кабинетда бундай ёзув йўқ.',
      'uz-Latn': 'Kabinetda bunday yozuv yoʻq.',
      ru: 'В кабинете нет такой записи.',
      en: 'There is no such record in the cabinet.',
    },
  },
  MXF_CABINET_VALUE_TOO_LARGE: {
    status: 413,
    doc: 'A cabinet record’s value, as JSON, is larger than {limit} bytes. Split it into several records.',
    messages: {
      'uz-Cyrl': 'Ёзув жуда катта: кўпи билан {limit} байт.',
      'uz-Latn': 'Yozuv juda katta: koʻpi bilan {limit} bayt.',
      ru: 'Запись слишком велика: не более {limit} байт.',
      en: 'The record is too large: at most {limit} bytes.',
    },
  },
  MXF_CABINET_GRANT_NOT_FOUND: {
    status: 404,
    doc: 'No grant with this id was given to you (staff) or by you (customer).',
    messages: {
      'uz-Cyrl': 'Бундай рухсат топилмади.',
      'uz-Latn': 'Bunday ruxsat topilmadi.',
      ru: 'Такое разрешение не найдено.',
      en: 'No such grant.',
    },
  },
  MXF_CABINET_GRANT_NOT_LIVE: {
    status: 403,
    doc: 'The grant has expired or the customer revoked it: nothing can be read under it. Only the customer can give a new one.',
    messages: {
      'uz-Cyrl': 'Рухсат муддати тугаган ёки мижоз уни бекор қилган.',
      'uz-Latn': 'Ruxsat muddati tugagan yoki mijoz uni bekor qilgan.',
      ru: 'Срок разрешения истёк, или клиент его отозвал.',
      en: 'The grant has expired or the customer revoked it.',
    },
  },
  MXF_CABINET_GRANTEE_NOT_FOUND: {
    status: 422,
    doc: 'The staff member named in the grant does not exist or is disabled (see `GET /v1/me/cabinet/grantees`).',
    messages: {
      'uz-Cyrl': 'Бундай ходим йўқ.',
      'uz-Latn': 'Bunday xodim yoʻq.',
      ru: 'Такого сотрудника нет.',
      en: 'There is no such staff member.',
    },
  },
});
