/**
 * Acceptances (§8, §9): each is a consent record with the ISO/IEC TS 27560
 * fields and an audit entry in the same transaction; its receipt carries the
 * log's inclusion proof. Publishing a new version asks everyone who accepted an
 * earlier one to accept again (§20), in batches through the outbox.
 */

import { sql } from 'kysely';
import type { AuditAppender } from '../../audit/appender.js';
import type { AuditLog } from '../../audit/audit.service.js';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import type { Org } from '../org/org.service.js';
import type { AcceptanceResult, AcceptanceState, AgreementLanguage } from './agreements.schemas.js';
import * as store from './agreements.store.js';
import type { AgreementAcceptanceTable } from './agreements.table.js';
import { createReacceptanceHandler } from './reacceptance.js';
import { canonicalReceiptBody, type Receipt, type ReceiptBody } from './receipt.js';
import { type VersionsService, versionCovers } from './versions.service.js';

export type AcceptanceMethod = 'api' | 'notice' | 'cabinet' | 'continued-use';

export interface AcceptanceDeps {
  database: Database;
  audit: AuditAppender & Pick<AuditLog, 'receipt' | 'publicKey'>;
  outbox: Pick<Outbox, 'enqueue'>;
  clock: Clock;
  versions: VersionsService;
  org: {
    get(): Promise<Org>;
    findSite(id: string): Promise<unknown>;
    /** Tells this node of a change of the company as it commits (OrgService does). */
    onCompanyChange?(listener: () => void): unknown;
  };
  options: { publicUrl: string; continuedUseCountsAsAcceptance: boolean; notifyBatchSize?: number };
}

export interface AcceptInput {
  subjectId: string;
  version: number;
  language: AgreementLanguage;
  siteId?: string | undefined;
  method: AcceptanceMethod;
  /** Who recorded it: `staff:<id>` (apps, until app credentials exist), `site:<id>`, `system`. */
  actor: string;
}

const COMPANY_TTL_MS = 5_000;

