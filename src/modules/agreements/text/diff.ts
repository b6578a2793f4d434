/**
 * What changed between two versions of an agreement, clause by clause, and
 * inside a changed clause word by word (Myers' O((N+M)·D) shortest edit
 * script, so a one-word edit of a long clause costs little).
 */
import type { AgreementDocument } from './paragraphs.js';

export type WordDiffOp = { op: 'equal' | 'insert' | 'delete'; text: string };

export type ClauseDiff =
  | { number: number; status: 'unchanged'; paragraphs: string[] }
  | { number: number; status: 'added'; after: string[] }
  | { number: number; status: 'removed'; before: string[] }
  | { number: number; status: 'changed'; before: string[]; after: string[]; words: WordDiffOp[] };

/** A word and the whitespace before it; words compare without their whitespace. */
interface WordToken {
  lead: string;
  word: string;
}

/** Tokens of a clause; paragraphs are joined by a blank line, which shows up as a token's lead. */
function tokenize(paragraphs: readonly string[]): WordToken[] {
  const tokens: WordToken[] = [];
  for (const match of paragraphs.join('\n\n').matchAll(/(\s*)(\S+)/g)) {
    tokens.push({ lead: match[1] as string, word: match[2] as string });
  }
  return tokens;
}

type Edit = 'equal' | 'insert' | 'delete';

/** Shortest edit script turning `a` into `b` (Myers 1986, forward search with trace). */
export function shortestEdit(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    // Round d reads only diagonals -d-1..d+1: keep just those, so memory is O(D²).
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m), recording each step.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const snapshot = trace[d] as Int32Array;
    const at = (diagonal: number) => snapshot[diagonal + d + 1] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push('equal');
      x--;
      y--;
    }
    if (d > 0) edits.push(down ? 'insert' : 'delete');
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

/**
 * Word-level diff of two clause texts. Joining the text of the `equal` and
 * `insert` operations gives the new clause exactly (paragraph breaks included);
 * the words of the `equal` and `delete` operations are the old clause's words.
 */
export function diffWords(before: readonly string[], after: readonly string[]): WordDiffOp[] {
  const a = tokenize(before);
  const b = tokenize(after);
  const edits = shortestEdit(
    a.map((t) => t.word),
    b.map((t) => t.word),
  );
  const ops: WordDiffOp[] = [];
  let i = 0;
  let j = 0;
  for (const edit of edits) {
    // Equal words show the new text's spacing; deleted ones their old spacing.
    const old = edit === 'insert' ? undefined : (a[i++] as WordToken);
    const token = edit === 'delete' ? (old as WordToken) : (b[j++] as WordToken);
    const last = ops[ops.length - 1];
    // Words deleted before the new text's first word still need their space.
    if (edit === 'equal' && token.lead === '' && old?.lead && last) last.text += old.lead;
    const text = token.lead + token.word;
    if (last && last.op === edit) last.text += text;
    else ops.push({ op: edit, text });
  }
  return ops;
}

const sameParagraphs = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((p, index) => p === b[index]);

/** Clause-by-clause comparison, matched by clause number, in number order. */
export function diffClauses(a: AgreementDocument, b: AgreementDocument): ClauseDiff[] {
  const before = new Map(a.clauses.map((c) => [c.number, c.paragraphs]));
  const after = new Map(b.clauses.map((c) => [c.number, c.paragraphs]));
  const numbers = [...new Set([...before.keys(), ...after.keys()])].sort((x, y) => x - y);
  return numbers.map((number): ClauseDiff => {
    const old = before.get(number);
    const now = after.get(number);
    if (old === undefined) return { number, status: 'added', after: [...(now as string[])] };
    if (now === undefined) return { number, status: 'removed', before: [...old] };
    if (sameParagraphs(old, now)) return { number, status: 'unchanged', paragraphs: [...now] };
    return { number, status: 'changed', before: [...old], after: [...now], words: diffWords(old, now) };
  });
}
