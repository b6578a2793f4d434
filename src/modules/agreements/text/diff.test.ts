import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffClauses, diffWords, EDIT_LIMITS, shortestEdit, type WordDiffOp } from './diff.js';
import { type AgreementDocument, parseAgreement } from './paragraphs.js';

const seed = readFileSync(new URL('../../../../config/agreement.v1.uz-Cyrl.txt', import.meta.url), 'utf8');
const v1 = parseAgreement(seed);

/** Version 1 with one clause's paragraphs replaced through `edit`. */
function withClause(
  doc: AgreementDocument,
  number: number,
  edit: (text: string) => string,
): AgreementDocument {
  return {
    ...doc,
    clauses: doc.clauses.map((c) => (c.number === number ? { ...c, paragraphs: c.paragraphs.map(edit) } : c)),
  };
}

const textOf = (ops: WordDiffOp[], keep: WordDiffOp['op']) =>
  ops
    .filter((o) => o.op === 'equal' || o.op === keep)
    .map((o) => o.text)
    .join('');
const words = (text: string) => text.split(/\s+/).filter((w) => w.length > 0);

/** Length of a longest common subsequence, by the textbook table: the reference for minimality. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const next = [0];
    for (let j = 0; j < b.length; j++) {
      next.push(x === b[j] ? (row[j] as number) + 1 : Math.max(row[j + 1] as number, next[j] as number));
    }
    row = next;
  }
  return row[b.length] as number;
}

describe('clause-by-clause diff of agreement versions', () => {
  it('reports every clause unchanged between a version and itself', () => {
    const diff = diffClauses(v1, parseAgreement(seed));
    expect(diff).toHaveLength(22);
    expect(diff.every((d) => d.status === 'unchanged')).toBe(true);
  });

  it('shows a real edit of the seed: §21 answer period, a new sentence in §20, §22 dropped, §23 added', () => {
    let v2 = withClause(v1, 21, (t) => t.replace('30 календар кун', '15 иш куни'));
    v2 = withClause(v2, 20, (t) =>
      t.replace(
        'розилик билдирасиз.',
        'розилик билдирасиз. Ўзгаришлар ҳақида электрон почта орқали хабар берамиз.',
      ),
    );
    v2 = {
      ...v2,
      clauses: [
        ...v2.clauses.filter((c) => c.number !== 22),
        { number: 23, paragraphs: ['Битим ўзбек, рус ва инглиз тилларида эълон қилинади.'] },
      ],
    };

    const diff = diffClauses(v1, v2);
    expect(diff.map((d) => `${d.number}:${d.status}`).filter((s) => !s.endsWith(':unchanged'))).toEqual([
      '20:changed',
      '21:changed',
      '22:removed',
      '23:added',
    ]);

    const clause21 = diff.find((d) => d.number === 21);
    if (clause21?.status !== 'changed') throw new Error('clause 21 should have changed');
    expect(clause21.words.filter((o) => o.op !== 'equal')).toEqual([
      { op: 'delete', text: ' 30 календар кун' },
      { op: 'insert', text: ' 15 иш куни' },
    ]);
    expect(textOf(clause21.words, 'insert')).toBe(clause21.after.join('\n\n'));
    expect(textOf(clause21.words, 'delete')).toBe(clause21.before.join('\n\n'));

    const clause20 = diff.find((d) => d.number === 20);
    if (clause20?.status !== 'changed') throw new Error('clause 20 should have changed');
    expect(clause20.words.filter((o) => o.op !== 'equal')).toEqual([
      { op: 'insert', text: ' Ўзгаришлар ҳақида электрон почта орқали хабар берамиз.' },
    ]);

    expect(diff.find((d) => d.number === 22)).toEqual({
      number: 22,
      status: 'removed',
      before: v1.clauses[21]?.paragraphs,
    });
    expect(diff.find((d) => d.number === 23)).toMatchObject({ status: 'added', after: [expect.any(String)] });
  });

  it('marks a split into paragraphs as a change and shows the break', () => {
    const before = ['Биринчи гап. Иккинчи гап.'];
    const after = ['Биринчи гап.', 'Иккинчи гап.'];
    const [d] = diffClauses(
      { title: 'T', place: '', clauses: [{ number: 1, paragraphs: before }] },
      { title: 'T', place: '', clauses: [{ number: 1, paragraphs: after }] },
    );
    expect(d).toMatchObject({ status: 'changed' });
    expect(diffWords(before, after)).toEqual([{ op: 'equal', text: 'Биринчи гап.\n\nИккинчи гап.' }]);
  });

  it('handles empty sides', () => {
    expect(diffWords([], [])).toEqual([]);
    expect(diffWords([], ['а б'])).toEqual([{ op: 'insert', text: 'а б' }]);
    expect(diffWords(['а б'], [])).toEqual([{ op: 'delete', text: 'а б' }]);
  });
});

describe('word diff', () => {
  const word = fc.constantFrom('биз', 'сиз', 'битим', 'мижоз', 'ва', 'A-pay', '30');
  const clause = fc
    .array(fc.array(word, { minLength: 1, maxLength: 8 }), { maxLength: 3 })
    .map((ps) => ps.map((p) => p.join(' ')));

  it('rebuilds the new text from equal+insert and the old words from equal+delete', () => {
    fc.assert(
      fc.property(clause, clause, (before, after) => {
        const ops = diffWords(before, after);
        expect(textOf(ops, 'insert')).toBe(after.join('\n\n'));
        expect(words(textOf(ops, 'delete'))).toEqual(words(before.join(' ')));
        // Runs are merged: no two neighbours share an operation.
        for (let k = 1; k < ops.length; k++) expect(ops[k]?.op).not.toBe(ops[k - 1]?.op);
      }),
    );
  });

  it('is a shortest edit: it keeps a longest common subsequence of words', () => {
    const tokens = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 25 });
    fc.assert(
      fc.property(tokens, tokens, (a, b) => {
        const edits = shortestEdit(a, b);
        expect(edits.filter((e) => e === 'equal').length).toBe(lcsLength(a, b));
        expect(edits.filter((e) => e !== 'insert').length).toBe(a.length);
        expect(edits.filter((e) => e !== 'delete').length).toBe(b.length);
      }),
      { numRuns: 300 },
    );
  });

  it('stays a shortest edit when the trace is given up for the linear-space search', () => {
    const tokens = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 40 });
    const linearOnly = { traceEdits: 0, workPerWord: 1_000_000 };
    fc.assert(
      fc.property(tokens, tokens, (a, b) => {
        const edits = shortestEdit(a, b, linearOnly);
        expect(edits.filter((e) => e === 'equal').length).toBe(lcsLength(a, b));
        expect(rebuild(a, b, edits)).toEqual({ before: a, after: b });
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to a true, if longer, edit when the work budget runs out', () => {
    const tokens = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 30 });
    fc.assert(
      fc.property(tokens, tokens, (a, b) => {
        const edits = shortestEdit(a, b, { traceEdits: 0, workPerWord: 0 });
        expect(rebuild(a, b, edits)).toEqual({ before: a, after: b });
      }),
    );
    expect(shortestEdit(['x', 'a', 'y'], ['x', 'b', 'y'], { traceEdits: 0, workPerWord: 0 })).toEqual([
      'equal',
      'delete',
      'insert',
      'equal',
    ]);
  });
});

/** Replays an edit script, taking words from `a` and `b` as the steps say. */
function rebuild(a: readonly string[], b: readonly string[], edits: readonly string[]) {
  const before: string[] = [];
  const after: string[] = [];
  let i = 0;
  let j = 0;
  for (const edit of edits) {
    if (edit === 'equal') {
      expect(a[i]).toBe(b[j]);
      before.push(a[i++] as string);
      after.push(b[j++] as string);
    } else if (edit === 'delete') before.push(a[i++] as string);
    else after.push(b[j++] as string);
  }
  return { before, after };
}