export function createAcceptanceService(deps: AcceptanceDeps) {
  const { database, audit, outbox, clock, versions, org, options } = deps;
  const base = options.publicUrl.replace(/\/$/, '');
  let company: { at: number; org: Org } | undefined;
  // The company changes rarely; re-reading it for every acceptance would be most of the work.
  // A change on this node drops the copy at once, so a receipt names the contact then in force;
  // another node's change shows within COMPANY_TTL_MS.
  let changes = 0;
  org.onCompanyChange?.(() => {
    company = undefined;
    changes++;
  });
  const companyNow = async () => {
    if (company && clock.now() - company.at <= COMPANY_TTL_MS) return company.org;
    const [at, seen] = [clock.now(), changes];
    const read = await org.get();
    // A read that a change overtook is used once, not kept.
    if (seen === changes) company = { at, org: read };
    return read;
  };

  /** The receipt body: Kantara CR v1.1 fields, with the ISO/IEC TS 27560 record inside. */
  function receiptBody(
    id: string,
    input: AcceptInput,
    c: Org['company'],
    v: { number: number; effectiveAt: number; contentHash: string; siteIds: string[] },
    now: number,
  ): ReceiptBody {
    // A receipt points at a page that shows the version: the site it was accepted on,
    // else the first site the version covers (no domain is assumed).
    const site = input.siteId ?? v.siteIds[0];
    const policyUrl = `${base}/sites/${site}/agreement/versions/${v.number}?lang=${input.language}`;
    const withdraw = `${base}/sites/${site}/agreement?lang=${input.language}`;
    // Keys in sorted order at every level: the body is then its own canonical JSON
    // and is serialised natively (canonicalJson checks the order, so a slip costs speed only).
    return {
      agreement: {
        contentHash: v.contentHash,
        effectiveAt: v.effectiveAt,
        language: input.language,
        siteId: input.siteId ?? null,
        version: v.number,
      },
      collectionMethod: input.method,
      consentReceiptID: id,
      consentRecord: {
        // The contact as in piiControllers below: left out (undefined) where the company has none.
        controllers: [
          {
            address: c.address ?? undefined,
            email: c.email ?? undefined,
            id: c.id,
            name: c.name,
            phone: c.phone ?? undefined,
          },
        ],
        dataCategories: ['identifiers', 'contact', 'usage'],
        events: [{ state: 'given', time: new Date(now).toISOString(), type: input.method }],
        jurisdiction: c.country,
        notice: { contentHash: v.contentHash, language: input.language, url: policyUrl, version: v.number },
        purposes: ['provision of the company’s services under the agreement'],
        recordId: id,
        retention: 'as set out in the agreement',
        schemaVersion: 'ISO/IEC TS 27560:2023',
        storageLocations: [c.country],
        subjectId: input.subjectId,
        thirdPartyRecipients: [],
        withdrawal: withdraw,
      },
      consentTimestamp: Math.floor(now / 1000),
      jurisdiction: c.country,
      language: input.language,
      // Kantara's email, phone and streetAddress only when the company has set them: a
      // key left undefined is not written, so a receipt without them keeps its old shape.
      piiControllers: [
        {
          address: { country: c.country, locality: c.city, streetAddress: c.address ?? undefined },
          contact: c.name,
          email: c.email ?? undefined,
          onBehalf: false,
          phone: c.phone ?? undefined,
          piiController: c.legalNames[input.language] ?? c.name,
          piiControllerUrl: base,
        },
      ],
      piiPrincipalId: input.subjectId,
      policyUrl,
      sensitive: false,
      services: [
        {
          purposes: [
            {
              consentType: input.method === 'continued-use' ? 'IMPLICIT' : 'EXPLICIT',
              piiCategory: ['identifiers', 'contact', 'usage'],
              primaryPurpose: true,
              purpose: `Agreement on confidentiality and personal data, version ${v.number}`,
              purposeCategory: ['core-function'],
              termination: withdraw,
              thirdPartyDisclosure: false,
            },
          ],
          service: 'agreement',
        },
      ],
      spiCat: [],
      version: 'KI-CR-v1.1.0',
    };
  }

  /** Checks an acceptance before any write: the site, the version it may name, the language shown. */
  async function prepare(input: AcceptInput) {
    if (input.siteId) assertThat(await org.findSite(input.siteId), 'MXF_ORG_SITE_NOT_FOUND');
    const current = await versions.inForce(input.siteId);
    assertThat(current, 'MXF_AGREEMENT_NOT_IN_FORCE');
    const inForceNumber = Number(current.version.number);
    let target = current;
    if (input.version !== inForceNumber) {
      // A version published to take effect later may be accepted ahead of its date; an older one never.
      const later = input.version > inForceNumber ? await versions.published(input.version) : null;
      if (!later) {
        if (input.version > inForceNumber && !(await versions.exists(input.version)))
          throw new MaxfiyError('MXF_AGREEMENT_VERSION_NOT_FOUND');
        throw new MaxfiyError('MXF_AGREEMENT_VERSION_NOT_CURRENT');
      }
      if (input.siteId && !versionCovers(later.version, input.siteId))
        throw new MaxfiyError('MXF_AGREEMENT_VERSION_NOT_CURRENT');
      target = later;
    }
    const text = target.texts.get(input.language);
    assertThat(text, 'MXF_AGREEMENT_LANGUAGE_MISSING');
    return { input, target, text, company: (await companyNow()).company, id: newId(clock.now()) };
  }

  /** Writes one prepared acceptance in `trx`: the record, the subject's state and the audit entry. */
  async function write(trx: Trx, p: Prepared): Promise<AcceptanceResult> {
    const { input, target, text, company: c, id } = p;
    const now = clock.now();
    const v = {
      number: Number(target.version.number),
      effectiveAt: Number(target.version.effective_at),
      contentHash: text.content_hash,
      siteIds: JSON.parse(target.version.site_ids) as string[],
    };
    const body = canonicalReceiptBody(receiptBody(id, input, c, v, now));
    const { seq } = await audit.append(trx, {
      actor: input.actor,
      action: 'agreement.accepted',
      subjectId: input.subjectId,
      target: `agreement-version:${v.number}`,
      details: {
        receipt: body.hash,
        lang: input.language,
        method: input.method,
        site: input.siteId ?? null,
      },
    });
    const row: AgreementAcceptanceTable = {
      id,
      subject_id: input.subjectId,
      version: v.number,
      lang: input.language,
      content_hash: v.contentHash,
      site_id: input.siteId ?? null,
      method: input.method,
      accepted_at: now,
      audit_seq: seq,
      record: body.text,
    };
    await store.insertAcceptance(trx, row);
    await store.recordAcceptedState(trx, {
      subject_id: input.subjectId,
      accepted_version: v.number,
      accepted_at: now,
      last_acceptance_id: id,
      notified_version: v.number,
      needs_reacceptance: 0,
    });
    return resultOf(row);
  }

  /** An acceptance as recorded, in the shape the API answers. */
  function resultOf(row: AgreementAcceptanceTable): AcceptanceResult {
    return {
      receiptId: row.id,
      subjectId: row.subject_id,
      version: Number(row.version),
      language: row.lang as AgreementLanguage,
      contentHash: row.content_hash,
      acceptedAt: Number(row.accepted_at),
      method: row.method as AcceptanceMethod,
      auditSeq: Number(row.audit_seq),
      receiptUrl: `${base}/v1/agreements/receipts/${row.id}`,
    };
  }

  type Prepared = Awaited<ReturnType<typeof prepare>>;

  async function accept(input: AcceptInput): Promise<AcceptanceResult> {
    const prepared = await prepare(input);
    return database.write((trx) => write(trx, prepared));
  }

  /**
   * A site visitor's acceptance through the notice: a visitor who already
   * accepted this version on this site gets that acceptance and its receipt
   * back, and nothing new is written (a notice asked twice, or a script sending
   * one id over and over, adds no record, receipt or audit entry).
   */
  async function acceptOnSite(input: AcceptInput & { siteId: string }): Promise<AcceptanceResult> {
    const prepared = await prepare(input);
    const version = Number(prepared.target.version.number);
    return database.write(async (trx) => {
      // On PostgreSQL two first acceptances at once take turns (SQLite has one writer).
      if (database.kind === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext(${input.subjectId}))`.execute(trx);
      const earlier = await store.findAcceptanceOn(trx, input.subjectId, version, input.siteId);
      return earlier ? resultOf(earlier) : write(trx, prepared);
    });
  }

  /** Several acceptances in one durable transaction: all are recorded, each with its own audit entry, or none. */
  async function acceptMany(inputs: AcceptInput[]): Promise<AcceptanceResult[]> {
    const prepared: Prepared[] = [];
    for (const input of inputs) prepared.push(await prepare(input));
    return database.write(async (trx) => {
      const results: AcceptanceResult[] = [];
      for (const p of prepared) results.push(await write(trx, p));
      return results;
    });
  }

  /**
   * Whether a customer's acceptance is current. Without a site: against the newest
   * version in force anywhere (the cabinet's question). With one: against the
   * version in force on that site, which a version published for other sites
   * does not change; accepting a later version that covers the site counts too.
   */
  async function state(subjectId: string, siteId?: string): Promise<AcceptanceState> {
    if (siteId !== undefined) return siteState(subjectId, siteId);
    const [row, current] = await Promise.all([
      store.findSubjectState(database.db, subjectId),
      versions.inForce(),
    ]);
    const versionInForce = current ? Number(current.version.number) : null;
    const acceptedVersion = row ? Number(row.accepted_version) : null;
    const isCurrent =
      acceptedVersion !== null && versionInForce !== null && acceptedVersion >= versionInForce;
    return {
      subjectId,
      current: isCurrent,
      versionInForce,
      acceptedVersion,
      acceptedAt: row ? Number(row.accepted_at) : null,
      needsReacceptance: row ? row.needs_reacceptance === 1 || !isCurrent : false,
    };
  }

  async function siteState(subjectId: string, siteId: string): Promise<AcceptanceState> {
    assertThat(await org.findSite(siteId), 'MXF_ORG_SITE_NOT_FOUND');
    const [current, onSite, accepted] = await Promise.all([
      versions.inForce(siteId),
      versions.numbersOn(siteId),
      store.acceptedVersionsOf(database.db, subjectId),
    ]);
    const versionInForce = current ? Number(current.version.number) : null;
    // The newest accepted version that was or will be shown on this site.
    const last = accepted.find((a) => onSite.has(a.version));
    const isCurrent = last !== undefined && versionInForce !== null && last.version >= versionInForce;
    return {
      subjectId,
      current: isCurrent,
      versionInForce,
      acceptedVersion: last?.version ?? null,
      acceptedAt: last?.acceptedAt ?? null,
      needsReacceptance: last !== undefined && !isCurrent,
    };
  }

  /**
   * An app reports that the customer uses it (on `siteId` when given). Where the
   * deployment counts continued use as acceptance, the first use after a new
   * version took effect records a "continued use" acceptance of it; otherwise
   * nothing is recorded. Concurrent reports record it once.
   */
  async function used(
    subjectId: string,
    actor: string,
    siteId?: string,
  ): Promise<{ state: AcceptanceState; recorded: boolean }> {
    const before = await state(subjectId, siteId);
    const eligible =
      options.continuedUseCountsAsAcceptance &&
      !before.current &&
      before.acceptedVersion !== null &&
      before.versionInForce !== null;
    if (!eligible) return { state: before, recorded: false };
    const current = await versions.inForce(siteId);
    const last = await store.findSubjectState(database.db, subjectId);
    const lastAcceptance = last
      ? await store.findAcceptance(database.db, last.last_acceptance_id)
      : undefined;
    const shown = lastAcceptance?.lang as AgreementLanguage | undefined;
    const language =
      shown && current?.texts.has(shown)
        ? shown
        : ((current?.version.authoritative_lang ?? 'uz-Cyrl') as AgreementLanguage);
    const version = before.versionInForce as number;
    const prepared = await prepare({ subjectId, version, language, siteId, method: 'continued-use', actor });
    // The check above ran outside the write: another report may have recorded it since.
    const recorded = await database.write(async (trx) => {
      if (database.kind === 'postgres') await store.lockSubjectState(trx, subjectId);
      if (await store.hasAccepted(trx, subjectId, version)) return false;
      await write(trx, prepared);
      return true;
    });
    return { state: await state(subjectId, siteId), recorded };
  }

  async function receipt(id: string, subjectId?: string): Promise<Receipt> {
    const row = await store.findAcceptance(database.db, id);
    assertThat(row, 'MXF_AGREEMENT_RECEIPT_NOT_FOUND');
    // The cabinet shows a customer only their own receipts: another's is "not found", not "forbidden".
    assertThat(subjectId === undefined || row.subject_id === subjectId, 'MXF_AGREEMENT_RECEIPT_NOT_FOUND');
    const proof = await audit.receipt(Number(row.audit_seq));
    assertThat(proof, 'MXF_AGREEMENT_RECEIPT_NOT_FOUND');
    const key = await audit.publicKey();
    const body = JSON.parse(row.record) as ReceiptBody;
    return {
      ...body,
      proof: {
        auditEntry: proof.entry,
        seq: proof.seq,
        leafHash: proof.leafHash.toString('hex'),
        path: proof.path.map((p) => p.toString('hex')),
        treeHead: {
          treeSize: proof.treeHead.treeSize,
          rootHash: proof.treeHead.rootHash.toString('hex'),
          timestamp: proof.treeHead.timestamp,
          signature: proof.treeHead.signature.toString('base64'),
          keyId: proof.treeHead.keyId,
        },
        publicKey: { keyId: key.keyId, publicKeyJwk: key.publicKeyJwk },
      },
    };
  }

  return {
    accept,
    acceptOnSite,
    acceptMany,
    state,
    used,
    receipt: (id: string) => receipt(id),
    /** A receipt of `subjectId`'s own acceptance; another subject's is not found. */
    receiptOf: (subjectId: string, id: string) => receipt(id, subjectId),
    notifyHandler: createReacceptanceHandler({
      database,
      audit,
      outbox,
      clock,
      batchSize: options.notifyBatchSize ?? 1000,
    }),
    notifications: () => store.listNotifications(database.db),
    history: (subjectId: string) => store.listAcceptancesOf(database.db, subjectId),
  };
}

export type AcceptanceService = ReturnType<typeof createAcceptanceService>;
