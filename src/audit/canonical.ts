/**
 * The bytes an audit entry's leaf hash covers. They must be reproducible from
 * the stored row alone, by us and by anyone holding a receipt, so they are
 * canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * strings and numbers as `JSON.stringify` writes them (the RFC 8785 rules for
 * the values an entry can hold).
 */
import { leafHash } from './merkle.js';

/** Canonical JSON of a JSON value. Throws on what JSON cannot carry faithfully (NaN, Infinity, bigint, functions). */
export function canonicalJson(value: unknown): string {
  // A value already in canonical order (receipts and records are built so) is
  // what JSON.stringify writes, natively and several times faster.
  return inCanonicalOrder(value) ? JSON.stringify(value) : canonicalText(value);
}

/**
 * True when JSON.stringify(value) is its canonical JSON: only strings, booleans,
 * null, finite numbers, arrays and plain objects whose keys are in sorted order.
 * Undefined is allowed where JSON.stringify and canonicalText agree on it
 * (dropped from objects, null in arrays).
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const v of value) if (v !== undefined && !inCanonicalOrder(v)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      let previous: string | undefined;
      for (const k in record) {
        if (previous !== undefined && previous > k) return false;
        previous = k;
        const v = record[k];
        if (v !== undefined && !inCanonicalOrder(v)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function canonicalText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError('canonical JSON has no representation for a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      // Built by appending, and keys sorted only when they are not already: receipts
      // and records are serialised on every write, mostly from objects built in order.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalText(value[i] ?? null);
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError('canonical JSON takes plain objects only');
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 1; i < keys.length; i++) {
        if ((keys[i - 1] as string) > (keys[i] as string)) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      for (const k of keys) {
        const v = record[k];
        if (v === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalText(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no representation for a ${typeof value}`);
  }
}

/** The fields of an audit entry exactly as stored (`details` is its canonical JSON text). */
export interface AuditEntryFields {
  seq: number;
  at: number;
  actor: string;
  purpose: string | null;
  subject_id: string | null;
  action: string;
  target: string | null;
  details: string;
}

const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));

/**
 * Canonical JSON of the entry: `{"action","actor","at","details","purpose","seq","subject_id","target"}`.
 * `details` is spliced in as stored; it was written in canonical form, so the
 * result equals `canonicalJson` of the parsed entry, while any change to the
 * stored text, even one JSON would call equivalent, changes the bytes.
 * Written out by hand because `verify` runs it once per entry over millions.
 */
export function entryBytes(e: AuditEntryFields): string {
  return (
    `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"at":${e.at},` +
    `"details":${e.details},"purpose":${str(e.purpose)},"seq":${e.seq},` +
    `"subject_id":${str(e.subject_id)},"target":${str(e.target)}}`
  );
}

/** RFC 6962 leaf hash of the entry. */
export function entryLeafHash(e: AuditEntryFields): Buffer {
  return leafHash(entryBytes(e));
}
