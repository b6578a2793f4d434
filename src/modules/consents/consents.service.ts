import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { DecisionService } from '../decisions/decisions.service.js';
import { findCompany } from '../org/org.store.js';
import * as purposeStore from '../purposes/purposes.store.js';
import { consentRecord } from './consents.record.js';
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
  /** Tells this node of register edits as they commit, so the cached categories and stores follow at once. */
  purposes?: { onChange(listener: () => void): unknown };
  options: { publicUrl: string };
}) {
  const { database, audit, clock, decisions, webhooks, options } = deps;

  /**
   * What every consent record names besides its purpose: the categories, the
   * stores and the company. Re-reading them for each write was a third of its
   * queries; they are kept here, dropped when this node's register changes and
   * re-read at most every REFERENCE_TTL_MS (another node's edit shows within that).
   */
  let reference: { at: number; value: Promise<ReferenceData> } | undefined;
  deps.purposes?.onChange(() => {
    reference = undefined;
  });
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
    const scope = scopeOf(input);
    const action = ACTIONS[input.action];
    const id = newId(now);
    const { rev, status } = await store.bumpSubject(trx, subjectId, now);
    const expiresAt =
      action.kind === 'consent' && action.state === 'given' ? (input.expiresAt ?? null) : null;
    const { categories, stores, company } = await referenceFor(trx, purpose.categories);
    const record = consentRecord({
      recordId: id,
      subjectId,
      notice: input.notice,
      purpose,
      register: { purposes: [purpose], categories, stores },
      company,
      event: {
        time: now,
        type: action.kind,
        state: action.state,
        source: input.source,
        evidenceRef: input.evidenceRef ?? null,
        scope,
        rev,
      },
      expiresAt,
      withdrawUrl: `${options.publicUrl}/`,
    });
    const { seq } = await audit.append(trx, {
      actor,
      action: action.audit,
      purpose: purpose.id,
      subjectId,
      target: `consent:${id}`,
      details: { rev, purposeVersion: purpose.version, source: input.source, scope },
    });
    const row: store.ConsentEventRow = {
      id,
      subject_id: subjectId,
      rev,
      purpose_id: purpose.id,
      scope,
      kind: action.kind,
      state: action.state,
      source: input.source,
      purpose_version: purpose.version,
      at: now,
      expires_at: expiresAt,
      record: JSON.stringify(record),
      audit_seq: seq,
    };
    await store.insertEvent(trx, row);
    await store.upsertCurrent(trx, {
      subjectId,
      purposeId: purpose.id,
      scope,
      kind: action.kind,
      state: action.state,
      eventId: id,
      expiresAt,
      now,
    });
    const change: ConsentChange = {
      eventId: id,
      subjectId,
      rev,
      purpose: purpose.id,
      purposeVersion: purpose.version,
      scope,
      kind: action.kind,
      state: action.state,
      at: now,
    };
    await webhooks?.enqueue(trx, change);
    await decisions.afterWrite(trx, {
      subjectId,
      status,
      rev,
      rows: await store.currentRows(trx, subjectId),
    });
    // The record just written, not parsed back from its JSON.
    return toConsentEvent(row, record);
  }

  /** Records one consent change; durable, audited and in this node's decision index when it resolves. */
  function record(actor: string, subjectId: string, input: ConsentInput): Promise<ConsentEvent> {
    return database.write((trx) => recordIn(trx, actor, subjectId, input));
  }

  /** Registers a subject or changes its status (identity calls this; staff block an account). */
  async function setStatus(actor: string, subjectId: string, status: 'active' | 'blocked'): Promise<number> {
    return database.write(async (trx) => {
      const { rev } = await store.bumpSubject(trx, subjectId, clock.now(), status);
      await audit.append(trx, { actor, action: `consent.subject.${status}`, subjectId, details: { rev } });
      await decisions.afterWrite(trx, {
        subjectId,
        status,
        rev,
        rows: await store.currentRows(trx, subjectId),
      });
      return rev;
    });
  }

  async function forSubject(subjectId: string) {
    const state = await store.subjectState(database.db, subjectId);
    assertThat(state, 'MXF_CONSENT_SUBJECT_NOT_FOUND');
    const history = (await store.listEvents(database.db, subjectId)).map(toConsentEvent);
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
    };
  }

  return { record, setStatus, forSubject, assertAdmissible };
}

export type ConsentService = ReturnType<typeof createConsentService>;
export type { ConsentSource };
