import type { Clock } from '../../clock.js';
import type { RegisterSnapshot } from '../purposes/purposes.service.js';
import { AnswerCache, answer, BIT } from './answers.js';
import { flatId, SubjectIndex } from './subject-index.js';

/** Why a processing may not happen; an answer that allows carries none. */
export const REASONS = [
  'unknown-purpose',
  'unknown-category',
  'category-not-in-purpose',
  'cabinet-class-forbidden',
  'no-grant',
  'depersonalised-only',
  'unknown-subject',
  'account-blocked',
  'retention-expired',
  'no-consent',
  'consent-expired',
  'objected',
] as const;
export type Reason = (typeof REASONS)[number];

export interface DecisionContext {
  /**
   * A live grant of the customer's to read cabinet data, for an in-process
   * caller that has checked the grant itself. The HTTP API has no such field, so
   * no app or staff caller can assert one, and cabinet data is answered
   * `no-grant` there; the cabinet's own grant routes check live grants.
   */
  grant?: boolean;
  /** When the data in question was collected (ms): checked against the purpose's retention. */
  collectedAt?: number;
  /** For purposes consented per channel and topic (newsletters). */
  channel?: string;
  topic?: string;
}

/** An answer. Frozen: one object answers every question with the same outcome. */
export interface Decision {
  readonly allow: boolean;
  readonly reasons: readonly Reason[];
  /** The purpose version decided on, and the subject's consent revision (0: no consent history). */
  readonly versions: { readonly purpose: number; readonly consent?: number };
}

/** One row of a subject's current consent state, as stored in `consent_current`. */
export interface ConsentStateRow {
  purposeId: string;
  /** '' for the purpose as a whole, else `channel:topic` (topic `*` for every topic). */
  scope: string;
  kind: 'consent' | 'objection';
  state: 'given' | 'withdrawn' | 'expired';
  /** When a given consent's term ends (ms); null: until withdrawn. Any number is a real end, 0 included. */
  expiresAt: number | null;
  /**
   * The subject revision of the event that wrote this row: the order a
   * subject's rows were written in, which decides between rows covering one
   * question (see `consentState`). The database's, not a clock's, so every
   * node orders alike. A row without one (a benchmark's or a fixture's) counts
   * as written before every row that has one, rows without one in the order listed.
   */
  rev?: number;
}

/** What a subject's consent to one purpose amounts to, for one question (see `consentState`). */
export type ConsentStateName = 'given' | 'withdrawn' | 'expired' | 'none';

/** A row's place in the order of writing: its revision, else its place in the list, before every revision (they start at 1). */
function orderOf(r: ConsentStateRow, i: number, count: number): number {
  return r.rev ?? i - count;
}

/** Whether a consent row's scope covers a question about `channel` and `topic`. */
function covers(scope: string, channel: string | undefined, topic: string | undefined): boolean {
  if (scope === '') return true;
  if (channel === undefined) return false;
  return scope === `${channel}:*` || (topic !== undefined && scope === `${channel}:${topic}`);
}

/**
 * The consent rule, read straight from a subject's rows. The rows covering a
 * question about a purpose are its whole-purpose row (scope ''), and, when the
 * question names a channel, the channel's row (`channel:*`) and, when it names
 * a topic too, the channel and topic's row (`channel:topic`). Of those, the row
 * written last decides, whether it gives or withdraws; no covering row: no
 * consent. So a whole-purpose withdrawal made after consents per channel ends
 * them all (the cabinet's switch means what it says), a specific withdrawal
 * made after a broader consent carves that channel or topic out, and a specific
 * consent made after a broad withdrawal is the customer's newer, explicit wish
 * and allows that channel or topic alone. A given row whose term has ended is
 * expired, not skipped: the customer's last word was a consent for a term.
 *
 * The index (DecisionEngine) answers by the same rule from its compact form,
 * and is tested against this function; the cabinet shows what this returns.
 */
export function consentState(
  rows: readonly ConsentStateRow[],
  purposeId: string,
  now: number,
  channel?: string,
  topic?: string,
): ConsentStateName {
  let last: ConsentStateRow | undefined;
  let lastOrder = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ConsentStateRow;
    if (r.kind !== 'consent' || r.purposeId !== purposeId || !covers(r.scope, channel, topic)) continue;
    const order = orderOf(r, i, rows.length);
    if (order > lastOrder) {
      last = r;
      lastOrder = order;
    }
  }
  if (last === undefined) return 'none';
  if (last.state === 'given' && last.expiresAt !== null && last.expiresAt <= now) return 'expired';
  return last.state;
}

