import { defineErrors } from '../i18n/errors-define.js';

export const outboxErrors = defineErrors({
  MXF_OUTBOX_DEAD_LETTER_NOT_FOUND: {
    status: 404,
    doc: 'A retry names a message that is not in the dead-letter state (unknown id, or already delivered or requeued).',
    messages: {
      'uz-Cyrl': 'Бундай етказилмаган хабар топилмади.',
      'uz-Latn': 'Bunday yetkazilmagan xabar topilmadi.',
      ru: 'Такое недоставленное сообщение не найдено.',
      en: 'There is no undelivered message with this id.',
    },
  },
});
