import type { Clock } from '../../clock.js';
import type { RegisterSnapshot } from '../purposes/purposes.service.js';
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

export interface Decision {
  allow: boolean;
  reasons: Reason[];
  /** The purpose version decided on, and the subject's consent revision (0: no consent history). */
  versions: { purpose: number; consent?: number };
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

interface PurposeEntry {
  idx: number;
  version: number;
  basis: number;
  /** Per known category: the reasons it alone gives (no grant assumed), precomputed so a decision does one lookup. */
  categories: Map<string, CategoryVerdict>;
  retentionMs: number | null;
  depersonalisedOnly: boolean;
}

interface CategoryVerdict {
  reasons: readonly Reason[];
  /** Cabinet data listed by the purpose: allowed only with a live grant. */
  needsGrant: boolean;
}

const NONE: readonly Reason[] = Object.freeze([]);

/** Appends a reason, creating the list on the first. */
function with_(reasons: Reason[] | undefined, reason: Reason): Reason[] {
  if (!reasons) return [reason];
  reasons.push(reason);
  return reasons;
}

/**
 * The decision index (DESIGN.md "The decision engine"). Per subject: a status
 * byte, a revision, and two bitsets over purpose indexes (consent given,
 * objection made) in flat typed arrays. Consents with an expiry and consents
 * per channel/topic are rare and live in small maps beside them.
 */
export class DecisionEngine {
  private subjects = new SubjectIndex(1024);
  private status = new Uint8Array(1024);
  private revs = new Uint32Array(1024);
  private stride = 1;
  private given = new Uint32Array(1024);
  private objected = new Uint32Array(1024);
  private expiry = new Map<number, number>();
  /** `${subject}|${purpose}|${scope}` → expiry (0: none), for scoped consents that are given. */
  private scoped = new Map<string, number>();
  private scopedKeys = new Map<number, string[]>();
  private purposes = new Map<string, PurposeEntry>();

  constructor(private readonly clock: Clock) {}