/** Everything the engine holds of one subject; a newer revision replaces an older one whole. */
export interface SubjectState {
  subjectId: string;
  status: 'active' | 'blocked';
  rev: number;
  rows: ConsentStateRow[];
}

const BASIS = { contract: 0, consent: 1, 'legitimate-interest': 2, 'legal-obligation': 3 } as const;
const CLASS = { cabinet: 0, personal: 1, usage: 2, depersonalised: 3 } as const;
const STATUS_ACTIVE = 1;
const STATUS_BLOCKED = 2;
const DAY_MS = 86_400_000;
/** Keys of the sparse maps: subject number × this + purpose index. */
const PURPOSE_SPAN = 4096;
/** How many purposes the index can hold: the register refuses one more (MXF_PURPOSE_REGISTER_FULL). */
export const MAX_PURPOSES = PURPOSE_SPAN;
/** A subject's row in `cols`: revision, status, then `stride` words of consents given and `stride` of objections. */
const REV = 0;
const STATUS = 1;
const BITS = 2;

const NO_GRANT = BIT['no-grant'];
const RETENTION_EXPIRED = BIT['retention-expired'];
const UNKNOWN_SUBJECT = BIT['unknown-subject'];
const ACCOUNT_BLOCKED = BIT['account-blocked'];
const NO_CONSENT = BIT['no-consent'];
const CONSENT_EXPIRED = BIT['consent-expired'];
const OBJECTED = BIT.objected;
const UNKNOWN_PURPOSE = answer(BIT['unknown-purpose'], 0, undefined);
/** The end of a term that has none: later than any clock, and no number a client can send. */
const NO_EXPIRY = Number.POSITIVE_INFINITY;
/** The "end" of a row stored as expired: earlier than any clock. */
const ENDED = Number.NEGATIVE_INFINITY;

interface PurposeEntry {
  idx: number;
  version: number;
  basis: number;
  /** Per known category: the reasons it alone gives (no grant assumed), precomputed so a decision does one lookup. */
  categories: Map<string, CategoryVerdict>;
  /** The reasons an unknown category gives. */
  unknownCategory: number;
  retentionMs: number | null;
  /** This purpose version's answers, shared (see AnswerCache). */
  answers: Map<number, Decision>;
}

interface CategoryVerdict {
  /** The reasons, as bits of `BIT`. */
  reasons: number;
  /** Cabinet data listed by the purpose: allowed only with a live grant. */
  needsGrant: boolean;
}

/**
 * The decision index (DESIGN.md "The decision engine"). Per subject, one row
 * of a flat typed array: a revision, a status, and two bitsets over purpose
 * indexes (consent given, objection made), side by side so a decision reads
 * one cache line. Consents with an expiry and consents per channel/topic are
 * rare and live in small maps beside them.
 *
 * Consents per channel and topic follow `consentState`'s rule: of the rows
 * covering a question (whole purpose, channel, channel and topic) the one
 * written last decides, given or withdrawn. A subject's whole-purpose consent
 * alone is its bit (and expiry); a subject with rows per channel or topic also
 * has an entry in `ScopedConsents`, which keeps those rows, withdrawn ones
 * too, with their order and the whole-purpose row's, so a question naming no
 * channel, or about a subject with no such rows, costs what it always did.
 * Objections apply to a purpose as a whole (the consent service refuses a
 * scoped one), so the bit of a whole-purpose objection is all there is.
 */
export class DecisionEngine {
  private subjects = new SubjectIndex(1024);
  private stride = 1;
  /** Words per subject row: BITS + 2 × stride. */
  private width = BITS + 2;
  private cols = new Uint32Array(1024 * (BITS + 2));
  private answers = new AnswerCache();
  /** Subject number × PURPOSE_SPAN + purpose index → the end of a given whole-purpose consent's term (ENDED: stored as expired). */
  private expiry = new Map<number, number>();
  private scoped = new ScopedConsents();
  private purposes = new Map<string, PurposeEntry>();
  /**
   * Subjects whose state names a purpose this register does not know yet (another
   * node created it, and its register reached us after the subject did): applied
   * again, whole, when a register arrives, so an objection or consent is not lost.
   */
  private waiting = new Map<string, SubjectState>();

