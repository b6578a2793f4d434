import { defineErrors } from '../i18n/errors-define.js';

export const coreErrors = defineErrors({
  MXF_REQUEST_INVALID: {
    status: 400,
    doc: 'The request does not match the route schema (a wrong type, a missing or unknown field). `field` names the first offending field the schema knows: for a name it does not know, the part of the request that holds it (`body`, `querystring`), never the name itself.',
    messages: {
      'uz-Cyrl': 'Сўров нотўғри: «{field}» майдони талабга жавоб бермайди.',
      'uz-Latn': 'Soʻrov notoʻgʻri: «{field}» maydoni talabga javob bermaydi.',
      ru: 'Неверный запрос: поле «{field}» не соответствует требованиям.',
      en: 'Invalid request: the field "{field}" is not acceptable.',
    },
  },
  MXF_REQUEST_URL_MALFORMED: {
    status: 400,
    doc: 'The request address holds a percent escape that does not decode (`%zz`, or `%` at the end).',
    messages: {
      'uz-Cyrl': 'Сўров манзили нотўғри: ундаги % белгиси билан ёзилган белги ўқилмайди.',
      'uz-Latn': 'Soʻrov manzili notoʻgʻri: undagi % belgisi bilan yozilgan belgi oʻqilmaydi.',
      ru: 'Неверный адрес запроса: последовательность с % в нём не декодируется.',
      en: 'The request address holds a percent escape that does not decode.',
    },
  },
  MXF_REQUEST_MALFORMED: {
    status: 400,
    doc: 'The body is not well-formed JSON (or not the declared content type).',
    messages: {
      'uz-Cyrl': 'Сўров танаси ўқиб бўлмайдиган JSON.',
      'uz-Latn': 'Soʻrov tanasi oʻqib boʻlmaydigan JSON.',
      ru: 'Тело запроса — некорректный JSON.',
      en: 'The request body is not well-formed JSON.',
    },
  },
  MXF_REQUEST_HTTP_MALFORMED: {
    status: 400,
    doc: 'The request is not well-formed HTTP (a broken request line or header); the connection is closed. Answered in English, as the request could not be read.',
    messages: {
      'uz-Cyrl': 'Сўров HTTP қоидаларига мос эмас (сўров сатри ёки сарлавҳа бузилган).',
      'uz-Latn': 'Soʻrov HTTP qoidalariga mos emas (soʻrov satri yoki sarlavha buzilgan).',
      ru: 'Запрос не соответствует протоколу HTTP (повреждена строка запроса или заголовок).',
      en: 'The request is not well-formed HTTP (a broken request line or header).',
    },
  },
  MXF_REQUEST_HEADERS_TOO_LARGE: {
    status: 431,
    doc: 'The request headers are larger than the server reads (16 KiB by default, Node.js `--max-http-header-size`); the connection is closed.',
    messages: {
      'uz-Cyrl': 'Сўров сарлавҳалари ҳажми рухсат этилганидан катта.',
      'uz-Latn': 'Soʻrov sarlavhalari hajmi ruxsat etilganidan katta.',
      ru: 'Заголовки запроса превышают допустимый размер.',
      en: 'The request headers are larger than allowed.',
    },
  },
  MXF_REQUEST_TIMEOUT: {
    status: 408,
    doc: 'The request did not arrive whole in time (the server’s request timeout); the connection is closed.',
    messages: {
      'uz-Cyrl': 'Сўров белгиланган вақт ичида тўлиқ келмади.',
      'uz-Latn': 'Soʻrov belgilangan vaqt ichida toʻliq kelmadi.',
      ru: 'Запрос не был получен полностью за отведённое время.',
      en: 'The request did not arrive in full in time.',
    },
  },
  MXF_REQUEST_CROSS_SITE: {
    status: 403,
    doc: 'A change sent with a session cookie from another site’s page, a sibling subdomain’s included (the browser says so in `Sec-Fetch-Site`): the console and the cabinet send theirs from this origin only. Apps call with their bearer credential and no cookie.',
    messages: {
      'uz-Cyrl': 'Бу ўзгариш бошқа сайт саҳифасидан юборилган; у фақат maxfiy саҳифаларидан қабул қилинади.',
      'uz-Latn':
        'Bu oʻzgarish boshqa sayt sahifasidan yuborilgan; u faqat maxfiy sahifalaridan qabul qilinadi.',
      ru: 'Это изменение отправлено со страницы другого сайта; оно принимается только со страниц maxfiy.',
      en: 'This change was sent from another site’s page; it is accepted from maxfiy’s own pages only.',
    },
  },
  MXF_REQUEST_TOO_LARGE: {
    status: 413,
    doc: 'The body is larger than the route allows: the configured limit (`MAXFIY_BODY_LIMIT`), or a route’s own where it takes more (`POST /v1/decisions`: 28 MiB, docs/configuration.md).',
    messages: {
      'uz-Cyrl': 'Сўров ҳажми рухсат этилганидан катта.',
      'uz-Latn': 'Soʻrov hajmi ruxsat etilganidan katta.',
      ru: 'Запрос превышает допустимый размер.',
      en: 'The request is larger than allowed.',
    },
  },
  MXF_REQUEST_URI_TOO_LONG: {
    status: 414,
    doc: 'A path segment or the address as a whole is longer than any route accepts.',
    messages: {
      'uz-Cyrl': 'Манзил жуда узун.',
      'uz-Latn': 'Manzil juda uzun.',
      ru: 'Слишком длинный адрес.',
      en: 'The address is too long.',
    },
  },
  MXF_REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    doc: 'The body has a content type the route does not accept; send `application/json`.',
    messages: {
      'uz-Cyrl': 'Бу турдаги маълумот қабул қилинмайди; application/json юборинг.',
      'uz-Latn': 'Bu turdagi maʼlumot qabul qilinmaydi; application/json yuboring.',
      ru: 'Этот тип содержимого не поддерживается; отправьте application/json.',
      en: 'This content type is not supported; send application/json.',
    },
  },
  MXF_REQUEST_RATE_LIMITED: {
    status: 429,
    doc: 'Too many requests from this client; wait the number of seconds in `Retry-After`.',
    messages: {
      'uz-Cyrl': 'Сўровлар жуда кўп. Бироз кутиб, қайта уриниб кўринг.',
      'uz-Latn': 'Soʻrovlar juda koʻp. Biroz kutib, qayta urinib koʻring.',
      ru: 'Слишком много запросов. Подождите и повторите попытку.',
      en: 'Too many requests. Wait a moment and try again.',
    },
  },
  MXF_ROUTE_NOT_FOUND: {
    status: 404,
    doc: 'No route answers this method and path.',
    messages: {
      'uz-Cyrl': 'Бундай манзил йўқ.',
      'uz-Latn': 'Bunday manzil yoʻq.',
      ru: 'Такого адреса нет.',
      en: 'There is no such address.',
    },
  },
  MXF_AUTH_REQUIRED: {
    status: 401,
    doc: 'The route needs a signed-in session (or app credentials) and the request has none that is valid.',
    messages: {
      'uz-Cyrl': 'Тизимга киринг.',
      'uz-Latn': 'Tizimga kiring.',
      ru: 'Войдите в систему.',
      en: 'Please sign in.',
    },
  },
  MXF_AUTH_FORBIDDEN: {
    status: 403,
    doc: 'The signed-in principal lacks the role or grant this route needs.',
    messages: {
      'uz-Cyrl': 'Бу амал учун ҳуқуқингиз йўқ.',
      'uz-Latn': 'Bu amal uchun huquqingiz yoʻq.',
      ru: 'У вас нет прав на это действие.',
      en: 'You are not allowed to do this.',
    },
  },
  MXF_SERVER_UNAVAILABLE: {
    status: 503,
    doc: 'The server is starting or shutting down, or its database is unreachable. Retry later.',
    messages: {
      'uz-Cyrl': 'Хизмат вақтинча ишламаяпти. Кейинроқ уриниб кўринг.',
      'uz-Latn': 'Xizmat vaqtincha ishlamayapti. Keyinroq urinib koʻring.',
      ru: 'Сервис временно недоступен. Повторите позже.',
      en: 'The service is temporarily unavailable. Try again later.',
    },
  },
  MXF_SERVER_INTERNAL: {
    status: 500,
    doc: 'An unexpected fault. The response carries a `requestId` that operators find in the log.',
    messages: {
      'uz-Cyrl': 'Кутилмаган хато юз берди. Сўров рақами: {requestId}.',
      'uz-Latn': 'Kutilmagan xato yuz berdi. Soʻrov raqami: {requestId}.',
      ru: 'Непредвиденная ошибка. Номер запроса: {requestId}.',
      en: 'An unexpected error occurred. Request id: {requestId}.',
    },
  },
});
