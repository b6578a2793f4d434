import { defineErrors } from '../i18n/errors-define.js';

export const mailErrors = defineErrors({
  MXF_MAIL_ADDRESS_INVALID: {
    status: 400,
    doc: 'A mail cannot be queued: the recipient is not a single plain e-mail address.',
    messages: {
      'uz-Cyrl': 'Электрон почта манзили нотўғри.',
      'uz-Latn': 'Elektron pochta manzili notoʻgʻri.',
      ru: 'Неверный адрес электронной почты.',
      en: 'The e-mail address is not valid.',
    },
  },
  MXF_MAIL_MESSAGE_INVALID: {
    status: 400,
    doc: 'A mail cannot be queued as given: the subject or body is empty or too long, or a header holds a line break.',
    messages: {
      'uz-Cyrl': 'Хатни бу кўринишда юбориб бўлмайди.',
      'uz-Latn': 'Xatni bu koʻrinishda yuborib boʻlmaydi.',
      ru: 'Письмо в таком виде отправить нельзя.',
      en: 'The message cannot be sent as given.',
    },
  },
  MXF_MAIL_MESSAGE_NOT_FOUND: {
    status: 404,
    doc: 'The development inbox holds no message with this id (it may have been cleared).',
    messages: {
      'uz-Cyrl': 'Бундай хат топилмади.',
      'uz-Latn': 'Bunday xat topilmadi.',
      ru: 'Такое письмо не найдено.',
      en: 'There is no such message.',
    },
  },
});