  constructor(private readonly clock: Clock) {}

  /** Takes a new register (purposes, categories); subjects' consents are kept. */
  setRegister(register: RegisterSnapshot): void {
    this.answers.reset();
    const purposes = new Map<string, PurposeEntry>();
    let maxIdx = 0;
    for (const p of register.purposes) {
      if (p.idx >= PURPOSE_SPAN) throw new RangeError('at most 4096 purposes');
      maxIdx = Math.max(maxIdx, p.idx);
      const listed = new Set(p.categories);
      const categories = new Map<string, CategoryVerdict>();
      for (const c of register.categories) {
        const cls = CLASS[c.class];
        let reasons = 0;
        if (!listed.has(c.id))
          reasons |= cls === CLASS.cabinet ? BIT['cabinet-class-forbidden'] : BIT['category-not-in-purpose'];
        if (p.depersonalisedOnly && cls !== CLASS.depersonalised) reasons |= BIT['depersonalised-only'];
        categories.set(c.id, { reasons, needsGrant: listed.has(c.id) && cls === CLASS.cabinet });
      }
      purposes.set(p.id, {
        idx: p.idx,
        version: p.version,
        basis: BASIS[p.legalBasis],
        categories,
        unknownCategory: BIT['unknown-category'] | (p.depersonalisedOnly ? BIT['depersonalised-only'] : 0),
        retentionMs: p.retentionDays === null ? null : p.retentionDays * DAY_MS,
        answers: this.answers.table(),
      });
    }
    this.widen(Math.ceil((maxIdx + 1) / 32));
    this.purposes = purposes;
    if (this.waiting.size === 0) return;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const s of waiting) this.apply(s, true);
  }

  get subjectCount(): number {
    return this.subjects.count;
  }

  /** The revision the index holds for a subject (0 when unknown). */
  revisionOf(subjectId: string): number {
    const n = this.subjects.find(subjectId);
    return n < 0 ? 0 : (this.cols[n * this.width + REV] as number);
  }

  /** Applies a subject's full state when it is newer than what the index has; returns whether it did. */
  setSubject(s: SubjectState): boolean {
    return this.apply(s, false);
  }

  /** `again`: the same revision is applied again (a register that arrived since may know more of it). */
  private apply(s: SubjectState, again: boolean): boolean {
    let n = this.subjects.find(s.subjectId);
    if (n >= 0) {
      const row = n * this.width;
      const held = this.cols[row + REV] as number;
      if ((again ? held > s.rev : held >= s.rev) && this.cols[row + STATUS] !== 0) return false;
    }
    if (n < 0) n = this.subjects.add(s.subjectId, (cap) => this.growColumns(cap));
    const row = n * this.width;
    const cols = this.cols;
    cols[row + STATUS] = s.status === 'blocked' ? STATUS_BLOCKED : STATUS_ACTIVE;
    cols[row + REV] = s.rev;
    cols.fill(0, row + BITS, row + this.width);
    const given = row + BITS;
    const objected = given + this.stride;
    if (this.scoped.size > 0) this.scoped.drop(n);
    if (this.expiry.size > 0)
      for (const p of this.purposes.values()) this.expiry.delete(n * PURPOSE_SPAN + p.idx);
    const rows = s.rows;
    let anyScoped = false;
    let unknown = false;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as ConsentStateRow;
      const p = this.purposes.get(r.purposeId);
      if (!p) {
        unknown = true;
        continue;
      }
      if (r.scope !== '') {
        anyScoped = true;
        continue;
      }
      if (r.state === 'withdrawn') continue;
      const word = p.idx >>> 5;
      const bit = 1 << (p.idx & 31);
      if (r.kind === 'objection') {
        if (r.state === 'given') cols[objected + word] = (cols[objected + word] as number) | bit;
        continue;
      }
      cols[given + word] = (cols[given + word] as number) | bit;
      if (r.state === 'expired') this.expiry.set(n * PURPOSE_SPAN + p.idx, ENDED);
      else if (r.expiresAt !== null) this.expiry.set(n * PURPOSE_SPAN + p.idx, r.expiresAt);
    }
    if (anyScoped) this.scoped.set(n, rows, this.purposes);
    if (unknown) this.waiting.set(s.subjectId, s);
    else if (this.waiting.size > 0) this.waiting.delete(s.subjectId);
    return true;
  }

  decide(subjectId: string, purposeId: string, categoryId: string, context?: DecisionContext): Decision {
    const p = this.purposes.get(purposeId);
    if (p === undefined) return UNKNOWN_PURPOSE;
    const verdict = p.categories.get(categoryId);
    let mask: number;
    if (verdict === undefined) mask = p.unknownCategory;
    else {
      mask = verdict.reasons;
      if (verdict.needsGrant && context?.grant !== true) mask |= NO_GRANT;
    }
    // The clock is read only when something can expire.
    if (
      p.retentionMs !== null &&
      context?.collectedAt !== undefined &&
      this.clock.now() - context.collectedAt > p.retentionMs
    )
      mask |= RETENTION_EXPIRED;
    const n = this.subjects.find(subjectId);
    if (n < 0) return this.answers.get(p.answers, mask | UNKNOWN_SUBJECT, p.version, undefined);
    const cols = this.cols;
    const row = n * this.width;
    if (cols[row + STATUS] === STATUS_BLOCKED) mask |= ACCOUNT_BLOCKED;
    const word = row + BITS + (p.idx >>> 5);
    const bit = 1 << (p.idx & 31);
    if (p.basis === BASIS.consent) mask |= this.consentOf(n, p.idx, word, bit, context);
    else if (p.basis === BASIS['legitimate-interest'] && ((cols[word + this.stride] as number) & bit) !== 0)
      mask |= OBJECTED;
    return this.answers.get(p.answers, mask, p.version, cols[row + REV] as number);
  }

  /** 0 when the consent rule allows the question, else the reason's bit (`consentState`, in the index's form). */
  private consentOf(
    n: number,
    idx: number,
    word: number,
    bit: number,
    context: DecisionContext | undefined,
  ): number {
    if (this.scoped.size > 0 && context?.channel !== undefined) {
      // A scoped row written after the whole-purpose row decides; else the whole-purpose row does.
      const reason = this.scoped.reasonOf(n, idx, context.channel, context.topic, this.clock);
      if (reason !== UNDECIDED) return reason;
    }
    if (((this.cols[word] as number) & bit) === 0) return NO_CONSENT;
    if (this.expiry.size === 0) return 0;
    const until = this.expiry.get(n * PURPOSE_SPAN + idx);
    return until === undefined || until > this.clock.now() ? 0 : CONSENT_EXPIRED;
  }

  private widen(stride: number): void {
    if (stride <= this.stride) return;
    const width = BITS + 2 * stride;
    const cap = this.subjects.capacity;
    const cols = new Uint32Array(cap * width);
    for (let n = 0; n < this.subjects.count; n++) {
      const from = n * this.width;
      const to = n * width;
      cols[to + REV] = this.cols[from + REV] as number;
      cols[to + STATUS] = this.cols[from + STATUS] as number;
      for (let w = 0; w < this.stride; w++) {
        cols[to + BITS + w] = this.cols[from + BITS + w] as number;
        cols[to + BITS + stride + w] = this.cols[from + BITS + this.stride + w] as number;
      }
    }
    this.cols = cols;
    this.stride = stride;
    this.width = width;
  }

  private growColumns(cap: number): void {
    const cols = new Uint32Array(cap * this.width);
    cols.set(this.cols);
    this.cols = cols;
  }

  /** Bytes of the index's own arrays (maps excluded), for reports. */
  bytes(): number {
    return this.subjects.bytes() + this.cols.byteLength;
  }
}

