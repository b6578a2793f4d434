/**
 * Rebuilds an agreement's structure from text whose line breaks are noise.
 *
 * The seed was copied out of a PDF: every line is broken wherever the page
 * ended, blank lines sit between all lines, and spaces trail or double. So a
 * line break never means "new paragraph" on its own. Structure comes only from
 * what the text itself says:
 *   - a line starting with `<n>.` where n is the next expected clause number
 *     starts clause n (a "3." inside clause 7 is just text);
 *   - a line starting with a larger number where a clause could start (after
 *     a line that closed a sentence or inside a list) is refused: a clause is
 *     missing, and reading on would fold every later clause into the one
 *     before it without a word of warning;
 *   - a line starting with a list marker starts a list item, when the line
 *     before closed a sentence or introduced a list (see `startsListItem`),
 *     because PDFs also wrap just before an inline dash ("бу – Мижоз...");
 *   - everything else continues the current paragraph.
 * The same rules read the canonical rendering back, so parse∘render∘parse is
 * parse (the paragraph break of a list item is carried by its marker).
 */

export interface AgreementClause {
  number: number;
  /** Paragraphs and list items, in order; list items keep their marker ("– ", "а) "). */
  paragraphs: string[];
}

export interface AgreementDocument {
  title: string;
  /** Where it was made, e.g. "Тошкент шаҳри"; "" when the text names no place. */
  place: string;
  clauses: AgreementClause[];
}

/** Raised when text is not an agreement text: no clause "1.", or a clause number skipped. */
export class AgreementTextError extends Error {
  override name = 'AgreementTextError';
  constructor(
    message: string,
    /** The clause number that should have come next, when one was skipped. */
    readonly missingClause?: number,
  ) {
    super(message);
  }
}

// Dash, bullet, "а)" / "b)" (one letter of either script) and "1)" markers.
const LIST_MARKER = /^(?:[-–—•·]|\p{Ll}\)|\d{1,2}\))\s/u;
const SENTENCE_OR_LIST_END = /[:;.!?]$/;
const CLAUSE_START = /^(\d{1,3})\.(?:\s+|$)/;

/** One physical line with any run of whitespace (NBSP, tabs) made one space, trimmed. */
function cleanLine(line: string): string {
  return line.replace(/\s+/gu, ' ').trim();
}

/** Non-empty cleaned lines of a raw text, in order. */
export function physicalLines(raw: string): string[] {
  return raw
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(cleanLine)
    .filter((line) => line.length > 0);
}

/**
 * Joins a line onto the text it continues.
 *
 * A soft hyphen (U+00AD) at the end is a typesetter's break: drop it and glue.
 * A visible hyphen right after a letter or digit, with a letter or digit
 * starting the next line, is a word split at its own hyphen: keep the hyphen
 * and glue ("A-" + "pay" → "A-pay"). The seed is typeset without automatic
 * hyphenation, so a visible hyphen at a line end belongs to the word: Uzbek
 * writes compounds, reduplications and ordinals with one ("веб-сайт",
 * "вақти-вақти", "30-модда"), and dropping it would change the word. A dash
 * used as punctuation has a space before it and is left alone. Anything else
 * joins with one space.
 */
export function joinLine(before: string, line: string): string {
  if (before.length === 0) return line;
  if (before.endsWith('\u00AD')) return before.slice(0, -1) + line;
  if (/[\p{L}\p{N}]-$/u.test(before) && /^[\p{L}\p{N}]/u.test(line)) return before + line;
  return `${before} ${line}`;
}

function isTitleLine(line: string): boolean {
  // A title is set in capitals: it has letters and none of them is lowercase.
  return /\p{Lu}/u.test(line) && !/\p{Ll}/u.test(line);
}

/** Where a new paragraph, list item or clause may begin: after a closed sentence, or inside a list. */
function canStartParagraph(previousLine: string | undefined, inList: boolean): boolean {
  if (previousLine === undefined) return true;
  return inList || SENTENCE_OR_LIST_END.test(previousLine);
}

function startsListItem(line: string, previousLine: string | undefined, inList: boolean): boolean {
  return LIST_MARKER.test(line) && canStartParagraph(previousLine, inList);
}

function splitPreamble(lines: string[]): { title: string; place: string } {
  let titleEnd = 0;
  while (titleEnd < lines.length && isTitleLine(lines[titleEnd] as string)) titleEnd++;
  // A title not set in capitals: take the first line as the title.
  if (titleEnd === 0 && lines.length > 0) titleEnd = 1;
  const join = (part: string[]) => part.reduce(joinLine, '');
  return { title: join(lines.slice(0, titleEnd)), place: join(lines.slice(titleEnd)) };
}

export function parseAgreement(raw: string): AgreementDocument {
  const lines = physicalLines(raw);
  const firstClause = lines.findIndex((line) => CLAUSE_START.exec(line)?.[1] === '1');
  if (firstClause < 0) throw new AgreementTextError('no clause numbered 1 was found');
  const { title, place } = splitPreamble(lines.slice(0, firstClause));

  const clauses: AgreementClause[] = [];
  let paragraphs: string[] = [];
  let inList = false;
  let previousLine: string | undefined;

  for (const line of lines.slice(firstClause)) {
    const clauseMatch = CLAUSE_START.exec(line);
    const expected = clauses.length + 1;
    const number = clauseMatch ? Number(clauseMatch[1]) : 0;
    if (clauseMatch && number === expected) {
      paragraphs = [line.slice(clauseMatch[0].length)];
      clauses.push({ number, paragraphs });
      inList = false;
    } else if (number > expected && canStartParagraph(previousLine, inList)) {
      throw new AgreementTextError(
        `clause ${number} follows clause ${expected - 1}: clause ${expected} is missing`,
        expected,
      );
    } else if (startsListItem(line, previousLine, inList)) {
      paragraphs.push(line);
      inList = true;
    } else {
      const last = paragraphs.length - 1;
      paragraphs[last] = joinLine(paragraphs[last] as string, line);
    }
    previousLine = line;
  }
  return { title, place, clauses };
}

/**
 * The canonical text of a document: title, place, then "N. text" per clause,
 * every paragraph on one line, paragraphs separated by one blank line, LF
 * endings, a final newline, NFC. Content hashes are taken over exactly this.
 */
export function renderPlainText(doc: AgreementDocument): string {
  const blocks: string[] = [doc.title];
  if (doc.place.length > 0) blocks.push(doc.place);
  for (const clause of doc.clauses) {
    clause.paragraphs.forEach((paragraph, index) => {
      blocks.push(index === 0 ? `${clause.number}. ${paragraph}`.trimEnd() : paragraph);
    });
  }
  return `${blocks.join('\n\n')}\n`.normalize('NFC');
}
