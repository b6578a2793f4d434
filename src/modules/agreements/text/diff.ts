/**
 * What changed between two versions of an agreement, clause by clause, and
 * inside a changed clause word by word (Myers' O((N+M)·D) shortest edit
 * script, so a one-word edit of a long clause costs little; bounded in time
 * and memory, so two long unrelated clauses cannot stall the server).
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

/**
 * How much work one clause pair may cost. A clause may hold most of a 400,000
 * character text, and Myers' search costs O((N+M)·D) time, so an unbounded
 * search on two unrelated long clauses would block the server for one request.
 */
export interface EditLimits {
  /**
   * Up to this many edits the script comes from the search that keeps its
   * trace: memory grows with D² (about 4·D² bytes, 1 MB at 500), and its
   * choice among equally short scripts is the one this diff has always shown.
   */
  traceEdits: number;
  /**
   * Beyond that, a linear-space search may visit this many cells per word of
   * the two clauses (so a whole diff costs time linear in the texts' length);
   * past it the clause is shown replaced, the words its start and end share
   * kept: a true, if not shortest, edit script.
   */
  workPerWord: number;
}

export const EDIT_LIMITS: EditLimits = { traceEdits: 500, workPerWord: 250 };

/**
 * An edit script turning `a` into `b`: shortest whenever the limits allow,
 * always correct (the `equal`+`delete` steps walk `a`, `equal`+`insert` walk `b`).
 */
export function shortestEdit(
  a: readonly string[],
  b: readonly string[],
  limits: EditLimits = EDIT_LIMITS,
): Edit[] {
  // Words become small integers: the searches compare them millions of times.
  const ids = new Map<string, number>();
  const idOf = (word: string) => {
    let id = ids.get(word);
    if (id === undefined) ids.set(word, (id = ids.size));
    return id;
  };
  const aIds = Int32Array.from(a, idOf);
  const bIds = Int32Array.from(b, idOf);
  return (
    tracedEdit(aIds, bIds, limits.traceEdits) ??
    bisectedEdit(aIds, bIds, limits.workPerWord * (a.length + b.length)) ??
    replacedEdit(aIds, bIds)
  );
}

/**
 * Myers 1986, forward search keeping each round's diagonals, then a walk back.
 * Gives up (undefined) once more than `maxEdits` edits are needed.
 */
function tracedEdit(a: Int32Array, b: Int32Array, maxEdits: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
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
  if (!found) return undefined;
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
 * Myers' linear-space refinement: find the middle of a shortest path by
 * searching from both ends at once, then solve each half the same way. Memory
 * is O(N+M); gives up (undefined) once `budget` cells have been visited.
 */
function bisectedEdit(a: Int32Array, b: Int32Array, budget: number): Edit[] | undefined {
  const edits: Edit[] = [];
  let work = 0;
  const push = (edit: Edit, count: number) => {
    for (let i = 0; i < count; i++) edits.push(edit);
  };

  /** Solves a[aLo, aHi) against b[bLo, bHi); false when over budget. */
  function solve(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
    let prefix = 0;
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
      aLo++;
      bLo++;
      prefix++;
    }
    let suffix = 0;
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) {
      aHi--;
      bHi--;
      suffix++;
    }
    push('equal', prefix);
    if (aLo === aHi) push('insert', bHi - bLo);
    else if (bLo === bHi) push('delete', aHi - aLo);
    else {
      const split = middle(aLo, aHi, bLo, bHi);
      if (split === undefined) return false;
      if (split === null) {
        // Nothing in common: every word goes.
        push('delete', aHi - aLo);
        push('insert', bHi - bLo);
      } else if (!solve(aLo, split[0], bLo, split[1]) || !solve(split[0], aHi, split[1], bHi)) return false;
    }
    push('equal', suffix);
    return true;
  }

  /**
   * A point on a shortest path strictly inside the box (null when the two
   * ranges share no word; undefined when over budget). Both ranges are
   * non-empty and differ in their first and in their last word, so at least
   * two edits are needed and either half is a smaller problem.
   */
  function middle(aLo: number, aHi: number, bLo: number, bHi: number): [number, number] | null | undefined {
    const n = aHi - aLo;
    const m = bHi - bLo;
    const maxD = Math.ceil((n + m) / 2);
    const offset = maxD + 1;
    // forward[k]: furthest x on diagonal k = x - y from the top left;
    // backward[k]: furthest distance from the bottom right on diagonal k of the reversed ranges.
    const forward = new Int32Array(2 * maxD + 3).fill(-1);
    const backward = new Int32Array(2 * maxD + 3).fill(-1);
    forward[offset + 1] = 0;
    backward[offset + 1] = 0;
    const delta = n - m;
    // With an odd delta the paths first meet on a forward step, else on a backward one.
    const meetForward = delta % 2 !== 0;
    // Diagonals that have run off the grid are skipped from then on.
    let fStart = 0;
    let fEnd = 0;
    let bStart = 0;
    let bEnd = 0;
    for (let d = 0; d < maxD; d++) {
      work += 2 * d + 2;
      if (work > budget) return undefined;
      for (let k = -d + fStart; k <= d - fEnd; k += 2) {
        const i = offset + k;
        let x =
          k === -d || (k !== d && (forward[i - 1] as number) < (forward[i + 1] as number))
            ? (forward[i + 1] as number)
            : (forward[i - 1] as number) + 1;
        let y = x - k;
        const from = x;
        while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
          x++;
          y++;
        }
        work += x - from;
        forward[i] = x;
        if (x > n) fEnd += 2;
        else if (y > m) fStart += 2;
        else if (meetForward) {
          const j = offset + delta - k;
          if (
            j >= 0 &&
            j < backward.length &&
            (backward[j] as number) !== -1 &&
            x >= n - (backward[j] as number)
          )
            return [aLo + x, bLo + y];
        }
      }
      for (let k = -d + bStart; k <= d - bEnd; k += 2) {
        const i = offset + k;
        let x =
          k === -d || (k !== d && (backward[i - 1] as number) < (backward[i + 1] as number))
            ? (backward[i + 1] as number)
            : (backward[i - 1] as number) + 1;
        let y = x - k;
        const from = x;
        while (x < n && y < m && a[aHi - x - 1] === b[bHi - y - 1]) {
          x++;
          y++;
        }
        work += x - from;
        backward[i] = x;
        if (x > n) bEnd += 2;
        else if (y > m) bStart += 2;
        else if (!meetForward) {
          const j = offset + delta - k;
          if (j >= 0 && j < forward.length && (forward[j] as number) !== -1) {
            const fx = forward[j] as number;
            if (fx >= n - x) return [aLo + fx, bLo + fx - (delta - k)];
          }
        }
      }
    }
    return null;
  }

  return solve(0, a.length, 0, b.length) ? edits : undefined;
}

/** The last resort: keep the words both ends share, replace everything between. */
function replacedEdit(a: Int32Array, b: Int32Array): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++;
  return [
    ...Array<Edit>(prefix).fill('equal'),
    ...Array<Edit>(a.length - prefix - suffix).fill('delete'),
    ...Array<Edit>(b.length - prefix - suffix).fill('insert'),
    ...Array<Edit>(suffix).fill('equal'),
  ];
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
