import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { runReceiptVerify } from '../../cli/receipt.js';
import { AGREEMENT_LANGUAGES, type AgreementLanguage } from './agreements.schemas.js';
import * as store from './agreements.store.js';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';
import { verifyReceipt } from './receipt.js';

const CONTACT = { email: 'dpo@company.example', phone: '+998712000000', address: 'Example street 1, 100000' };

/** The contact rows' labels, per language of the page (the PDF writes them in Latin script). */
const LABELS: Record<AgreementLanguage, { email: string; phone: string; address: string; pdfPhone: string }> =
  {
    'uz-Cyrl': {
      email: 'Оператор электрон почтаси',
      phone: 'Оператор телефони',
      address: 'Оператор манзили',
      pdfPhone: 'Operator telefoni',
    },
    'uz-Latn': {
      email: 'Operator elektron pochtasi',
      phone: 'Operator telefoni',
      address: 'Operator manzili',
      pdfPhone: 'Operator telefoni',
    },
    ru: {
      email: 'Электронная почта оператора',
      phone: 'Телефон оператора',
      address: 'Адрес оператора',
      pdfPhone: 'Telefon operatora',
    },
    en: {
      email: 'Controller’s e-mail',
      phone: 'Controller’s phone',
      address: 'Controller’s address',
      pdfPhone: 'Controller\x92s phone',
    },
  };

