import { defineErrors } from '../i18n/errors-define.js';

export const keyErrors = defineErrors({
  MXF_KEYS_SUBJECT_SHREDDED: {
    status: 410,
    doc: "This person's data was erased (crypto-shredding destroyed their data key): what was stored for them can no longer be read, and nothing new is stored for them under the erased identity.",
    messages: {
      'uz-Cyrl': 'Бу шахснинг маълумотлари ўчирилган ва энди ўқиб бўлмайди.',
      'uz-Latn': 'Bu shaxsning maʼlumotlari oʻchirilgan va endi oʻqib boʻlmaydi.',
      ru: 'Данные этого человека удалены и больше не могут быть прочитаны.',
      en: "This person's data has been erased and can no longer be read.",
    },
  },
  MXF_KEYS_DECRYPT_FAILED: {
    status: 500,
    doc: "Stored encrypted data did not decrypt: it was altered, moved to another field or person, or the key-encryption key is wrong. A server integrity fault, never the client's: operators check the key file or `MAXFIY_KEK` and restore from backup.",
    messages: {
      'uz-Cyrl': 'Сақланган маълумотни очиб бўлмади. Бу сервер хатоси; маъмурга хабар беринг.',
      'uz-Latn': 'Saqlangan maʼlumotni ochib boʻlmadi. Bu server xatosi; maʼmurga xabar bering.',
      ru: 'Не удалось расшифровать сохранённые данные. Это ошибка сервера; сообщите администратору.',
      en: 'Stored data could not be decrypted. This is a server fault; please tell the administrator.',
    },
  },
  MXF_KEYS_KEK_UNKNOWN: {
    status: 500,
    doc: 'Stored data is wrapped by a key-encryption key (`kekId`) that this server does not hold: the key file or `MAXFIY_KEK`/`MAXFIY_KEK_PREVIOUS` lacks it. Operators restore the key from the key backup.',
    messages: {
      'uz-Cyrl': 'Серверда керакли шифрлаш калити ({kekId}) йўқ. Бу сервер хатоси; маъмурга хабар беринг.',
      'uz-Latn': 'Serverda kerakli shifrlash kaliti ({kekId}) yoʻq. Bu server xatosi; maʼmurga xabar bering.',
      ru: 'На сервере нет нужного ключа шифрования ({kekId}). Это ошибка сервера; сообщите администратору.',
      en: 'The server lacks the encryption key {kekId}. This is a server fault; please tell the administrator.',
    },
  },
});
