import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { sessionCookie, browser as staffBrowser, tokenOf } from '../staff/staff.testkit.js';
import { CHROME, customerBrowser, FIREFOX, inboxFor, lastCode, signUp } from './identity.testkit.js';
import { customerTexts } from './messages.js';

/** The tests' requests name no language, so customers are written to in the default, uz-Cyrl. */
const SUBJECT = (key: keyof typeof customerTexts) => customerTexts[key]['uz-Cyrl'].subject;

const EMAIL = 'dilnoza@example.uz';
const PASSWORD = 'qovun-pishdi 2026!';

/** Every way a password could ride in a request body. */
function encodings(password: string): string[] {
  const b = Buffer.from(password, 'utf8');
  return [
    password,
    encodeURIComponent(password),
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
  ];
}

describe.each(databaseKinds())('customer identity over HTTP on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => t.close());

  it('signs up, signs in, lists and ends sessions, signs out, and no request ever carries the password (§1)', async () => {
    const b = customerBrowser(t.app);
    const created = await signUp(t, b, EMAIL, PASSWORD);
    expect(created.statusCode).toBe(201);
    expect(b.jar.mxf_session).toBeDefined();
    const cookie = created.cookies.find((c) => c.name === 'mxf_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

    const profile = await b.call('GET', '/v1/me/profile');
    expect(profile.json().profile).toMatchObject({ email: EMAIL, emailVerified: true, status: 'active' });

    const other = customerBrowser(t.app, FIREFOX);
    clock.advance(1_000);
    expect((await other.signin(EMAIL, PASSWORD)).statusCode).toBe(200);
    const sessions = (await b.call('GET', '/v1/me/sessions')).json().sessions;
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s: { device: string }) => s.device).sort()).toEqual([
      'Chrome on Windows',
      'Firefox on Linux',
    ]);
    expect(sessions.find((s: { current: boolean }) => s.current).device).toBe('Chrome on Windows');

    const history = (await b.call('GET', '/v1/me/signins')).json().signins;
    expect(history.map((h: { result: string }) => h.result)).toEqual(['success', 'success']);
    expect(history[0]).toMatchObject({ device: 'Firefox on Linux', method: 'password', newDevice: true });

    expect((await b.call('POST', '/v1/me/sessions/end-others')).json()).toEqual({ ended: 1 });
    expect((await other.call('GET', '/v1/me/profile')).statusCode).toBe(401);

    expect((await b.call('POST', '/v1/signout')).statusCode).toBe(204);
    expect((await b.call('GET', '/v1/me/profile')).statusCode).toBe(401);

    for (const body of [...b.sent, ...other.sent])
      for (const form of encodings(PASSWORD)) expect(body).not.toContain(form);
  });

  it('answers sign-up, sign-in and reset alike whether or not the account exists, and mails the owner instead of a code', async () => {
    await signUp(t, customerBrowser(t.app), EMAIL, PASSWORD);
    const b = customerBrowser(t.app);
    for (const path of ['/v1/signup/start', '/v1/reset/start']) {
      const known = await b.call('POST', path, { contact: EMAIL });
      const unknown = await b.call('POST', path, { contact: 'nobody@example.uz' });
      expect(known.statusCode).toBe(unknown.statusCode);
      expect(Object.keys(known.json())).toEqual(Object.keys(unknown.json()));
      expect(known.body.length).toBe(unknown.body.length);
    }
    const known = await b.startSignin(EMAIL, 'wrong password');
    const unknown = await b.startSignin('nobody@example.uz', PASSWORD);
    expect(known.res.statusCode).toBe(200);
    expect(unknown.res.statusCode).toBe(200);
    expect(known.res.body.length).toBe(unknown.res.body.length);

    const mails = await inboxFor(t, EMAIL);
    expect(mails.map((m) => m.subject)).toContain(SUBJECT('alreadyRegistered'));
    // The "already registered" mail carries no code that would finish a sign-up.
    const already = mails.find((m) => m.subject === SUBJECT('alreadyRegistered'));
    expect(already?.text).not.toMatch(/\b\d{6}\b/);
    // An address without an account gets a code to sign up, and nothing for a reset.
    const nobody = await inboxFor(t, 'nobody@example.uz');
    expect(nobody.map((m) => m.subject.replace(/\d{6}/, 'NNNNNN'))).toEqual(['maxfiy коди: NNNNNN']);
  });

  it('takes a phone number of 8 to 15 digits, not starting with 0, and refuses anything else before a code is sent', async () => {
    const b = customerBrowser(t.app);
    const outbox = async () =>
      (await t.services.database.db.selectFrom('outbox').select('id').execute()).length;
    const before = await outbox();
    for (const contact of [
      '1 - - - - - -',
      '+1234567',
      '+0998 90 123 45 67',
      '+1 234 567 890 123 456',
      '(--) 12',
    ]) {
      const res = await b.call('POST', '/v1/signup/start', { contact });
      expect([contact, res.statusCode, res.json().error.code]).toEqual([contact, 400, 'MXF_REQUEST_INVALID']);
    }
    expect(await outbox()).toBe(before);
    for (const contact of ['+998 (90) 123-45-67', '998901234567', '+1 234 567 8901'])
      expect((await b.call('POST', '/v1/signup/start', { contact })).statusCode, contact).toBe(202);
  });

  it('counts one mailbox once against the send limit, however its domain is written', async () => {
    const statuses: number[] = [];
    for (const contact of ['victim@пример.uz', 'victim@xn--e1afmkfd.uz', 'Victim@ПРИМЕР.uz.'])
      for (let i = 0; i < 2; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/signup/start',
          payload: { contact },
          remoteAddress: `10.0.0.${statuses.length + 1}`,
        });
        statuses.push(res.statusCode);
      }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const mails = await t.services.database.db.selectFrom('outbox').select('topic').execute();
    expect(mails.filter((m) => m.topic === 'mail.send')).toHaveLength(5);
  });

  it('signs in an account whose address was stored with its punycode domain, as it was typed', async () => {
    const contact = 'dilnoza@xn--e1afmkfd.uz';
    const b = customerBrowser(t.app);
    const start = await b.call('POST', '/v1/signup/start', { contact });
    // The mail reaches the mailbox itself, its domain in Unicode.
    const code = await lastCode(t, 'dilnoza@пример.uz');
    expect((await b.register('signup', start.json().verificationId, code, PASSWORD)).statusCode).toBe(201);
    // Its blind index is of the form it was typed in: that form still finds it.
    expect((await customerBrowser(t.app).signin(contact, PASSWORD)).statusCode).toBe(200);
  });

  it('keeps the owner’s own browser signing in while someone else keeps the account’s sign-in count waiting', async () => {
    const owner = customerBrowser(t.app);
    expect((await signUp(t, owner, EMAIL, PASSWORD)).statusCode).toBe(201);
    expect(owner.jar.mxf_device).toEqual(expect.any(String));
    await opaque.ready;
    const junk = opaque.client.startLogin({ password: 'not the password' }).startLoginRequest;
    // From elsewhere, a start for the account whenever the wait allows: no password needed.
    const startsUntilAllowed = async () => {
      for (;;) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/signin/start',
          payload: { contact: EMAIL, startLoginRequest: junk },
          remoteAddress: '198.51.100.7',
        });
        if (res.statusCode === 200) return;
        clock.advance((res.json().error.retryAfter as number) * 1000);
      }
    };
    for (let i = 0; i < 8; i++) await startsUntilAllowed();
    // A browser the account has never used waits, as it should while the account is under attack.
    const stranger = await customerBrowser(t.app, FIREFOX).startSignin(EMAIL, PASSWORD);
    expect([stranger.res.statusCode, stranger.res.json().error?.code]).toEqual([
      429,
      'MXF_IDENTITY_THROTTLED',
    ]);
    // The owner's own browser, known by its device cookie, signs in at once.
    expect((await owner.signin(EMAIL, PASSWORD)).statusCode).toBe(200);
    // After a compromise report no browser is known: the one that signed in may be the intruder's.
    expect((await owner.call('POST', '/v1/me/compromise')).statusCode).toBe(200);
    await startsUntilAllowed();
    const after = await owner.startSignin(EMAIL, PASSWORD);
    expect([after.res.statusCode, after.res.json().error?.code]).toEqual([429, 'MXF_IDENTITY_THROTTLED']);
  });

  it('refuses wrong, reused, expired and exhausted codes with one catalogued error, counting each try', async () => {
    const b = customerBrowser(t.app);
    const start = await b.call('POST', '/v1/signup/start', { contact: EMAIL });
    const id = start.json().verificationId;
    const code = await lastCode(t, EMAIL);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await b.register('signup', id, wrong, PASSWORD);
      expect(res.json().error.code).toBe('MXF_IDENTITY_CODE_INVALID');
    }
    // Five tries spent: the right code no longer works.
    expect((await b.register('signup', id, code, PASSWORD)).json().error.code).toBe(
      'MXF_IDENTITY_CODE_INVALID',
    );

    const again = await b.call('POST', '/v1/signup/start', { contact: 'other@example.uz' });
    const code2 = await lastCode(t, 'other@example.uz');
    clock.advance(10 * 60_000);
    const late = await b.register('signup', again.json().verificationId, code2, PASSWORD);
    expect(late.json().error.code).toBe('MXF_IDENTITY_CODE_INVALID');
    const customers = await t.services.database.db.selectFrom('customers').selectAll().execute();
    expect(customers).toEqual([]);
  });

  it('sends a new-device notice with a "this wasn\'t me" link; the link ends every session, blocks password sign-in until a reset, and opens one incident security staff see (§6)', async () => {
    const first = customerBrowser(t.app, CHROME);
    await signUp(t, first, EMAIL, PASSWORD);
    const thief = customerBrowser(t.app, FIREFOX);
    expect((await thief.signin(EMAIL, PASSWORD)).statusCode).toBe(200);

    const notice = (await inboxFor(t, EMAIL)).find((m) => m.subject === SUBJECT('newDevice'));
    expect(notice?.text).toContain('Firefox (Linux)');
    const token = notice?.text.match(/compromise\?token=([A-Za-z0-9_-]{43})/)?.[1] ?? '';
    expect(token).not.toBe('');
    const notices = (await first.call('GET', '/v1/me/notices')).json().notices;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'new-device', device: 'Firefox on Linux' });
    // The same browser again is not new.
    expect((await thief.signin(EMAIL, PASSWORD)).statusCode).toBe(200);
    expect((await first.call('GET', '/v1/me/notices')).json().notices).toHaveLength(1);

    const anonymous = customerBrowser(t.app);
    const reported = await anonymous.call('POST', '/v1/compromise', { token });
    expect(reported.statusCode).toBe(200);
    expect(reported.json()).toMatchObject({ sessionsEnded: 3, opened: true });
    expect((await first.call('GET', '/v1/me/profile')).statusCode).toBe(401);
    expect((await thief.call('GET', '/v1/me/profile')).statusCode).toBe(401);

    const reused = await anonymous.call('POST', '/v1/compromise', { token });
    expect(reused.json().error.code).toBe('MXF_IDENTITY_LINK_INVALID');
    const forged = await anonymous.call('POST', '/v1/compromise', { token: 'A'.repeat(43) });
    expect(forged.json().error.code).toBe('MXF_IDENTITY_LINK_INVALID');

    const blocked = await thief.signin(EMAIL, PASSWORD);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('MXF_IDENTITY_SIGNIN_BLOCKED');

    const told = await inboxFor(t, EMAIL);
    expect(told.map((m) => m.subject)).toContain(SUBJECT('compromiseDone'));
    const security = await inboxFor(t, 'security@localhost');
    expect(security).toHaveLength(1);
    expect(security[0]?.text).not.toContain(EMAIL);

    // Security staff see the incident; other roles do not.
    const admin = staffBrowser(t.app, { now: () => clock.now() });
    const setup = await admin.setUpAdmin(
      tokenOf(await t.services.staff.ensureSetupLink()),
      'admin@cdti.uz',
      'staff password 1',
    );
    const incidents = await t.app.inject({ url: '/v1/incidents', headers: { cookie: sessionCookie(setup) } });
    expect(incidents.statusCode).toBe(200);
    expect(incidents.json().incidents).toEqual([
      expect.objectContaining({
        id: reported.json().incidentId,
        kind: 'compromise-report',
        source: 'link',
        status: 'open',
      }),
    ]);
    expect((await t.app.inject({ url: '/v1/incidents' })).statusCode).toBe(401);

    // A reset through the verified e-mail lifts the block.
    const reset = await anonymous.call('POST', '/v1/reset/start', { contact: EMAIL });
    const code = await lastCode(t, EMAIL);
    expect(
      (await anonymous.register('reset', reset.json().verificationId, code, 'new password 2026')).statusCode,
    ).toBe(204);
    // The old password no longer opens the record: the browser itself finds it wrong.
    expect((await anonymous.startSignin(EMAIL, PASSWORD)).finishRequest).toBeUndefined();
    expect((await anonymous.signin(EMAIL, 'new password 2026')).statusCode).toBe(200);
  });

  it('takes a compromise report from the cabinet, and a repeat changes nothing more (idempotent)', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const first = await b.call('POST', '/v1/me/compromise');
    expect(first.json()).toMatchObject({ sessionsEnded: 1, opened: true });
    expect((await b.call('GET', '/v1/me/profile')).statusCode).toBe(401);
    // The customer cannot sign in with the password to repeat it, so the service is called as a second tab would.
    const subjectId =
      first.json().incidentId &&
      (await t.services.database.db.selectFrom('customers').select('subject_id').executeTakeFirstOrThrow())
        .subject_id;
    const again = await t.services.identity.reportCompromise({
      subjectId,
      sessionId: 'a second tab',
      authenticatedAt: clock.now(),
    });
    expect(again).toEqual({ incidentId: first.json().incidentId, sessionsEnded: 0, opened: false });
    const incidents = await t.services.database.db.selectFrom('incidents').selectAll().execute();
    expect(incidents).toHaveLength(1);
    expect(await inboxFor(t, 'security@localhost')).toHaveLength(1);
    const outbox = await t.services.database.db
      .selectFrom('outbox')
      .select('topic')
      .where('topic', '=', 'identity.compromised')
      .execute();
    expect(outbox).toHaveLength(1);
  });

  it('refuses forged, replayed and expired OPAQUE messages with one catalogued error, and records the failure in the history', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const attacker = customerBrowser(t.app, FIREFOX);
    const other = await attacker.startSignin(EMAIL, PASSWORD);
    const wrong = await attacker.startSignin(EMAIL, 'not the password');
    expect(wrong.finishRequest).toBeUndefined();
    // A proof made for another login does not finish this one.
    const forged = await attacker.call('POST', '/v1/signin/finish', {
      loginId: wrong.loginId,
      finishLoginRequest: other.finishRequest,
    });
    const replay = await attacker.call('POST', '/v1/signin/finish', {
      loginId: wrong.loginId,
      finishLoginRequest: other.finishRequest,
    });
    const late = await attacker.startSignin(EMAIL, PASSWORD);
    clock.advance(2 * 60_000);
    const expired = await attacker.call('POST', '/v1/signin/finish', {
      loginId: late.loginId,
      finishLoginRequest: late.finishRequest,
    });
    const garbage = await attacker.call('POST', '/v1/signin/start', {
      contact: EMAIL,
      startLoginRequest: 'A'.repeat(128),
    });
    for (const res of [forged, replay, expired]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('MXF_IDENTITY_SIGNIN_FAILED');
      expect(res.cookies.filter((c) => c.name === 'mxf_session')).toEqual([]);
    }
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().error.code).toBe('MXF_REQUEST_INVALID');
    const signins = await t.services.database.db.selectFrom('signin_history').select('result').execute();
    expect(signins.map((s) => s.result).sort()).toEqual(['failed', 'failed', 'success']);
    expect(await t.services.database.db.selectFrom('customer_sessions').selectAll().execute()).toHaveLength(
      1,
    );
  });
});