describe.each(databaseKinds())('the controller’s contact on receipts (Kantara CR v1.1) on %s', (kind) => {
  let t: AgreementTestApp;
  let dir: string;
  let keyFile: string;
  let keyId: string;
  beforeAll(async () => {
    t = await agreementTestApp(kind);
    dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-receipt-contact-'));
    keyFile = path.join(dir, 'key.json');
    const key = await t.app.inject({ url: '/v1/audit/public-key' });
    writeFileSync(keyFile, key.body);
    keyId = key.json().keyId;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const accept = async (subjectId: string) => {
    const res = await as(t, 'support')('POST', '/v1/agreements/acceptances', {
      subjectId,
      version: 1,
      language: 'en',
      siteId: 'silen.uz',
    });
    expect(res.statusCode).toBe(201);
    return res.json().receiptId as string;
  };
  const fetchReceipt = async (id: string) =>
    (await t.app.inject({ url: `/v1/agreements/receipts/${id}` })).body;
  const controllerOf = (text: string) => JSON.parse(text).piiControllers[0];
  const bodyOf = (text: string) => {
    const { proof: _proof, ...body } = JSON.parse(text);
    return body;
  };
  /** `maxfiy receipt verify` on the file, against the published key: the exit code. */
  const verifyOffline = (text: string | Buffer) => {
    const file = path.join(dir, `${Math.random()}.json`);
    writeFileSync(file, text);
    const quiet = { write: () => true };
    return runReceiptVerify({ file, publicKeyFile: keyFile, stdout: quiet, stderr: quiet });
  };
  const setContact = (patch: Partial<typeof CONTACT> | Record<string, null>) =>
    t.services.org.updateCompany('staff:test', patch);

  it('keeps today’s shape while the company has no contact details: no field, no null', async () => {
    const id = await accept('before-contact');
    const text = await fetchReceipt(id);
    expect(controllerOf(text)).toEqual({
      address: { country: 'UZ', locality: 'Tashkent' },
      contact: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC',
      onBehalf: false,
      piiController: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC',
      piiControllerUrl: t.options.publicUrl.replace(/\/$/, ''),
    });
    expect(JSON.parse(text).consentRecord.controllers).toEqual([
      { id: 'cdti', name: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC' },
    ]);
    // The stored record holds the controller parts exactly as the code before the contact fields wrote them.
    const row = await store.findAcceptance(t.services.database.db, id);
    const name = 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC';
    expect(row?.record).toContain(`"controllers":[{"id":"cdti","name":"${name}"}]`);
    expect(row?.record).toContain(
      `"piiControllers":[{"address":{"country":"UZ","locality":"Tashkent"},"contact":"${name}","onBehalf":false,"piiController":"${name}","piiControllerUrl":"${t.options.publicUrl.replace(/\/$/, '')}"}]`,
    );
    expect(row?.record).not.toMatch(/"(email|phone|streetAddress)"/);
    expect(verifyOffline(text)).toBe(0);
    const page = (await t.app.inject({ url: `/v1/agreements/receipts/${id}/page` })).body;
    for (const label of Object.values(LABELS.en)) expect(page).not.toContain(label);
  });

  it('carries the e-mail, phone and street address in force when it was issued, and verifies offline', async () => {
    await setContact(CONTACT);
    const id = await accept('with-contact');
    const text = await fetchReceipt(id);
    expect(controllerOf(text)).toMatchObject({
      address: { country: 'UZ', locality: 'Tashkent', streetAddress: CONTACT.address },
      email: CONTACT.email,
      phone: CONTACT.phone,
    });
    // The ISO/IEC TS 27560 record inside names the same contact.
    expect(JSON.parse(text).consentRecord.controllers[0]).toMatchObject(CONTACT);
    expect(verifyOffline(text)).toBe(0);
    expect(verifyReceipt(text, { keyId })).toMatchObject({ ok: true });
    // The contact is covered by the body hash in the audit entry: changing it breaks the receipt.
    const forged = text.replace(CONTACT.phone, '+998712000009');
    expect(forged).not.toBe(text);
    expect(verifyReceipt(forged, { keyId })).toMatchObject({
      ok: false,
      reason: 'the receipt body does not match its audit entry',
    });
  });

  it('does not change by a byte, nor stop verifying, when the company changes its contact later', async () => {
    await setContact(CONTACT);
    const id = await accept('issued-yesterday');
    const before = await fetchReceipt(id);
    expect(controllerOf(before).phone).toBe(CONTACT.phone);

    await setContact({ phone: '+998712000001', email: 'privacy@company.example' });
    // The signed tree head that covers it is still the latest: the whole file is the same bytes.
    const after = await fetchReceipt(id);
    expect(after).toBe(before);
    expect(verifyOffline(after)).toBe(0);

    // A receipt issued now names the new contact at once (this node's cached company is dropped).
    const now = await fetchReceipt(await accept('issued-today'));
    expect(controllerOf(now)).toMatchObject({ phone: '+998712000001', email: 'privacy@company.example' });
    expect(verifyOffline(now)).toBe(0);

    // Later tree heads change the proof, never the body: the receipt still names the old contact.
    const later = await fetchReceipt(id);
    expect(bodyOf(later)).toEqual(bodyOf(before));
    expect(controllerOf(later).phone).toBe(CONTACT.phone);
    expect(verifyOffline(later)).toBe(0);

    // Cleared, new receipts are back to the shape without contact fields.
    await setContact({ email: null, phone: null, address: null });
    const cleared = controllerOf(await fetchReceipt(await accept('after-clearing')));
    expect(Object.keys(cleared).sort()).toEqual([
      'address',
      'contact',
      'onBehalf',
      'piiController',
      'piiControllerUrl',
    ]);
    expect(cleared.address).toEqual({ country: 'UZ', locality: 'Tashkent' });
  });

  it('fails offline after a changed byte even where the receipt holds a replacement character', async () => {
    // A company file saved in another encoding reads with U+FFFD in it, and the receipt keeps it.
    await setContact({ address: 'Amir Temur ko\uFFFDchasi 1' });
    const text = await fetchReceipt(await accept('mangled-address'));
    await setContact({ address: null });
    expect(verifyOffline(text)).toBe(0);
    const bytes = Buffer.from(text, 'utf8');
    const at = bytes.indexOf(Buffer.from('\uFFFD', 'utf8'));
    expect(at).toBeGreaterThan(0);
    // EF BF BD made F0 BF BD: an incomplete sequence that a lenient decoder also reads as U+FFFD.
    const changed = Buffer.from(bytes);
    changed[at] = 0xf0;
    expect(changed.toString('utf8')).toBe(text);
    expect(verifyOffline(changed)).toBe(1);
    // So is a byte-order mark put before it.
    expect(verifyOffline(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]))).toBe(1);
  });

  it.each(AGREEMENT_LANGUAGES)(
    'shows the contact on the page and in the PDF in %s, as the receipt carries it',
    async (lang) => {
      await setContact(CONTACT);
      const id = await accept(`reader-${lang}`);
      await setContact({ phone: '+998712000002' });
      const page = await t.app.inject({ url: `/v1/agreements/receipts/${id}/page?lang=${lang}` });
      expect(page.statusCode).toBe(200);
      for (const label of [LABELS[lang].email, LABELS[lang].phone, LABELS[lang].address])
        expect(page.body).toContain(`<dt>${label}</dt>`);
      expect(page.body).toContain(`<a href="mailto:${CONTACT.email}">${CONTACT.email}</a>`);
      expect(page.body).toContain(`<a href="tel:${CONTACT.phone}">${CONTACT.phone}</a>`);
      expect(page.body).toContain(`<dd>${CONTACT.address}, Tashkent, UZ</dd>`);
      expect(page.body).not.toContain('+998712000002');

      const pdf = await t.app.inject({ url: `/v1/agreements/receipts/${id}/pdf?lang=${lang}` });
      expect(pdf.statusCode).toBe(200);
      const text = pdf.rawPayload.toString('latin1');
      expect(text).toContain(`(${LABELS[lang].pdfPhone}: ${CONTACT.phone}) Tj`);
      expect(text).toContain(CONTACT.email);
      expect(text).toContain(`${CONTACT.address}, Tashkent, UZ) Tj`);
    },
  );
});
