import type { Decision, Reason } from './engine.js';

/**
 * The order reasons are listed in an answer: the category's own, then the
 * grant, retention, subject, account and consent checks, as the engine makes them.
 */
const LISTED: readonly Reason[] = [
  'unknown-purpose',
  'unknown-category',
  'category-not-in-purpose',
  'cabinet-class-forbidden',
  'depersonalised-only',
  'no-grant',
  'retention-expired',
  'unknown-subject',
  'account-blocked',
  'no-consent',
  'consent-expired',
  'objected',
];

/** One bit per reason, in listing order: a set of reasons is a small integer. */
export const BIT = Object.fromEntries(LISTED.map((r, i) => [r, 1 << i])) as Record<Reason, number>;

/** The reasons of a set, in listing order. */
export function reasonsOf(mask: number): Reason[] {
  const out: Reason[] = [];
  for (let i = 0; i < LISTED.length; i++) if (mask & (1 << i)) out.push(LISTED[i] as Reason);
  return out;
}

/** An answer; frozen, since one object answers every question with the same outcome. */
export function answer(mask: number, purpose: number, consent: number | undefined): Decision {
  const versions = consent === undefined ? { purpose } : { purpose, consent };
  return Object.freeze({
    allow: mask === 0,
    reasons: Object.freeze(reasonsOf(mask)),
    versions: Object.freeze(versions),
  });
}

/** Answers kept in all: a few hundred bytes each, so this bounds the memory at a few MB. */
const MAX_KEPT = 16_384;
/** Revisions up to this are kept, so a key (revision and reasons) stays a small integer. */
const MAX_KEPT_REV = 2 ** 17;

/**
 * Most questions share a handful of outcomes (allow, no consent, objected…) per
 * purpose version and consent revision, so answers are made once and shared:
 * deciding allocates nothing, and the HTTP layer serialises each once.
 */
export class AnswerCache {
  private kept = 0;
  private tables: Map<number, Decision>[] = [];

  /** A purpose version's own table. */
  table(): Map<number, Decision> {
    const table = new Map<number, Decision>();
    this.tables.push(table);
    return table;
  }

  get(table: Map<number, Decision>, mask: number, purpose: number, consent: number | undefined): Decision {
    const rev = consent === undefined ? 0 : consent + 1;
    if (rev >= MAX_KEPT_REV) return answer(mask, purpose, consent);
    const key = rev * 4096 + mask;
    const found = table.get(key);
    if (found !== undefined) return found;
    const made = answer(mask, purpose, consent);
    // Past the bound every table starts over: the common answers come back at once.
    if (this.kept >= MAX_KEPT) {
      for (const t of this.tables) t.clear();
      this.kept = 0;
    }
    table.set(key, made);
    this.kept += 1;
    return made;
  }

  /** Drops every table, when the register (and so every purpose's table) is replaced. */
  reset(): void {
    this.tables = [];
    this.kept = 0;
  }
}
