import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds, listTables } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { customerBrowser, inboxFor, lastCode, signUp } from './identity.testkit.js';
import { customerTexts } from './messages.js';

const EMAIL = 'jasur.karimov@example.uz';
const PHONE = '+998 90 123 45 67';
const PASSWORD = 'olma-anor 77';

/** Every row of every table but the development inbox (mail as it left the machine), as text. */
async function everyRow(t: TestApp): Promise<string> {
  const parts: string[] = [];
  for (const table of await listTables(t.services.database)) {
    if (table === 'dev_inbox') continue;
    const rows = await t.services.database.db
      .selectFrom(table as 'customers')
      .selectAll()
      .execute();
    for (const row of rows)
      for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v.toString('latin1') : String(v));
  }
  return parts.join('\n');
}

describe.each(databaseKinds())('customer personal data on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => t.close());

  it('lets the customer correct the profile, verifies a new phone by SMS code, keeps every change in a history (§19), and stores no personal field in clear', async () => {
    const b = customerBrowser(t.app);
    expect((await signUp(t, b, EMAIL, PASSWORD)).statusCode).toBe(201);

    const named = await b.call('PATCH', '/v1/me/profile', { name: 'Jasur Karimov', locale: 'uz-Latn' });
    expect(named.json().profile).toMatchObject({ name: 'Jasur Karimov', locale: 'uz-Latn' });
    clock.advance(1_000);
    await b.call('PATCH', '/v1/me/profile', { name: 'Jasur Karimovich' });
    clock.advance(1_000);

    const start = await b.call('POST', '/v1/me/contact/start', { contact: PHONE });
    expect(start.statusCode).toBe(202);
    const code = await lastCode(t, 'sms:+998901234567');
    const changed = await b.call('POST', '/v1/me/contact/verify', {
      verificationId: start.json().verificationId,
      code,
    });
    expect(changed.json().profile).toMatchObject({
      phone: '+998901234567',
      phoneVerified: true,
      email: EMAIL,
    });

    const history = (await b.call('GET', '/v1/me/profile/history')).json().changes;
    const rows = history.map((c: { field: string; from: string | null; to: string | null }) => [
      c.field,
      c.from,
      c.to,
    ]);
    // The first two changes came in one request, at one instant.
    expect(rows.slice(0, 2)).toEqual(
      expect.arrayContaining([
        ['name', null, 'Jasur Karimov'],
        ['locale', null, 'uz-Latn'],
      ]),
    );
    expect(rows.slice(2)).toEqual([
      ['name', 'Jasur Karimov', 'Jasur Karimovich'],
      ['phone', null, '+998901234567'],
    ]);

    // Signing in by phone works the same as by e-mail.
    expect((await customerBrowser(t.app).signin(PHONE, PASSWORD)).statusCode).toBe(200);

    const dump = await everyRow(t);
    for (const secret of [EMAIL, 'Jasur', 'Karimov', '998901234567', '901234567', '127.0.0.1', PASSWORD])
      expect(dump).not.toContain(secret);
    const audit = JSON.stringify(await t.services.audit.entries({ limit: 1000 }));
    for (const secret of [EMAIL, 'Jasur', '998901234567']) expect(audit).not.toContain(secret);
  });

  it('tells the contact being replaced, with a report link, and a reset code sent to it before opens nothing after', async () => {
    const owner = customerBrowser(t.app);
    expect((await signUp(t, owner, EMAIL, PASSWORD)).statusCode).toBe(201);
    // Someone still reading the old mailbox asks for a reset code there.
    const reading = customerBrowser(t.app);
    const reset = await reading.call('POST', '/v1/reset/start', { contact: EMAIL });
    const resetCode = await lastCode(t, EMAIL);

    const start = await owner.call('POST', '/v1/me/contact/start', { contact: 'jasur.new@example.uz' });
    const code = await lastCode(t, 'jasur.new@example.uz');
    const changed = await owner.call('POST', '/v1/me/contact/verify', {
      verificationId: start.json().verificationId,
      code,
    });
    expect(changed.json().profile.email).toBe('jasur.new@example.uz');
    // The old address hears of it in the account's language, with a one-click report.
    const told = (await inboxFor(t, EMAIL)).filter(
      (m) => m.subject === customerTexts.securityChange['uz-Cyrl'].subject,
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('электрон почтаси бошқасига алмаштирилди');
    expect(told[0]?.text).toMatch(/compromise\?token=[A-Za-z0-9_-]{43}/);

    clock.advance(60_000);
    const late = await reading.register('reset', reset.json().verificationId, resetCode, 'taken over 2026');
    expect(late.statusCode).not.toBe(204);
    expect((await customerBrowser(t.app).signin('jasur.new@example.uz', PASSWORD)).statusCode).toBe(200);
  });

  it('needs a recent sign-in to change the password or a contact (step-up within 10 minutes)', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    clock.advance(11 * 60_000);
    // Keep the session alive (idle limit 30 minutes) but stale for step-up.
    expect((await b.call('GET', '/v1/me/profile')).statusCode).toBe(200);
    const stale = await b.call('POST', '/v1/me/contact/start', { contact: PHONE });
    expect(stale.json().error.code).toBe('MXF_IDENTITY_STEP_UP_REQUIRED');
    const pw = await b.call('POST', '/v1/me/password/start', { registrationRequest: 'A'.repeat(43) });
    expect(pw.json().error.code).toBe('MXF_IDENTITY_STEP_UP_REQUIRED');
  });

  it('ends a session after 30 idle minutes', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    clock.advance(30 * 60_000);
    expect((await b.call('GET', '/v1/me/profile')).statusCode).toBe(401);
  });

  it('throttles repeated sign-ins to one account and repeated wrong codes from one address, with backoff', async () => {
    await signUp(t, customerBrowser(t.app), EMAIL, PASSWORD);
    const b = customerBrowser(t.app);
    for (let i = 0; i < 5; i++) expect((await b.startSignin(EMAIL, 'guess')).res.statusCode).toBe(200);
    const sixth = await b.startSignin(EMAIL, 'guess');
    expect(sixth.res.statusCode).toBe(429);
    expect(sixth.res.json().error).toMatchObject({ code: 'MXF_IDENTITY_THROTTLED', retryAfter: 1 });
    clock.advance(1_000);
    expect((await b.signin(EMAIL, PASSWORD)).statusCode).toBe(200);

    const start = await b.call('POST', '/v1/reset/start', { contact: EMAIL });
    const id = start.json().verificationId;
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await b.call('POST', '/v1/reset/verify', {
        verificationId: id,
        code: '999999',
        registrationRequest: 'A'.repeat(43),
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 20).every((c) => c === 400)).toBe(true);
    expect(codes[20]).toBe(429);
  });
});
