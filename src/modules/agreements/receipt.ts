/**
 * Acceptance receipts: a JSON document after the Kantara Consent Receipt v1.1
 * structure, carrying the ISO/IEC TS 27560 record and the audit log's proof,
 * so a customer can check it offline with nothing but the log's public key.
 *
 * What ties it together: the audit entry's details hold the SHA-256 of the
 * receipt body (everything but `proof`) in canonical JSON; the entry's leaf is
 * in the tree the signed head names. The file itself is written in one
 * canonical form (sorted keys, two-space indent, final newline) and `verify`
 * refuses any other form, so no byte of it can change unnoticed.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../audit/canonical.js';
import { leafHash, verifyInclusion } from '../../audit/merkle.js';
import { isTrustedKey, keyIdOf, verifyTreeHeadSignature } from '../../audit/tree-head.js';

export interface ReceiptProof {
  auditEntry: string;
  seq: number;
  leafHash: string;
  path: string[];
  treeHead: { treeSize: number; rootHash: string; timestamp: number; signature: string; keyId: string };
  publicKey: { keyId: string; publicKeyJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string } };
}

export type ReceiptBody = Record<string, unknown> & { consentReceiptID: string; piiPrincipalId: string };
export type Receipt = ReceiptBody & { proof: ReceiptProof };

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, sortKeys(record[k])]),
    );
  }
  return value;
}

/** The one form a receipt file is written in. */
export function renderReceipt(receipt: unknown): string {
  return `${JSON.stringify(sortKeys(receipt), null, 2)}\n`;
}

/** SHA-256 (hex) of the body's canonical JSON: what the audit entry's details carry as `receipt`. */
export function receiptBodyHash(body: Record<string, unknown>): string {
  return canonicalReceiptBody(body).hash;
}

/** The body's canonical JSON (what is stored: it parses back to the body) and its SHA-256, serialised once. */
export function canonicalReceiptBody(body: Record<string, unknown>): { text: string; hash: string } {
  const text = canonicalJson(body);
  return { text, hash: createHash('sha256').update(text, 'utf8').digest('hex') };
}

export type VerifyOutcome =
  | { ok: true; seq: number; keyId: string; treeSize: number }
  | { ok: false; reason: string };

