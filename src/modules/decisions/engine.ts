import type { Clock } from '../../clock.js';
import type { RegisterSnapshot } from '../purposes/purposes.service.js';
import { AnswerCache, answer, BIT } from './answers.js';
import { SubjectIndex } from './subject-index.js';

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
   * The customer's live grant to read cabinet data. Grants arrive with the
   * identity module; until then the caller asserts it and the route is staff-only.
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
  expiresAt: number | null;
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
 */
export class DecisionEngine {
  private subjects = new SubjectIndex(1024);
  private stride = 1;
  /** Words per subject row: BITS + 2 × stride. */
  private width = BITS + 2;
  private cols = new Uint32Array(1024 * (BITS + 2));
  private answers = new AnswerCache();
  private expiry = new Map<number, number>();
  /** `${subject}|${purpose}|${scope}` → expiry (0: none), for scoped consents that are given. */
  private scoped = new Map<string, number>();
  private scopedKeys = new Map<number, string[]>();
  private purposes = new Map<string, PurposeEntry>();

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
    let n = this.subjects.find(s.subjectId);
    if (n >= 0) {
      const row = n * this.width;
      if ((this.cols[row + REV] as number) >= s.rev && this.cols[row + STATUS] !== 0) return false;
    }
    if (n < 0) n = this.subjects.add(s.subjectId, (cap) => this.growColumns(cap));
    const row = n * this.width;
    const cols = this.cols;
    cols[row + STATUS] = s.status === 'blocked' ? STATUS_BLOCKED : STATUS_ACTIVE;
    cols[row + REV] = s.rev;
    cols.fill(0, row + BITS, row + this.width);
    const given = row + BITS;
    const objected = given + this.stride;
    for (const key of this.scopedKeys.get(n) ?? []) this.scoped.delete(key);
    this.scopedKeys.delete(n);
    if (this.expiry.size > 0)
      for (const p of this.purposes.values()) this.expiry.delete(n * PURPOSE_SPAN + p.idx);
    for (const r of s.rows) {
      const p = this.purposes.get(r.purposeId);
      if (!p || r.state !== 'given') continue;
      if (r.scope !== '') {
        const key = `${n}|${p.idx}|${r.scope}`;
        this.scoped.set(key, r.expiresAt ?? 0);
        const keys = this.scopedKeys.get(n);
        if (keys) keys.push(key);
        else this.scopedKeys.set(n, [key]);
        continue;
      }
      const word = p.idx >>> 5;
      const bit = 1 << (p.idx & 31);
      if (r.kind === 'objection') cols[objected + word] = (cols[objected + word] as number) | bit;
      else {
        cols[given + word] = (cols[given + word] as number) | bit;
        if (r.expiresAt !== null) this.expiry.set(n * PURPOSE_SPAN + p.idx, r.expiresAt);
      }
    }
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
    const now =
      context?.collectedAt !== undefined || this.expiry.size > 0 || this.scoped.size > 0
        ? this.clock.now()
        : 0;
    if (
      p.retentionMs !== null &&
      context?.collectedAt !== undefined &&
      now - context.collectedAt > p.retentionMs
    )
      mask |= RETENTION_EXPIRED;
    const n = this.subjects.find(subjectId);
    if (n < 0) return this.answers.get(p.answers, mask | UNKNOWN_SUBJECT, p.version, undefined);
    const cols = this.cols;
    const row = n * this.width;
    if (cols[row + STATUS] === STATUS_BLOCKED) mask |= ACCOUNT_BLOCKED;
    const word = row + BITS + (p.idx >>> 5);
    const bit = 1 << (p.idx & 31);
    if (p.basis === BASIS.consent) mask |= this.consentOf(n, p.idx, word, bit, now, context);
    else if (p.basis === BASIS['legitimate-interest'] && ((cols[word + this.stride] as number) & bit) !== 0)
      mask |= OBJECTED;
    return this.answers.get(p.answers, mask, p.version, cols[row + REV] as number);
  }

  /** 0 when a live consent covers the question, else the reason's bit. */
  private consentOf(
    n: number,
    idx: number,
    word: number,
    bit: number,
    now: number,
    context: DecisionContext | undefined,
  ): number {
    let expired = false;
    if (((this.cols[word] as number) & bit) !== 0) {
      const until = this.expiry.size > 0 ? this.expiry.get(n * PURPOSE_SPAN + idx) : undefined;
      if (until === undefined || until > now) return 0;
      expired = true;
    }
    if (context?.channel !== undefined && this.scoped.size > 0) {
      for (const scope of [`${context.channel}:${context.topic ?? '*'}`, `${context.channel}:*`]) {
        const until = this.scoped.get(`${n}|${idx}|${scope}`);
        if (until === undefined) continue;
        if (until === 0 || until > now) return 0;
        expired = true;
      }
    }
    return expired ? CONSENT_EXPIRED : NO_CONSENT;
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
