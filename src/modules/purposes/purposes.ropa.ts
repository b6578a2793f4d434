import type { Company } from '../org/org.schemas.js';
import { postalAddress } from '../org/org.service.js';
import type { RegisterSnapshot } from './purposes.service.js';

/**
 * The record of processing activities (§14): one activity per purpose at its
 * current version, with what it uses, where that is stored, on what basis,
 * for how long and whether it is automated. Generated, never kept by hand.
 */
export function buildRopa(register: RegisterSnapshot, company: Company | undefined, now: number) {
  const categories = new Map(register.categories.map((c) => [c.id, c]));
  const stores = new Map(register.stores.map((s) => [s.id, s]));
  return {
    // Who answers for the processing and how to reach them: null where the company has not set it.
    controller: company
      ? {
          id: company.id,
          name: company.name,
          tin: company.tin,
          country: company.country,
          city: company.city,
          address: company.address,
          email: company.email,
          phone: company.phone,
        }
      : null,
    generatedAt: new Date(now).toISOString(),
    activities: register.purposes.map((p) => {
      const used = p.categories.flatMap((id) => {
        const c = categories.get(id);
        return c ? [c] : [];
      });
      return {
        purpose: p.id,
        version: p.version,
        name: p.name,
        legalBasis: p.legalBasis,
        rationale: p.rationale,
        categories: used.map((c) => ({
          id: c.id,
          name: c.name,
          class: c.class,
          store: c.storeId,
          country: stores.get(c.storeId)?.country ?? null,
          mustStayInUz: c.mustStayInUz,
        })),
        retentionDays: p.retentionDays,
        automated: p.automated,
        depersonalisedOnly: p.depersonalisedOnly,
        recipients: [] as string[],
        transfersAbroad: used.some((c) => stores.get(c.storeId)?.country !== 'UZ'),
      };
    }),
  };
}

export type Ropa = ReturnType<typeof buildRopa>;

const CSV_HEADER = [
  'purpose',
  'version',
  'name',
  'legal_basis',
  'categories',
  'classes',
  'storage_countries',
  'retention_days',
  'automated',
  'depersonalised_only',
  'transfers_abroad',
  'rationale',
  // The controller on every row, as the JSON gives it once: each row is then a whole entry of the record.
  'controller',
  'controller_tin',
  'controller_email',
  'controller_phone',
  'controller_address',
];

/**
 * RFC 4180; a cell that a spreadsheet would run as a formula is prefixed with an
 * apostrophe. So is any part after a semicolon: where the list separator is one
 * (Russian and Uzbek settings), a spreadsheet starts a cell there, quotes or not.
 */
function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (s.includes(';')) s = s.replace(/;(?=[=+\-@\t\r])/g, ";'");
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function ropaCsv(ropa: Ropa): string {
  const lines = [CSV_HEADER.join(',')];
  const c = ropa.controller;
  const controller = [c?.name, c?.tin, c?.email, c?.phone, postalAddress(c?.address, c?.city, c?.country)];
  for (const a of ropa.activities) {
    lines.push(
      [
        a.purpose,
        a.version,
        a.name,
        a.legalBasis,
        a.categories.map((c) => c.id).join(' '),
        [...new Set(a.categories.map((c) => c.class))].join(' '),
        [...new Set(a.categories.map((c) => c.country))].join(' '),
        a.retentionDays ?? 'contract',
        a.automated,
        a.depersonalisedOnly,
        a.transfersAbroad,
        a.rationale,
        ...controller,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