/** `ScopedConsents.reasonOf` when no scoped row decides (reasons are 0 or bits). */
const UNDECIDED = -1;
/** A purpose's block in a subject's array: purpose index, the whole-purpose row's order, row count; then its rows. */
const HEAD = 3;
/** A row: channel, topic, order, reason (0, NO_CONSENT or CONSENT_EXPIRED), end of term (NO_EXPIRY: none). */
const ROW = 5;
/** The number of topic `*` (every topic of the channel). */
const ANY_TOPIC = 0;

/**
 * Consents per channel and topic (newsletters, §13), rare beside whole-purpose
 * ones and so kept apart, and compact: per subject that has any, one array of
 * numbers (V8 keeps it unboxed, 8 bytes a number), per purpose a block of
 * HEAD numbers and ROW per row, withdrawn rows included, since a withdrawal
 * decides as much as a consent. Channels and topics are numbered once, so a
 * row holds no string and a question compares numbers.
 */
class ScopedConsents {
  private bySubject = new Map<number, number[]>();
  /** Channel and topic names → numbers; grows with the names written, which the API keeps to short tokens. */
  private names = new Map<string, number>([['*', ANY_TOPIC]]);

  get size(): number {
    return this.bySubject.size;
  }

  drop(n: number): void {
    this.bySubject.delete(n);
  }