describe('word diff of very long clauses (a text may hold 400,000 characters)', () => {
  /** `count` words drawn from `vocabulary` distinct words, deterministically. */
  const wordsOf = (count: number, vocabulary: number, prefix: string, seedValue: number) => {
    let state = seedValue;
    return Array.from({ length: count }, () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return `${prefix}${state % vocabulary}`;
    });
  };

  function expectRebuilds(before: string[], after: string[]) {
    const ops = diffWords([before.join(' ')], [after.join(' ')]);
    expect(textOf(ops, 'insert')).toBe(after.join(' '));
    expect(words(textOf(ops, 'delete'))).toEqual(before);
    return ops;
  }

  it('diffs 40 words against 20,000 and rebuilds both sides', () => {
    const long = wordsOf(20_000, 500, 'сўз', 7);
    expectRebuilds(long.slice(0, 40), long);
    expectRebuilds(long, wordsOf(40, 500, 'сўз', 11));
  });

  it('diffs 5,000 against 5,000 entirely different words and rebuilds both sides', () => {
    const ops = expectRebuilds(wordsOf(5_000, 2_000, 'a', 3), wordsOf(5_000, 2_000, 'b', 5));
    expect(ops.map((o) => o.op)).toEqual(['delete', 'insert']);
  });

  it('finds a shortest edit past the trace limit when the work budget allows', () => {
    // Twice as many edits as the trace may hold, in a clause of a few thousand words.
    const before = wordsOf(EDIT_LIMITS.traceEdits * 4, 50, 'w', 13);
    const after = before.map((w, i) => (i % 4 === 0 ? `new${i}` : w));
    const edits = shortestEdit(before, after);
    expect(rebuild(before, after, edits)).toEqual({ before, after });
    expect(edits.filter((e) => e === 'equal').length).toBe(lcsLength(before, after));
  });
});
