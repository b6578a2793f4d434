import { defineErrors } from '../i18n/errors-define.js';

export const auditErrors = defineErrors({
  MXF_AUDIT_NO_TREE_HEAD: {
    status: 404,
    doc: 'No signed tree head has been issued yet (the log is empty, or the first head is not due yet). Retry later.',
    messages: {
      'uz-Cyrl': 'Аудит журналининг имзоланган ҳолати ҳали эълон қилинмаган. Кейинроқ уриниб кўринг.',
      'uz-Latn': 'Audit jurnalining imzolangan holati hali eʼlon qilinmagan. Keyinroq urinib koʻring.',
      ru: 'Подписанное состояние журнала аудита ещё не опубликовано. Повторите позже.',
      en: 'No signed tree head of the audit log has been issued yet. Try again later.',
    },
  },
  MXF_AUDIT_TREE_SIZE_TOO_LARGE: {
    status: 400,
    doc: 'The requested tree size is larger than the audit log (`size` entries). Ask for a size from a signed tree head.',
    messages: {
      'uz-Cyrl': 'Дарахт ҳажми {treeSize} журналдаги ёзувлар сонидан ({size}) катта.',
      'uz-Latn': 'Daraxt hajmi {treeSize} jurnaldagi yozuvlar sonidan ({size}) katta.',
      ru: 'Размер дерева {treeSize} больше числа записей в журнале ({size}).',
      en: 'The tree size {treeSize} is larger than the log ({size} entries).',
    },
  },
  MXF_AUDIT_SEQ_OUT_OF_RANGE: {
    status: 400,
    doc: 'An inclusion proof needs `seq` below `treeSize`: entry `seq` is not in a tree of that size.',
    messages: {
      'uz-Cyrl': '{seq}-ёзув {treeSize} ҳажмли дарахтда йўқ: seq treeSize дан кичик бўлиши керак.',
      'uz-Latn': '{seq}-yozuv {treeSize} hajmli daraxtda yoʻq: seq treeSize dan kichik boʻlishi kerak.',
      ru: 'Записи {seq} нет в дереве размера {treeSize}: seq должен быть меньше treeSize.',
      en: 'Entry {seq} is not in a tree of size {treeSize}: seq must be below treeSize.',
    },
  },
  MXF_AUDIT_CONSISTENCY_RANGE: {
    status: 400,
    doc: 'A consistency proof needs 0 < `first` ≤ `second`: every tree is consistent with the empty one.',
    messages: {
      'uz-Cyrl': 'Мувофиқлик исботи учун 0 < first ≤ second бўлиши керак (берилган: {first} ва {second}).',
      'uz-Latn': 'Muvofiqlik isboti uchun 0 < first ≤ second boʻlishi kerak (berilgan: {first} va {second}).',
      ru: 'Для доказательства согласованности нужно 0 < first ≤ second (получено {first} и {second}).',
      en: 'A consistency proof needs 0 < first ≤ second (got {first} and {second}).',
    },
  },
});
