import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newId } from '../../ids.js';
import { failureLabel } from '../../outbox/outbox.service.js';
import type { DecisionService } from '../decisions/decisions.service.js';
import { findCompany } from '../org/org.store.js';
import * as purposeStore from '../purposes/purposes.store.js';
import { type ConsentRecord, consentRecord } from './consents.record.js';
import type { ConsentEvent, ConsentInput, ConsentSource } from './consents.schemas.js';
import * as store from './consents.store.js';
import type { ConsentChange, Webhooks } from './consents.webhooks.js';

const ACTIONS = {
  give: { kind: 'consent', state: 'given', audit: 'consent.given' },
  withdraw: { kind: 'consent', state: 'withdrawn', audit: 'consent.withdrawn' },
  object: { kind: 'objection', state: 'given', audit: 'consent.objected' },
  'withdraw-objection': { kind: 'objection', state: 'withdrawn', audit: 'consent.objection-withdrawn' },
} as const;

/** How long the categories, stores and company a consent record names are kept (see `referenceFor`). */
const REFERENCE_TTL_MS = 1000;
/**
 * Channels and topics one customer may hold choices for under one purpose. Each
 * is a row in the current state and in the decision index for as long as the
 * customer exists, and the cabinet lets a customer name new ones, so the number
 * is bounded; a product's newsletters need a handful.
 */
export const MAX_SCOPES_PER_PURPOSE = 32;

/** Events per page of a subject's history: a page is a few MB of records at most. */
const HISTORY_PAGE = 1000;

/** How often the server looks for consents whose term has ended (see `expireDue`). */
const EXPIRY_EVERY_MS = 60_000;
/**
 * Expiries written per transaction. Each costs what a withdrawal does (a few
 * ms on PostgreSQL), and a page holds the audit lock (SQLite: the writer) from
 * its first entry to its commit, so other writes wait at most one page.
 */
const EXPIRY_PAGE = 100;
/** Who ends a consent whose term ran out: no person did, and no input source applies. */
const EXPIRY = { actor: 'system', source: 'system', audit: 'consent.expired' } as const;

interface ReferenceData {
  categories: Awaited<ReturnType<typeof purposeStore.listCategories>>;
  stores: Awaited<ReturnType<typeof purposeStore.listStores>>;
  company: Awaited<ReturnType<typeof findCompany>>;
}

export function toConsentEvent(
  r: store.ConsentEventRow,
  record: unknown = JSON.parse(r.record),
): ConsentEvent {
  return {
    id: r.id,
    rev: r.rev,
    purpose: r.purpose_id,
    purposeVersion: r.purpose_version,
    scope: r.scope,
    kind: r.kind as ConsentEvent['kind'],
    state: r.state as ConsentEvent['state'],
    source: r.source,
    at: r.at,
    expiresAt: r.expires_at,
    auditSeq: r.audit_seq,
    record: record as ConsentEvent['record'],
  };
}

/**
 * Consents and objections per subject and purpose (and per channel and topic
 * for newsletters): each change is an append-only event carrying its consent
 * record, with its audit entry, webhook messages and index update in the same
 * transaction.
 */
