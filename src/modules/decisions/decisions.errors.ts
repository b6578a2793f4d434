import { defineErrors } from '../../i18n/errors-define.js';

export const decisionErrors = defineErrors({
  MXF_DECISION_BATCH_TOO_LARGE: {
    status: 400,
    doc: 'A decision batch holds at most {max} questions; split it.',
    messages: {
      'uz-Cyrl': 'Бир сўровда кўпи билан {max} та савол бўлиши мумкин.',
      'uz-Latn': 'Bir soʻrovda koʻpi bilan {max} ta savol boʻlishi mumkin.',
      ru: 'В одном запросе не более {max} вопросов.',
      en: 'A batch holds at most {max} questions.',
    },
  },
});
