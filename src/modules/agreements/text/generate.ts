/**
 * Derived texts of an agreement version. The uz-Latn text is generated from the
 * uz-Cyrl one, never edited by hand, so the two cannot drift; the committed
 * `config/agreement.v1.uz-Latn.txt` is checked against this in generate.test.ts
 * (`UPDATE_AGREEMENT_TEXT=1 npx vitest run src/modules/agreements/text` rewrites it).
 */
import { parseAgreement, renderPlainText } from './paragraphs.js';
import { cyrillicToLatin } from './transliterate.js';

/** The canonical uz-Latn text for a uz-Cyrl text in any layout (a raw PDF copy included). */
export function generateUzLatnText(uzCyrlText: string): string {
  return cyrillicToLatin(renderPlainText(parseAgreement(uzCyrlText)));
}