export interface TrustedKey {
  /** Raw 32-byte Ed25519 public key the caller trusts (from `--public-key`). */
  publicKeyRaw?: Buffer;
  /** Or: trust the key in the receipt only if this is its fingerprint (64 hex digits) or its id (16). */
  keyId?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const fail = (reason: string): VerifyOutcome => ({ ok: false, reason });

/** Strict base64: decodes and encodes back to the same text, so no ignored bit can change. */
function strictBase64(text: unknown, url = false): Buffer | null {
  if (typeof text !== 'string') return null;
  const buf = Buffer.from(text, url ? 'base64url' : 'base64');
  return buf.toString(url ? 'base64url' : 'base64') === text ? buf : null;
}

/** Checks a receipt file's text offline; the first failing step is named. */
export function verifyReceipt(text: string, trust: TrustedKey): VerifyOutcome {
  let receipt: Receipt;
  try {
    receipt = JSON.parse(text) as Receipt;
  } catch {
    return fail('the file is not JSON');
  }
  if (!receipt || typeof receipt !== 'object' || Array.isArray(receipt))
    return fail('the file is not a receipt');
  if (renderReceipt(receipt) !== text) return fail('the file is not in the canonical form it was issued in');
  const { proof, ...body } = receipt;
  if (!proof || typeof proof !== 'object') return fail('the receipt carries no proof');
  const { treeHead, publicKey } = proof;
  if (!treeHead || !publicKey || typeof proof.auditEntry !== 'string' || !Array.isArray(proof.path))
    return fail('the proof is incomplete');
  // Every field of the proof is checked below; an unknown or renamed one is refused, so none rides along unchecked.
  const shapes: [unknown, string][] = [
    [proof, 'auditEntry,leafHash,path,publicKey,seq,treeHead'],
    [treeHead, 'keyId,rootHash,signature,timestamp,treeSize'],
    [publicKey, 'keyId,publicKeyJwk'],
    [publicKey.publicKeyJwk, 'crv,kty,x'],
  ];
  for (const [value, keys] of shapes)
    if (!value || typeof value !== 'object' || Object.keys(value).sort().join(',') !== keys)
      return fail('the proof has unexpected fields');
  if (publicKey.publicKeyJwk.kty !== 'OKP' || publicKey.publicKeyJwk.crv !== 'Ed25519')
    return fail('the receipt’s key is not an Ed25519 key');
  // Numbers are signed as their decimal text: "5" or [5] would sign the same bytes, so the type is checked too.
  if (![proof.seq, treeHead.treeSize, treeHead.timestamp].every((n) => Number.isSafeInteger(n) && n >= 0))
    return fail('the proof holds a malformed number');

  let entry: {
    seq?: unknown;
    subject_id?: unknown;
    action?: unknown;
    target?: unknown;
    details?: { receipt?: unknown; lang?: unknown; method?: unknown; site?: unknown };
  };
  try {
    entry = JSON.parse(proof.auditEntry);
  } catch {
    return fail('the audit entry is not JSON');
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    return fail('the audit entry is not an object');
  if (canonicalJson(entry) !== proof.auditEntry) return fail('the audit entry is not canonical');
  if (entry.details?.receipt !== receiptBodyHash(body))
    return fail('the receipt body does not match its audit entry');
  if (entry.subject_id !== body.piiPrincipalId) return fail('the audit entry names another subject');
  if (entry.seq !== proof.seq) return fail('the audit entry has another position in the log');
  // The entry must record this acceptance, not merely carry the body's hash: an
  // entry of another kind that happened to hold it would prove nothing about one.
  const agreement = (body.agreement ?? {}) as { version?: unknown; language?: unknown; siteId?: unknown };
  if (entry.action !== 'agreement.accepted')
    return fail('the audit entry records something other than an acceptance');
  if (entry.target !== `agreement-version:${String(agreement.version)}`)
    return fail('the audit entry names another version of the agreement');
  if (
    entry.details.lang !== agreement.language ||
    entry.details.method !== body.collectionMethod ||
    entry.details.site !== (agreement.siteId ?? null)
  )
    return fail('the audit entry records another language, method or site');

  const leaf = leafHash(proof.auditEntry);
  if (proof.leafHash !== leaf.toString('hex')) return fail('the leaf hash does not match the audit entry');
  if (!HEX64.test(treeHead.rootHash) || !proof.path.every((p) => typeof p === 'string' && HEX64.test(p)))
    return fail('the proof holds a malformed hash');
  const root = Buffer.from(treeHead.rootHash, 'hex');
  const path = proof.path.map((p) => Buffer.from(p, 'hex'));
  if (!verifyInclusion(proof.seq, treeHead.treeSize, leaf, path, root))
    return fail('the inclusion proof does not lead to the signed root');

  const embedded = strictBase64(publicKey.publicKeyJwk?.x, true);
  if (!embedded || embedded.length !== 32) return fail('the receipt carries a malformed public key');
  if (keyIdOf(embedded) !== publicKey.keyId) return fail('the receipt’s key id does not match its key');
  if (trust.publicKeyRaw) {
    if (!trust.publicKeyRaw.equals(embedded)) return fail('the receipt names another key than the one given');
  } else if (!trust.keyId || !isTrustedKey(embedded, trust.keyId)) {
    return fail('the receipt’s key is not the trusted key id');
  }
  if (treeHead.keyId !== publicKey.keyId) return fail('the tree head was signed by another key');
  const signature = strictBase64(treeHead.signature);
  if (!signature) return fail('the tree head signature is malformed');
  const head = {
    treeSize: treeHead.treeSize,
    rootHash: root,
    timestamp: treeHead.timestamp,
    signature,
    keyId: treeHead.keyId,
  };
  if (!verifyTreeHeadSignature(head, embedded)) return fail('the tree head signature does not verify');
  return { ok: true, seq: proof.seq, keyId: publicKey.keyId, treeSize: treeHead.treeSize };
}