  /** Takes a new register (purposes, categories); subjects' consents are kept. */
  setRegister(register: RegisterSnapshot): void {
    const purposes = new Map<string, PurposeEntry>();
    let maxIdx = 0;
    for (const p of register.purposes) {
      if (p.idx >= PURPOSE_SPAN) throw new RangeError('at most 4096 purposes');
      maxIdx = Math.max(maxIdx, p.idx);
      const listed = new Set(p.categories);
      const categories = new Map<string, CategoryVerdict>();
      for (const c of register.categories) {
        const cls = CLASS[c.class];
        const reasons: Reason[] = [];
        if (!listed.has(c.id))
          reasons.push(cls === CLASS.cabinet ? 'cabinet-class-forbidden' : 'category-not-in-purpose');
        if (p.depersonalisedOnly && cls !== CLASS.depersonalised) reasons.push('depersonalised-only');
        categories.set(c.id, {
          reasons: reasons.length ? Object.freeze(reasons) : NONE,
          needsGrant: listed.has(c.id) && cls === CLASS.cabinet,
        });
      }
      purposes.set(p.id, {
        idx: p.idx,
        version: p.version,
        basis: BASIS[p.legalBasis],
        categories,
        retentionMs: p.retentionDays === null ? null : p.retentionDays * DAY_MS,
        depersonalisedOnly: p.depersonalisedOnly,
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
    return n < 0 ? 0 : (this.revs[n] as number);
  }

  /** Applies a subject's full state when it is newer than what the index has; returns whether it did. */
  setSubject(s: SubjectState): boolean {
    let n = this.subjects.find(s.subjectId);
    if (n >= 0 && (this.revs[n] as number) >= s.rev && this.status[n] !== 0) return false;
    if (n < 0) n = this.subjects.add(s.subjectId, (cap) => this.growColumns(cap));
    this.status[n] = s.status === 'blocked' ? STATUS_BLOCKED : STATUS_ACTIVE;
    this.revs[n] = s.rev;
    const base = n * this.stride;
    this.given.fill(0, base, base + this.stride);
    this.objected.fill(0, base, base + this.stride);
    for (const key of this.scopedKeys.get(n) ?? []) this.scoped.delete(key);
    this.scopedKeys.delete(n);
    if (this.expiry.size > 0)
      for (const p of this.purposes.values()) this.expiry.delete(n * PURPOSE_SPAN + p.idx);
    for (const row of s.rows) {
      const p = this.purposes.get(row.purposeId);
      if (!p || row.state !== 'given') continue;
      if (row.scope !== '') {
        const key = `${n}|${p.idx}|${row.scope}`;
        this.scoped.set(key, row.expiresAt ?? 0);
        const keys = this.scopedKeys.get(n);
        if (keys) keys.push(key);
        else this.scopedKeys.set(n, [key]);
        continue;
      }
      const word = base + (p.idx >>> 5);
      const bit = 1 << (p.idx & 31);
      if (row.kind === 'objection') this.objected[word] = (this.objected[word] as number) | bit;
      else {
        this.given[word] = (this.given[word] as number) | bit;
        if (row.expiresAt !== null) this.expiry.set(n * PURPOSE_SPAN + p.idx, row.expiresAt);
      }
    }
    return true;
  }

  decide(subjectId: string, purposeId: string, categoryId: string, context?: DecisionContext): Decision {
    const p = this.purposes.get(purposeId);
    if (!p) return { allow: false, reasons: ['unknown-purpose'], versions: { purpose: 0 } };
    const verdict = p.categories.get(categoryId);
    // Allocated only on a denial: most answers carry no reasons.
    let reasons: Reason[] | undefined;
    if (!verdict) {
      reasons = p.depersonalisedOnly ? ['unknown-category', 'depersonalised-only'] : ['unknown-category'];
    } else {
      if (verdict.reasons.length > 0) reasons = [...verdict.reasons];
      if (verdict.needsGrant && context?.grant !== true) reasons = with_(reasons, 'no-grant');
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
      reasons = with_(reasons, 'retention-expired');
    const n = this.subjects.find(subjectId);
    if (n < 0)
      return { allow: false, reasons: with_(reasons, 'unknown-subject'), versions: { purpose: p.version } };
    if (this.status[n] === STATUS_BLOCKED) reasons = with_(reasons, 'account-blocked');
    const word = n * this.stride + (p.idx >>> 5);
    const bit = 1 << (p.idx & 31);
    if (p.basis === BASIS.consent) {
      const consent = this.consentOf(n, p.idx, word, bit, now, context);
      if (consent !== undefined) reasons = with_(reasons, consent);
    } else if (p.basis === BASIS['legitimate-interest'] && ((this.objected[word] as number) & bit) !== 0) {
      reasons = with_(reasons, 'objected');
    }
    const versions = { purpose: p.version, consent: this.revs[n] as number };
    return reasons ? { allow: false, reasons, versions } : { allow: true, reasons: [], versions };
  }

  /** undefined when a live consent covers the question, else why not. */
  private consentOf(
    n: number,
    idx: number,
    word: number,
    bit: number,
    now: number,
    context: DecisionContext | undefined,
  ): Reason | undefined {
    let expired = false;
    if (((this.given[word] as number) & bit) !== 0) {
      const until = this.expiry.size > 0 ? this.expiry.get(n * PURPOSE_SPAN + idx) : undefined;
      if (until === undefined || until > now) return undefined;
      expired = true;
    }
    if (context?.channel !== undefined && this.scoped.size > 0) {
      for (const scope of [`${context.channel}:${context.topic ?? '*'}`, `${context.channel}:*`]) {
        const until = this.scoped.get(`${n}|${idx}|${scope}`);
        if (until === undefined) continue;
        if (until === 0 || until > now) return undefined;
        expired = true;
      }
    }
    return expired ? 'consent-expired' : 'no-consent';
  }

  private widen(stride: number): void {
    if (stride <= this.stride) return;
    const cap = this.status.length;
    const given = new Uint32Array(cap * stride);
    const objected = new Uint32Array(cap * stride);
    for (let n = 0; n < this.subjects.count; n++) {
      for (let w = 0; w < this.stride; w++) {
        given[n * stride + w] = this.given[n * this.stride + w] as number;
        objected[n * stride + w] = this.objected[n * this.stride + w] as number;
      }
    }
    this.given = given;
    this.objected = objected;
    this.stride = stride;
  }

  private growColumns(cap: number): void {
    const grow = <T extends Uint8Array | Uint32Array>(a: T, size: number, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.status = grow(this.status, cap, (k) => new Uint8Array(k));
    this.revs = grow(this.revs, cap, (k) => new Uint32Array(k));
    this.given = grow(this.given, cap * this.stride, (k) => new Uint32Array(k));
    this.objected = grow(this.objected, cap * this.stride, (k) => new Uint32Array(k));
  }

  /** Bytes of the index's own arrays (maps excluded), for reports. */
  bytes(): number {
    return (
      this.subjects.bytes() +
      this.status.byteLength +
      this.revs.byteLength +
      this.given.byteLength +
      this.objected.byteLength
    );
  }
}