  /** Keeps subject `n`'s scoped consent rows, with where each purpose's whole-purpose row stands among them. */
  set(n: number, rows: readonly ConsentStateRow[], purposes: ReadonlyMap<string, PurposeEntry>): void {
    const out: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as ConsentStateRow;
      const p = purposes.get(r.purposeId);
      // A scoped objection can only predate the service's refusal of them; it never applied.
      // A scope without a topic part is no scope the service writes, and covers no question.
      const colon = r.scope.indexOf(':');
      if (r.scope === '' || r.kind !== 'consent' || p === undefined || colon < 0) continue;
      let at = blockOf(out, p.idx);
      if (at < 0) {
        at = out.length;
        out.push(p.idx, wholeOrderOf(rows, r.purposeId), 0);
      }
      const row = [
        this.number(r.scope.slice(0, colon)),
        this.number(r.scope.slice(colon + 1)),
        orderOf(r, i, rows.length),
        r.state === 'given' ? 0 : r.state === 'withdrawn' ? NO_CONSENT : CONSENT_EXPIRED,
        r.expiresAt ?? NO_EXPIRY,
      ];
      out.splice(at + HEAD + (out[at + 2] as number) * ROW, 0, ...row);
      out[at + 2] = (out[at + 2] as number) + 1;
    }
    // A copy of exactly its length: `push` leaves room to grow.
    if (out.length > 0) this.bySubject.set(n, out.slice());
  }

  /**
   * The reason of the covering row written last, if written after the
   * whole-purpose row (0: allowed); UNDECIDED when the whole-purpose row decides.
   */
  reasonOf(n: number, idx: number, channel: string, topic: string | undefined, clock: Clock): number {
    const a = this.bySubject.get(n);
    const ch = a === undefined ? undefined : this.names.get(channel);
    if (a === undefined || ch === undefined) return UNDECIDED;
    const at = blockOf(a, idx);
    if (at < 0) return UNDECIDED;
    const tp = topic === undefined ? -1 : (this.names.get(topic) ?? -1);
    let order = a[at + 1] as number;
    let last = -1;
    for (let r = at + HEAD, end = r + (a[at + 2] as number) * ROW; r < end; r += ROW) {
      if ((a[r + 2] as number) > order && a[r] === ch && (a[r + 1] === ANY_TOPIC || a[r + 1] === tp)) {
        last = r;
        order = a[r + 2] as number;
      }
    }
    if (last < 0) return UNDECIDED;
    const reason = a[last + 3] as number;
    const until = a[last + 4] as number;
    return reason !== 0 || until === NO_EXPIRY || until > clock.now() ? reason : CONSENT_EXPIRED;
  }

  private number(name: string): number {
    let k = this.names.get(name);
    if (k === undefined) {
      k = this.names.size;
      // A copy: the name may be cut from a longer string the caller holds.
      this.names.set(flatId(name), k);
    }
    return k;
  }
}

/** Where purpose `idx`'s block starts in a subject's array, or -1. */
function blockOf(a: readonly number[], idx: number): number {
  for (let at = 0; at < a.length; at += HEAD + (a[at + 2] as number) * ROW) if (a[at] === idx) return at;
  return -1;
}

/** The order of the subject's whole-purpose consent row for a purpose; -Infinity when there is none. */
function wholeOrderOf(rows: readonly ConsentStateRow[], purposeId: string): number {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ConsentStateRow;
    if (r.scope === '' && r.kind === 'consent' && r.purposeId === purposeId)
      return orderOf(r, i, rows.length);
  }
  return Number.NEGATIVE_INFINITY;
}
