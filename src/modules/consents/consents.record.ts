import type { Company, CompanyContact } from '../org/org.schemas.js';
import { type RegisterSnapshot, UZ } from '../purposes/purposes.service.js';
import type { IndexedPurpose } from '../purposes/purposes.store.js';

export const RECORD_SCHEMA = 'ISO/IEC TS 27560:2023 / maxfiy consent record 1';

export interface ConsentRecordInput {
  recordId: string;
  subjectId: string;
  notice: { version: string; language: string };
  purpose: IndexedPurpose;
  register: RegisterSnapshot;
  company: Company | undefined;
  event: {
    time: number;
    type: 'consent' | 'objection';
    state: 'given' | 'withdrawn' | 'expired';
    source: string;
    evidenceRef: string | null;
    scope: string;
    rev: number;
  };
  expiresAt: number | null;
  /** Where the customer withdraws (the cabinet). */
  withdrawUrl: string;
}

/** The controller's contact details the company has set; one not set is left out, not written as null. */
function contactOf(company: CompanyContact): Partial<Record<keyof CompanyContact, string>> {
  const contact: Partial<Record<keyof CompanyContact, string>> = {};
  if (company.email) contact.email = company.email;
  if (company.phone) contact.phone = company.phone;
  if (company.address) contact.address = company.address;
  return contact;
}

/**
 * A consent record with the fields ISO/IEC TS 27560 names (LAW.md "Consent
 * records"), and the operator's TIN that ZRU-547 asks for. Ids and codes only:
 * the subject is named by id, never by name or address. The controller's
 * contact is the one in force when the record is written; records are stored
 * as written and never rebuilt, so a later change of it does not reach them.
 */
export function consentRecord(input: ConsentRecordInput) {
  const { purpose, register, company } = input;
  const categories = register.categories.filter((c) => purpose.categories.includes(c.id));
  const storeIds = new Set(categories.map((c) => c.storeId));
  const storageLocations = register.stores
    .filter((s) => storeIds.has(s.id))
    .map((s) => ({ id: s.id, country: s.country }));
  return {
    schemaVersion: RECORD_SCHEMA,
    recordId: input.recordId,
    subjectId: input.subjectId,
    notice: { version: input.notice.version, language: input.notice.language },
    purposes: [
      {
        id: purpose.id,
        version: purpose.version,
        name: purpose.name,
        legalBasis: purpose.legalBasis,
        automated: purpose.automated,
      },
    ],
    dataCategories: categories.map((c) => ({ id: c.id, class: c.class })),
    controllers: company
      ? [
          {
            id: company.id,
            name: company.name,
            tin: company.tin,
            country: company.country,
            ...contactOf(company),
          },
        ]
      : [],
    storageLocations,
    retention: purpose.retentionDays === null ? { term: 'contract' } : { days: purpose.retentionDays },
    expiresAt: input.expiresAt,
    jurisdiction: 'UZ',
    // The register lists no third-party recipients; disclosures to state bodies have their own register (§15).
    recipients: [] as string[],
    // Data held in a store outside Uzbekistan is transferred abroad (ZRU-547): the record says so, as the RoPA does.
    transferAbroad: storageLocations.some((s) => s.country !== UZ),
    withdrawal: { how: 'cabinet', url: input.withdrawUrl },
    event: {
      time: new Date(input.event.time).toISOString(),
      type: input.event.type,
      state: input.event.state,
      source: input.event.source,
      evidenceRef: input.event.evidenceRef,
      scope: input.event.scope,
      revision: input.event.rev,
    },
  };
}

export type ConsentRecord = ReturnType<typeof consentRecord>;