export function createConsentService(deps: {
  database: Database;
  audit: AuditAppender;
  clock: Clock;
  decisions: DecisionService;
  webhooks?: Pick<Webhooks, 'enqueue'>;
  /**
   * Tells this node of register edits as they are written (the cached categories and
   * stores are read in the writing transaction, so a write after an edit in the same
   * group commit sees it) and as they commit.
   */
  purposes?: { onChange(listener: () => void): unknown; onEdit(listener: () => void): unknown };
  /** Tells this node of a change of the company as it commits, so records name the contact then in force. */
  org?: { onCompanyChange(listener: () => void): unknown };
  /** Where the expiry sweep reports; counts and error codes only. */
  logger?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  options: { publicUrl: string };
}) {
  const { database, audit, clock, decisions, webhooks, options } = deps;

  /**
   * What every consent record names besides its purpose: the categories, the
   * stores and the company. Re-reading them for each write was a third of its
   * queries; they are kept here, dropped when this node's register or company
   * changes and re-read at most every REFERENCE_TTL_MS (another node's edit
   * shows within that).
   */
  let reference: { at: number; value: Promise<ReferenceData> } | undefined;
  const drop = () => {
    reference = undefined;
  };
  deps.purposes?.onChange(drop);
  deps.purposes?.onEdit(drop);
  deps.org?.onCompanyChange(drop);
  async function referenceFor(trx: Trx, categoryIds: readonly string[]): Promise<ReferenceData> {
    const now = clock.now();
    if (reference && now - reference.at <= REFERENCE_TTL_MS && now >= reference.at) {
      const cached = await reference.value;
      // A purpose edited on another node may name a category this copy has not seen yet.
      if (categoryIds.every((id) => cached.categories.some((c) => c.id === id))) return cached;
    }
    const value = Promise.all([
      purposeStore.listCategories(trx),
      purposeStore.listStores(trx),
      findCompany(trx),
    ]).then(([categories, stores, company]) => ({ categories, stores, company }));
    // Only a read that succeeds is kept; read inside `trx`, it is what this write sees.
    reference = { at: now, value };
    value.catch(() => {
      if (reference?.value === value) reference = undefined;
    });
    return value;
  }

  function scopeOf(input: Pick<ConsentInput, 'channel' | 'topic'>): string {
    if (input.channel === undefined) {
      if (input.topic !== undefined) throw new MaxfiyError('MXF_CONSENT_SCOPE_INVALID');
      return '';
    }
    return `${input.channel}:${input.topic ?? '*'}`;
  }

  /**
   * Checks the rules that need no database: which actions a legal basis admits,
   * their scope and term, and paper evidence. Whatever would be recorded but
   * never applied is refused instead, so an acknowledged choice is one that counts.
   */
  function assertAdmissible(
    basis: string,
    input: Pick<ConsentInput, 'action' | 'source' | 'evidenceRef' | 'channel' | 'topic' | 'expiresAt'>,
    now = clock.now(),
  ) {
    const kind = ACTIONS[input.action].kind;
    if (kind === 'consent' && basis !== 'consent') throw new MaxfiyError('MXF_CONSENT_NOT_CONSENT_BASIS');
    if (kind === 'objection' && basis !== 'legitimate-interest')
      throw new MaxfiyError('MXF_CONSENT_OBJECTION_NOT_APPLICABLE');
    // An objection is to a legitimate-interest purpose as a whole; the engine has no objection per channel or topic.
    if (kind === 'objection' && (input.channel !== undefined || input.topic !== undefined))
      throw new MaxfiyError('MXF_CONSENT_OBJECTION_SCOPED');
    // A term that has already ended would be recorded as given and decided as expired.
    if (input.action === 'give' && input.expiresAt !== undefined && input.expiresAt <= now)
      throw new MaxfiyError('MXF_CONSENT_EXPIRY_NOT_FUTURE');
    if (input.source === 'staff-paper' && !input.evidenceRef)
      throw new MaxfiyError('MXF_CONSENT_EVIDENCE_REQUIRED');
  }

  /** Hands the subject's state after a write to the decision index (on commit) and to other nodes. */
  async function toIndex(trx: Trx, subjectId: string, at: { status: 'active' | 'blocked'; rev: number }) {
    await decisions.afterWrite(trx, { subjectId, ...at, rows: await store.currentRows(trx, subjectId) });
  }

  /**
   * Writes one change of a subject's consent: the subject's next revision (the
   * upsert holds the subject's row on PostgreSQL), the audit entry, the event
   * with its consent record, the current row and the webhook messages. The
   * caller hands the subject's new state to the index (`decisions.afterWrite`)
   * once it has written all of that subject's changes.
   */
  async function writeChange(
    trx: Trx,
    now: number,
    c: {
      actor: string;
      subjectId: string;
      purpose: purposeStore.IndexedPurpose;
      scope: string;
      kind: 'consent' | 'objection';
      state: 'given' | 'withdrawn' | 'expired';
      auditAction: string;
      source: string;
      evidenceRef: string | null;
      notice: { version: string; language: string };
      expiresAt: number | null;
      auditDetails?: Record<string, unknown>;
    },
  ) {
    const { subjectId, purpose, scope } = c;
    const id = newId(now);
    const { rev, status } = await store.bumpSubject(trx, subjectId, now);
    const { categories, stores, company } = await referenceFor(trx, purpose.categories);
    const record = consentRecord({
      recordId: id,
      subjectId,
      notice: c.notice,
      purpose,
      register: { purposes: [purpose], categories, stores },
      company,
      event: {
        time: now,
        type: c.kind,
        state: c.state,
        source: c.source,
        evidenceRef: c.evidenceRef,
        scope,
        rev,
      },
      expiresAt: c.expiresAt,
      withdrawUrl: `${options.publicUrl}/`,
    });
    const { seq } = await audit.append(trx, {
      actor: c.actor,
      action: c.auditAction,
      purpose: purpose.id,
      subjectId,
      target: `consent:${id}`,
      details: { rev, purposeVersion: purpose.version, source: c.source, scope, ...c.auditDetails },
    });
    const row: store.ConsentEventRow = {
      id,
      subject_id: subjectId,
      rev,
      purpose_id: purpose.id,
      scope,
      kind: c.kind,
      state: c.state,
      source: c.source,
      purpose_version: purpose.version,
      at: now,
      expires_at: c.expiresAt,
      record: JSON.stringify(record),
      audit_seq: seq,
    };
    await store.insertEvent(trx, row);
    await store.upsertCurrent(trx, {
      subjectId,
      purposeId: purpose.id,
      scope,
      kind: c.kind,
      state: c.state,
      eventId: id,
      expiresAt: c.expiresAt,
      now,
    });
    const change: ConsentChange = {
      eventId: id,
      subjectId,
      rev,
      purpose: purpose.id,
      purposeVersion: purpose.version,
      scope,
      kind: c.kind,
      state: c.state,
      at: now,
    };
    await webhooks?.enqueue(trx, change);
    return { row, record, rev, status };
  }

  async function recordIn(
    trx: Trx,
    actor: string,
    subjectId: string,
    input: ConsentInput,
  ): Promise<ConsentEvent> {
    const purpose = await purposeStore.findPurpose(trx, input.purpose);
    assertThat(purpose, 'MXF_PURPOSE_NOT_FOUND');
    const now = clock.now();
    assertAdmissible(purpose.legalBasis, input, now);
    const action = ACTIONS[input.action];
    const scope = scopeOf(input);
    if (scope !== '') {
      // Counted under the subject's row lock on PostgreSQL, so concurrent writes cannot each see room for one more
      // (SQLite has one writer). A subject with held scopes has its row; one without has none to count.
      if (database.kind === 'postgres') await store.lockSubjects(trx, [subjectId]);
      const held = await store.scopesOf(trx, subjectId, purpose.id);
      if (!held.includes(scope) && held.length >= MAX_SCOPES_PER_PURPOSE)
        throw new MaxfiyError('MXF_CONSENT_SCOPE_LIMIT', { limit: MAX_SCOPES_PER_PURPOSE });
    }
    const { row, record, rev, status } = await writeChange(trx, now, {
      actor,
      subjectId,
      purpose,
      scope,
      kind: action.kind,
      state: action.state,
      auditAction: action.audit,
      source: input.source,
      evidenceRef: input.evidenceRef ?? null,
      notice: input.notice,
      expiresAt: action.kind === 'consent' && action.state === 'given' ? (input.expiresAt ?? null) : null,
    });
    await toIndex(trx, subjectId, { status, rev });
    // The record just written, not parsed back from its JSON.
    return toConsentEvent(row, record);
  }

  /** Records one consent change; durable, audited and in this node's decision index when it resolves. */
  function record(actor: string, subjectId: string, input: ConsentInput): Promise<ConsentEvent> {
    return database.write((trx) => recordIn(trx, actor, subjectId, input));
  }

  /**
   * Ends, as `expired` events, the given consents whose term has passed, page
   * by page (one transaction each) until none is left; returns how many. The
   * decision engine already denies such a consent at its end; this makes the
   * history, the current state and the subscribed apps say so too. Safe to run
   * anywhere, at once on several nodes, and again: each consent is re-checked
   * inside the writing transaction, so one renewed or withdrawn since it was
   * read, or expired by another sweep, is left alone.
   */
  async function expireDue(opts: { pageSize?: number; stopped?: () => boolean } = {}): Promise<number> {
    const pageSize = opts.pageSize ?? EXPIRY_PAGE;
    let total = 0;
    while (!opts.stopped?.()) {
      const due = await store.dueExpiries(database.db, clock.now(), pageSize);
      if (due.length === 0) break;
      const written = await database.write((trx) => expirePage(trx, due));
      total += written;
      // Nothing written: other writes got there first (renewals, withdrawals, another node's sweep, which carries on itself).
      if (written === 0 || due.length < pageSize) break;
    }
    return total;
  }

  async function expirePage(trx: Trx, due: store.DueExpiry[]): Promise<number> {
    const now = clock.now();
    const bySubject = new Map<string, store.DueExpiry[]>();
    for (const d of due) {
      const list = bySubject.get(d.subjectId);
      if (list) list.push(d);
      else bySubject.set(d.subjectId, [d]);
    }
    // Every subject of the page is locked before anything is written: other
    // writes lock their subject and then the audit log, so taking the audit
    // lock (at the first append) only once all subjects are held cannot deadlock.
    if (database.kind === 'postgres') await store.lockSubjects(trx, [...bySubject.keys()]);
    let written = 0;
    for (const [subjectId, ended] of bySubject) {
      let last: { rev: number; status: 'active' | 'blocked' } | undefined;
      for (const d of ended) {
        const current = await store.findCurrent(trx, d);
        // Still the very consent read, still given, and its term still over.
        if (
          current?.eventId !== d.eventId ||
          current.state !== 'given' ||
          current.expiresAt === null ||
          current.expiresAt > now
        )
          continue;
        const purpose = await purposeStore.findPurpose(trx, d.purposeId);
        assertThat(purpose, 'MXF_PURPOSE_NOT_FOUND');
        last = await writeChange(trx, now, {
          actor: EXPIRY.actor,
          subjectId,
          purpose,
          scope: d.scope,
          kind: d.kind as 'consent' | 'objection',
          state: 'expired',
          auditAction: EXPIRY.audit,
          source: EXPIRY.source,
          evidenceRef: null,
          // The term ended under the notice the customer consented to.
          notice: await noticeOf(trx, d.eventId, purpose),
          // The term that ended, kept: the record and the history say when.
          expiresAt: current.expiresAt,
          auditDetails: { ends: d.eventId },
        });
        written++;
      }
      if (last) await toIndex(trx, subjectId, { status: last.status, rev: last.rev });
    }
    return written;
  }

  /** The notice a consent was given under, from its record; the purpose's version if that event is gone. */
  async function noticeOf(trx: Trx, eventId: string, purpose: purposeStore.IndexedPurpose) {
    const given = await store.findEvent(trx, eventId);
    const notice = given && (JSON.parse(given.record) as Partial<ConsentRecord>).notice;
    return notice ?? { version: `purpose-v${purpose.version}`, language: 'uz-Cyrl' };
  }

  let expiryTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  /** Runs `expireDue` every `everyMs` (the first after one interval); never two at once in this process. */
  function startExpiry(everyMs = EXPIRY_EVERY_MS): void {
    if (expiryTimer) return;
    const timer = setInterval(() => {
      if (sweeping) return;
      sweeping = expireDue({ stopped: () => expiryTimer !== timer })
        .then((expired) => {
          if (expired > 0) deps.logger?.info({ expired }, 'consents expired');
        })
        // Name and code only: a database error's text can quote a subject id.
        .catch((err: unknown) => deps.logger?.error({ error: failureLabel(err) }, 'consent expiry failed'))
        .finally(() => {
          sweeping = undefined;
        });
    }, everyMs);
    // A pending sweep never keeps the process alive.
    timer.unref();
    expiryTimer = timer;
  }

  /** Stops the timer; a sweep under way stops after its current page, and this waits for it. */
  async function stopExpiry(): Promise<void> {
    clearInterval(expiryTimer);
    expiryTimer = undefined;
    await sweeping;
  }

  /** Registers a subject or changes its status (identity calls this; staff block an account). */
  async function setStatus(actor: string, subjectId: string, status: 'active' | 'blocked'): Promise<number> {
    return database.write(async (trx) => {
      const { rev } = await store.bumpSubject(trx, subjectId, clock.now(), status);
      await audit.append(trx, { actor, action: `consent.subject.${status}`, subjectId, details: { rev } });
      await toIndex(trx, subjectId, { status, rev });
      return rev;
    });
  }

  /**
   * The subject's state and its history, a page of the latest HISTORY_PAGE events
   * before revision `before` (oldest first); `earlier` is the `before` of the page
   * preceding it, null once the first event is in.
   */
  async function forSubject(subjectId: string, before?: number) {
    const state = await store.subjectState(database.db, subjectId);
    assertThat(state, 'MXF_CONSENT_SUBJECT_NOT_FOUND');
    // One more than a page: whether there is an earlier page, without counting.
    const rows = await store.listEvents(database.db, subjectId, HISTORY_PAGE + 1, before);
    const more = rows.length > HISTORY_PAGE;
    if (more) rows.shift();
    // Not `.map(toConsentEvent)`: map's index would arrive as the record.
    const history = rows.map((r) => toConsentEvent(r));
    return {
      subjectId,
      status: state.status,
      rev: state.rev,
      current: state.rows.map((r) => ({
        purpose: r.purposeId,
        scope: r.scope,
        kind: r.kind,
        state: r.state,
        expiresAt: r.expiresAt,
      })),
      history,
      earlier: more ? (history[0] as ConsentEvent).rev : null,
    };
  }

  return { record, setStatus, forSubject, assertAdmissible, expireDue, startExpiry, stopExpiry };
}

export type ConsentService = ReturnType<typeof createConsentService>;
export type { ConsentSource };
