import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { runReceiptVerify } from '../../cli/receipt.js';
import { type AgreementTestApp, agreementTestApp, as, issueReceipt } from './agreements.testkit.js';
import { receiptBodyHash, renderReceipt, verifyReceipt } from './receipt.js';

const sink = () => {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
};

describe.each(databaseKinds())('acceptance receipts (§9) on %s', (kind) => {
  let t: AgreementTestApp;
  let dir: string;
  let receiptText: string;
  let keyId: string;
  let receiptId: string;
  beforeAll(async () => {
    t = await agreementTestApp(kind);
    dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-receipt-'));
    ({ receiptId, text: receiptText } = await issueReceipt(t));
    keyId = (await t.app.inject({ url: '/v1/audit/public-key' })).json().keyId;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a consent record with the ISO/IEC TS 27560 fields, in the Kantara receipt structure', () => {
    const r = JSON.parse(receiptText);
    expect(r).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'UZ',
      consentReceiptID: receiptId,
      piiPrincipalId: 'customer-42',
      language: 'uz-Latn',
      agreement: { version: 1, language: 'uz-Latn', siteId: 'silen.uz' },
    });
    for (const field of [
      'schemaVersion',
      'recordId',
      'subjectId',
      'notice',
      'purposes',
      'dataCategories',
      'controllers',
      'storageLocations',
      'retention',
      'jurisdiction',
      'thirdPartyRecipients',
      'withdrawal',
      'events',
    ])
      expect(r.consentRecord, field).toHaveProperty(field);
    expect(r.consentRecord.events[0]).toMatchObject({ type: 'api', state: 'given' });
    expect(r.proof.publicKey.keyId).toBe(keyId);
  });

  it('verifies offline against the published log key, by key file or by key id', async () => {
    const file = path.join(dir, 'receipt.json');
    writeFileSync(file, receiptText);
    const keyFile = path.join(dir, 'key.json');
    writeFileSync(keyFile, (await t.app.inject({ url: '/v1/audit/public-key' })).body);
    const pemFile = path.join(dir, 'key.pem');
    writeFileSync(pemFile, (await t.app.inject({ url: '/v1/audit/public-key' })).json().publicKeyPem);
    for (const trust of [{ publicKeyFile: keyFile }, { publicKeyFile: pemFile }, { keyId }]) {
      const out = sink();
      const err = sink();
      expect(runReceiptVerify({ file, ...trust, stdout: out, stderr: err }), err.lines.join('')).toBe(0);
      expect(out.lines.join('')).toContain('receipt verified');
    }
    const err = sink();
    expect(runReceiptVerify({ file, keyId: '0123456789abcdef', stdout: sink(), stderr: err })).toBe(1);
    expect(runReceiptVerify({ file, stdout: sink(), stderr: sink() })).toBe(2);
  });

  it('trusts a key by its whole fingerprint, and only warns of a 16-digit id', async () => {
    const file = path.join(dir, 'receipt-fingerprint.json');
    writeFileSync(file, receiptText);
    const { fingerprint } = (await t.app.inject({ url: '/v1/audit/public-key' })).json();
    expect(fingerprint.slice(0, 16)).toBe(keyId);
    let err = sink();
    expect(runReceiptVerify({ file, keyId: fingerprint.toUpperCase(), stdout: sink(), stderr: err })).toBe(0);
    expect(err.lines).toEqual([]);
    // Another key sharing the id's 64 bits is not the trusted one: every digit counts.
    const other = `${fingerprint.slice(0, 63)}${fingerprint.endsWith('0') ? '1' : '0'}`;
    expect(verifyReceipt(receiptText, { keyId: other })).toEqual({
      ok: false,
      reason: 'the receipt’s key is not the trusted key id',
    });
    expect(runReceiptVerify({ file, keyId: other, stdout: sink(), stderr: sink() })).toBe(1);
    err = sink();
    expect(runReceiptVerify({ file, keyId, stdout: sink(), stderr: err })).toBe(0);
    expect(err.lines.join('')).toContain('64-bit check');
    err = sink();
    expect(runReceiptVerify({ file, keyId: 'not-a-key', stdout: sink(), stderr: err })).toBe(2);
    expect(err.lines.join('')).toContain('64 hex digits');
  });

  it('fails after any one byte of it is changed', () => {
    const bytes = Buffer.from(receiptText, 'utf8');
    expect(verifyReceipt(receiptText, { keyId }).ok).toBe(true);
    // Every byte position, each flipped in its lowest bit and replaced outright.
    let checked = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const change of [(b: number) => b ^ 0x01, (b: number) => (b === 0x30 ? 0x31 : 0x30)]) {
        const copy = Buffer.from(bytes);
        copy[i] = change(copy[i] as number);
        const outcome = verifyReceipt(copy.toString('utf8'), { keyId });
        expect(outcome.ok, `byte ${i}: ${JSON.stringify(copy.subarray(i - 40, i + 5).toString())}`).toBe(
          false,
        );
        checked++;
      }
    }
    expect(checked).toBe(bytes.length * 2);
  });

  it('fails when its audit entry, though genuinely logged and signed, records something else', async () => {
    const { proof: genuine, ...body } = JSON.parse(receiptText);
    // Entries that carry this body's hash but record another action, version, language or site.
    const forgeries = [
      {
        action: 'staff.note',
        target: 'agreement-version:1',
        details: { lang: 'uz-Latn', method: 'api', site: 'silen.uz' },
      },
      {
        action: 'agreement.accepted',
        target: 'agreement-version:2',
        details: { lang: 'uz-Latn', method: 'api', site: 'silen.uz' },
      },
      {
        action: 'agreement.accepted',
        target: 'agreement-version:1',
        details: { lang: 'en', method: 'api', site: 'silen.uz' },
      },
      {
        action: 'agreement.accepted',
        target: 'agreement-version:1',
        details: { lang: 'uz-Latn', method: 'notice', site: 'silen.uz' },
      },
      {
        action: 'agreement.accepted',
        target: 'agreement-version:1',
        details: { lang: 'uz-Latn', method: 'api', site: null },
      },
    ];
    for (const forged of forgeries) {
      const { seq } = await t.services.database.write((trx) =>
        t.services.audit.append(trx, {
          actor: 'system',
          subjectId: body.piiPrincipalId,
          ...forged,
          details: { receipt: receiptBodyHash(body), ...forged.details },
        }),
      );
      const p = await t.services.audit.receipt(seq);
      if (!p) throw new Error('no proof');
      const receipt = renderReceipt({
        ...body,
        proof: {
          ...genuine,
          auditEntry: p.entry,
          seq: p.seq,
          leafHash: p.leafHash.toString('hex'),
          path: p.path.map((h) => h.toString('hex')),
          treeHead: {
            treeSize: p.treeHead.treeSize,
            rootHash: p.treeHead.rootHash.toString('hex'),
            timestamp: p.treeHead.timestamp,
            signature: p.treeHead.signature.toString('base64'),
            keyId: p.treeHead.keyId,
          },
        },
      });
      const outcome = verifyReceipt(receipt, { keyId });
      expect(outcome, JSON.stringify(forged)).toMatchObject({ ok: false });
      expect((outcome as { reason: string }).reason).toMatch(/audit entry records|another version/);
    }
  });

  it('fails when the log key is another one than the receipt names', () => {
    const r = JSON.parse(receiptText);
    expect(verifyReceipt(receiptText, { publicKeyRaw: Buffer.alloc(32, 7) })).toMatchObject({ ok: false });
    expect(r.proof.treeHead.keyId).toBe(keyId);
  });

  it('can be read as a page and kept as a one-page PDF', async () => {
    const page = await t.app.inject({ url: `/v1/agreements/receipts/${receiptId}/page` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('customer-42');
    expect(page.body).toContain('maxfiy receipt verify');
    const pdf = await t.app.inject({ url: `/v1/agreements/receipts/${receiptId}/pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdf.rawPayload.toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    // In the language the agreement was shown in (uz-Latn here).
    expect(text).toContain(`(Kvitansiya raqami: ${receiptId}) Tj`);
    expect(text).toContain('/Count 1');
    // The xref offsets point at the objects they name.
    const xref = Number(/startxref\n(\d+)/.exec(text)?.[1]);
    expect(text.slice(xref, xref + 4)).toBe('xref');
    const offsets = [...text.slice(xref).matchAll(/^(\d{10}) 00000 n /gm)].map((m) => Number(m[1]));
    offsets.forEach((o, i) => expect(text.slice(o, o + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
    const missing = await t.app.inject({
      url: '/v1/agreements/receipts/00000000-0000-7000-8000-000000000000',
    });
    expect(missing.json().error.code).toBe('MXF_AGREEMENT_RECEIPT_NOT_FOUND');
  });
});
