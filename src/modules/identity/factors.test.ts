import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { shippedRegister } from '../decisions/decisions.testkit.js';
import { CHALLENGE_TTL_MS } from '../factors/factors.service.js';
import { softAuthenticator } from '../factors/factors.testkit.js';
import { totpCode } from '../staff/staff.factors.testkit.js';
import {
  addStaffDirectly,
  sessionCookie,
  browser as staffBrowser,
  TEST_KEY_STRETCHING,
  tokenOf,
} from '../staff/staff.testkit.js';
import { STEP_UP_MS } from './account.js';
import { CHROME, customerBrowser, FIREFOX, inboxFor, lastCode, signUp } from './identity.testkit.js';
import { customerTexts } from './messages.js';
import { REPORT_LINK_TTL_MS } from './report-links.js';

const EMAIL = 'dilnoza@example.uz';
const PASSWORD = 'qovun-pishdi 2026!';
const RP = { id: 'localhost', origin: 'http://localhost:8080' };
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

type Browser = ReturnType<typeof customerBrowser>;
type PasskeyOf = ReturnType<ReturnType<typeof softAuthenticator>['register']>['passkey'];
const errorOf = (res: { json(): { error?: { code?: string } } }) => res.json().error?.code;

describe.each(databaseKinds())('customer passkeys, authenticator app and step-up on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => t.close());

  const count = async (table: 'customer_sessions' | 'auth_factors' | 'recovery_codes') =>
    (await t.services.database.db.selectFrom(table).selectAll().execute()).length;

  /** Enrols the authenticator app in `b`'s session; the code shown while enrolling is spent. */
  async function enrolTotp(b: Browser) {
    const started = await b.call('POST', '/v1/me/factors/totp/start', {});
    expect(started.statusCode).toBe(200);
    const { enrolmentId, secret, otpauthUri } = started.json();
    // The authenticator app shows the masked contact, never the address.
    expect(otpauthUri).toContain('maxfiy:d%E2%80%A2%E2%80%A2%E2%80%A2%40example.uz');
    expect(otpauthUri).not.toContain('dilnoza');
    const finished = await b.call('POST', '/v1/me/factors/totp/finish', {
      enrolmentId,
      code: totpCode(secret, clock.now()),
    });
    expect(finished.statusCode).toBe(201);
    return { secret: secret as string, recoveryCodes: finished.json().recoveryCodes as string[] };
  }

  async function passwordThen(b: Browser, code: string) {
    // A second apart, so the history's order is the order of events.
    clock.advance(1_000);
    const first = await b.signin(EMAIL, PASSWORD);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ secondFactor: 'totp', challengeId: expect.any(String) });
    expect(first.cookies.filter((c) => c.name === 'mxf_session')).toEqual([]);
    return b.call('POST', '/v1/signin/totp', { challengeId: first.json().challengeId, code });
  }

  async function registerPasskey(b: Browser, authn: ReturnType<typeof softAuthenticator>) {
    const reg = (await b.call('POST', '/v1/me/factors/passkeys/register/start', {})).json();
    expect(reg.options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(reg.options.user.name).toBe('d•••@example.uz');
    const { passkey, response } = authn.register(reg.options);
    const added = await b.call('POST', '/v1/me/factors/passkeys/register/finish', {
      challengeId: reg.challengeId,
      response,
      label: 'Phone',
    });
    expect(added.statusCode).toBe(201);
    return passkey;
  }

  async function history(b: Browser) {
    const signins = (await b.call('GET', '/v1/me/signins')).json().signins as {
      method: string;
      result: string;
      newDevice: boolean;
    }[];
    return signins.map((s) => [s.method, s.result, s.newDevice]).reverse();
  }

  it('asks for the authenticator app after the password; a wrong code is counted, a recovery code works once', async () => {
    const b = customerBrowser(t.app, CHROME);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret, recoveryCodes } = await enrolTotp(b);
    expect(recoveryCodes).toHaveLength(10);
    const listed = (await b.call('GET', '/v1/me/factors')).json();
    expect(listed).toEqual({ totp: true, totpId: expect.any(String), passkeys: [], recoveryCodesLeft: 10 });

    const other = customerBrowser(t.app, FIREFOX);
    const wrong = await passwordThen(other, totpCode(secret, clock.now() + 10 * 30_000));
    expect([wrong.statusCode, errorOf(wrong)]).toEqual([401, 'MXF_FACTOR_CODE_INVALID']);
    expect(other.jar.mxf_session).toBeUndefined();

    clock.advance(30_000);
    const signedIn = await passwordThen(other, totpCode(secret, clock.now()));
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toEqual({ customer: { subjectId: expect.any(String) } });
    expect((await other.call('GET', '/v1/me/profile')).statusCode).toBe(200);

    const third = customerBrowser(t.app, SAFARI);
    const recovery = recoveryCodes[2] ?? '';
    expect((await passwordThen(third, recovery.toUpperCase())).statusCode).toBe(200);
    const spent = await passwordThen(customerBrowser(t.app, SAFARI), recovery);
    expect(errorOf(spent)).toBe('MXF_FACTOR_CODE_INVALID');
    expect((await b.call('GET', '/v1/me/factors')).json().recoveryCodesLeft).toBe(9);

    expect(await history(b)).toEqual([
      ['password', 'success', false],
      ['password+totp', 'failed', false],
      ['password+totp', 'success', true],
      ['password+recovery-code', 'success', true],
      ['password+totp', 'failed', false],
    ]);
    // New-device notices for the two new browsers that got in.
    const notices = (await inboxFor(t, EMAIL)).filter(
      (m) => m.subject === customerTexts.newDevice['uz-Cyrl'].subject,
    );
    expect(
      notices.map((m) => m.text.includes('Firefox (Linux)') || m.text.includes('Safari (macOS)')),
    ).toEqual([true, true]);
    const audit = JSON.stringify(
      await t.services.database.db.selectFrom('audit_entries').selectAll().execute(),
    );
    expect(audit).not.toContain(recovery);
    expect(audit).not.toContain(secret);
  });

  it('ends a pending second step after five wrong codes and refuses forged and expired challenges with nothing changed', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret } = await enrolTotp(b);
    clock.advance(30_000);
    const other = customerBrowser(t.app, FIREFOX);
    const first = (await other.signin(EMAIL, PASSWORD)).json();
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++)
      codes.push(
        errorOf(
          await other.call('POST', '/v1/signin/totp', { challengeId: first.challengeId, code: '000000' }),
        ),
      );
    expect(codes).toEqual([...Array(5).fill('MXF_FACTOR_CODE_INVALID'), 'MXF_FACTOR_CHALLENGE_INVALID']);
    // Each wrong code counted against the account like a failed sign-in: the next sign-in waits.
    const throttled = await other.call('POST', '/v1/signin/start', {
      contact: EMAIL,
      startLoginRequest: opaque.client.startLogin({ password: PASSWORD }).startLoginRequest,
    });
    expect([throttled.statusCode, errorOf(throttled)]).toEqual([429, 'MXF_IDENTITY_THROTTLED']);
    clock.advance(60_000);

    const sessions = await count('customer_sessions');
    const forged = await other.call('POST', '/v1/signin/totp', {
      challengeId: 'A'.repeat(43),
      code: totpCode(secret, clock.now()),
    });
    expect([forged.statusCode, errorOf(forged)]).toEqual([400, 'MXF_FACTOR_CHALLENGE_INVALID']);
    const late = (await other.signin(EMAIL, PASSWORD)).json();
    clock.advance(CHALLENGE_TTL_MS);
    const expired = await other.call('POST', '/v1/signin/totp', {
      challengeId: late.challengeId,
      code: totpCode(secret, clock.now()),
    });
    expect([expired.statusCode, errorOf(expired)]).toEqual([400, 'MXF_FACTOR_CHALLENGE_INVALID']);
    const garbage = await other.call('POST', '/v1/signin/totp', { challengeId: 'short', code: '123456' });
    expect(errorOf(garbage)).toBe('MXF_REQUEST_INVALID');
    const authn = softAuthenticator(RP);
    const stranger = authn.register({ challenge: 'x', user: { id: 'y' } }).passkey;
    const forgedPasskey = await other.call('POST', '/v1/signin/passkey/finish', {
      challengeId: 'B'.repeat(43),
      response: authn.assert(stranger, { challenge: 'B'.repeat(43) }),
    });
    expect([forgedPasskey.statusCode, errorOf(forgedPasskey)]).toEqual([400, 'MXF_FACTOR_CHALLENGE_INVALID']);
    expect(await count('customer_sessions')).toBe(sessions);
    expect(other.jar.mxf_session).toBeUndefined();
  });

  it('registers a passkey and signs in with it alone (first-class); a replayed assertion is a catalogued error', async () => {
    const authn = softAuthenticator(RP);
    const b = customerBrowser(t.app, CHROME);
    await signUp(t, b, EMAIL, PASSWORD);
    const passkey = await registerPasskey(b, authn);
    const listed = (await b.call('GET', '/v1/me/factors')).json();
    expect(listed).toMatchObject({ totp: false, totpId: null, recoveryCodesLeft: 0 });
    expect(listed.passkeys).toEqual([
      { id: expect.any(String), name: 'Phone', createdAt: clock.now(), lastUsedAt: null },
    ]);

    const phone = customerBrowser(t.app, SAFARI);
    clock.advance(1_000);
    const start = (await phone.call('POST', '/v1/signin/passkey/start', {})).json();
    expect(start.options.userVerification).toBe('required');
    const assertion = authn.assert(passkey, start.options);
    const signedIn = await phone.call('POST', '/v1/signin/passkey/finish', {
      challengeId: start.challengeId,
      response: assertion,
    });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().customer.subjectId).toBe(
      (await b.call('GET', '/v1/me/profile')).json().profile.subjectId,
    );
    expect((await phone.call('GET', '/v1/me/profile')).statusCode).toBe(200);

    const sessions = await count('customer_sessions');
    const replay = await customerBrowser(t.app).call('POST', '/v1/signin/passkey/finish', {
      challengeId: start.challengeId,
      response: assertion,
    });
    expect([replay.statusCode, errorOf(replay)]).toEqual([400, 'MXF_FACTOR_CHALLENGE_INVALID']);
    // A fresh challenge, but the authenticator's counter did not move: a cloned key.
    clock.advance(1_000);
    const next = (await phone.call('POST', '/v1/signin/passkey/start', {})).json();
    const cloned = await phone.call('POST', '/v1/signin/passkey/finish', {
      challengeId: next.challengeId,
      response: authn.assert(passkey, next.options, { counter: passkey.counter }),
    });
    expect([cloned.statusCode, errorOf(cloned)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);
    // An assertion for another origin.
    clock.advance(1_000);
    const again = (await phone.call('POST', '/v1/signin/passkey/start', {})).json();
    const phished = await phone.call('POST', '/v1/signin/passkey/finish', {
      challengeId: again.challengeId,
      response: authn.assert(passkey, again.options, { origin: 'https://evil.example' }),
    });
    expect(errorOf(phished)).toBe('MXF_FACTOR_PASSKEY_INVALID');
    expect(await count('customer_sessions')).toBe(sessions);

    expect(await history(b)).toEqual([
      ['password', 'success', false],
      ['passkey', 'success', true],
      ['passkey', 'failed', false],
      ['passkey', 'failed', false],
    ]);
    const notices = (await b.call('GET', '/v1/me/notices')).json().notices;
    expect(notices).toEqual([expect.objectContaining({ kind: 'new-device', device: 'Safari on macOS' })]);

    // After a compromise report from the cabinet the passkey opens nothing: it was removed with every factor.
    await b.call('POST', '/v1/me/compromise');
    const blockedStart = (await phone.call('POST', '/v1/signin/passkey/start', {})).json();
    const blocked = await phone.call('POST', '/v1/signin/passkey/finish', {
      challengeId: blockedStart.challengeId,
      response: authn.assert(passkey, blockedStart.options),
    });
    expect([blocked.statusCode, errorOf(blocked)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);
  });

  /** A reset through the verified e-mail, from a browser of its own. */
  async function resetTo(password: string) {
    const anonymous = customerBrowser(t.app);
    const reset = await anonymous.call('POST', '/v1/reset/start', { contact: EMAIL });
    const code = await lastCode(t, EMAIL);
    expect((await anonymous.register('reset', reset.json().verificationId, code, password)).statusCode).toBe(
      204,
    );
  }

  /** A sign-in with `passkey` alone, from a browser of its own. */
  async function passkeySignin(authn: ReturnType<typeof softAuthenticator>, passkey: PasskeyOf) {
    clock.advance(1_000);
    const device = customerBrowser(t.app, SAFARI);
    const start = (await device.call('POST', '/v1/signin/passkey/start', {})).json();
    return device.call('POST', '/v1/signin/passkey/finish', {
      challengeId: start.challengeId,
      response: authn.assert(passkey, start.options),
    });
  }

  it('removes every factor and recovery code on a report from the cabinet; the reset then signs in with the password alone', async () => {
    const authn = softAuthenticator(RP);
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    await enrolTotp(b);
    const mine = await registerPasskey(b, authn);
    // Someone in the account adds a passkey of their own.
    const theirs = await registerPasskey(b, authn);
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual([3, 10]);

    const reported = await b.call('POST', '/v1/me/compromise');
    expect(reported.statusCode).toBe(200);
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual([0, 0]);
    const entry = await t.services.database.db
      .selectFrom('audit_entries')
      .select('details')
      .where('action', '=', 'customer.compromise.reported')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(entry.details as string)).toMatchObject({ factorsRemoved: 3, grantsEnded: 0 });

    await resetTo('new password 2026');
    for (const passkey of [theirs, mine]) {
      const refused = await passkeySignin(authn, passkey);
      expect([refused.statusCode, errorOf(refused)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);
    }
    const back = await b.signin(EMAIL, 'new password 2026');
    expect([back.statusCode, back.json()]).toEqual([200, { customer: { subjectId: expect.any(String) } }]);
    // In the customer's language (Uzbek in Cyrillic by default), the mail says what was done.
    const mail = (await inboxFor(t, EMAIL)).find(
      (m) => m.subject === customerTexts.compromiseDone['uz-Cyrl'].subject,
    );
    expect(mail?.text).toContain('аутентификатор иловани ўчирдик');
  });

  it('removes, on a report by the new-device link, only what was added since that sign-in: the customer’s own app still guards the account', async () => {
    const authn = softAuthenticator(RP);
    const b = customerBrowser(t.app, CHROME);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret } = await enrolTotp(b);
    const mine = await registerPasskey(b, authn);

    // A week on, when the notices of those two have closed, someone with the password and a code signs in from
    // another device, adds a passkey and takes new recovery codes.
    clock.advance(REPORT_LINK_TTL_MS + 60_000);
    const thief = customerBrowser(t.app, FIREFOX);
    expect((await passwordThen(thief, totpCode(secret, clock.now()))).statusCode).toBe(200);
    const theirs = await registerPasskey(thief, authn);
    expect((await thief.call('POST', '/v1/me/factors/recovery-codes', {})).statusCode).toBe(200);
    const notice = (await inboxFor(t, EMAIL)).find(
      (m) => m.subject === customerTexts.newDevice['uz-Cyrl'].subject,
    );
    const token = notice?.text.match(/compromise\?token=([A-Za-z0-9_-]{43})/)?.[1] ?? '';
    expect(token).not.toBe('');

    const reported = await customerBrowser(t.app).call('POST', '/v1/compromise', { token });
    expect(reported.statusCode).toBe(200);
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual([2, 0]);
    // The passkey kept opens nothing until the reset.
    const blocked = await passkeySignin(authn, mine);
    expect([blocked.statusCode, errorOf(blocked)]).toEqual([403, 'MXF_IDENTITY_SIGNIN_BLOCKED']);

    await resetTo('new password 2026');
    const refused = await passkeySignin(authn, theirs);
    expect([refused.statusCode, errorOf(refused)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);
    expect((await passkeySignin(authn, mine)).statusCode).toBe(200);
    // Holding the mailbox was not enough: the password still asks for the customer's own app.
    clock.advance(30_000);
    const first = await b.signin(EMAIL, 'new password 2026');
    expect(first.json()).toEqual({ secondFactor: 'totp', challengeId: expect.any(String) });
  });

  it('keeps the customer’s factors on a report from an old session, and refuses a factor whose enrolment ends after a report', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret } = await enrolTotp(b);
    // Past the app's notice, signed in again, and then past the step-up window: the session proves no factor now.
    clock.advance(REPORT_LINK_TTL_MS + 60_000);
    expect((await passwordThen(b, totpCode(secret, clock.now()))).statusCode).toBe(200);
    const profile = (await b.call('GET', '/v1/me/profile')).json().profile;
    clock.advance(STEP_UP_MS + 1);
    expect((await b.call('GET', '/v1/me/profile')).statusCode).toBe(200);
    expect((await b.call('POST', '/v1/me/compromise')).statusCode).toBe(200);
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual([1, 10]);

    // An enrolment started before a report and finished after it: its session is gone and the account blocked.
    await resetTo('new password 2026');
    clock.advance(30_000);
    const first = await b.signin(EMAIL, 'new password 2026');
    const code = totpCode(secret, clock.now());
    await b.call('POST', '/v1/signin/totp', { challengeId: first.json().challengeId, code });
    const started = (await b.call('POST', '/v1/me/factors/passkeys/register/start', {})).json();
    expect(started.challengeId).toEqual(expect.any(String));
    const principal = { subjectId: profile.subjectId, sessionId: 'gone', authenticatedAt: clock.now() };
    expect((await b.call('POST', '/v1/me/compromise')).statusCode).toBe(200);
    const authn = softAuthenticator(RP);
    const { response } = authn.register(started.options);
    await expect(
      t.services.identity.factors.finishPasskeyRegistration(principal, {
        challengeId: started.challengeId,
        response,
      }),
    ).rejects.toMatchObject({ code: 'MXF_AUTH_REQUIRED' });
    // That report came from a recent sign-in: it took the app too, and no passkey came after it.
    expect(await count('auth_factors')).toBe(0);
  });

  it('adds no factor from a session a password reset ended while the enrolment was on its way', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    // Whoever knew the old password starts enrolling their own authenticator app and passkey.
    const principal = await t.services.identity.authenticate(b.jar.mxf_session);
    if (!principal) throw new Error('no session');
    const totp = await t.services.identity.factors.startTotp(principal);
    const passkey = (await b.call('POST', '/v1/me/factors/passkeys/register/start', {})).json();
    // The customer takes the account back; the account stays active, the old session is ended.
    await resetTo('new password 2026');
    await expect(
      t.services.identity.factors.finishTotp(principal, {
        enrolmentId: totp.enrolmentId,
        code: totpCode(totp.secret, clock.now()),
      }),
    ).rejects.toMatchObject({ code: 'MXF_AUTH_REQUIRED' });
    const { response } = softAuthenticator(RP).register(passkey.options);
    await expect(
      t.services.identity.factors.finishPasskeyRegistration(principal, {
        challengeId: passkey.challengeId,
        response,
      }),
    ).rejects.toMatchObject({ code: 'MXF_AUTH_REQUIRED' });
    expect(await count('auth_factors')).toBe(0);
  });

  it('moves no contact for a session a password reset ended while the change was on its way', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const principal = await t.services.identity.authenticate(b.jar.mxf_session);
    if (!principal) throw new Error('no session');
    // Whoever knew the old password asks to move the e-mail to an address of theirs.
    const { verificationId } = await t.services.identity.startContactChange(
      principal,
      'intruder@example.uz',
      undefined,
    );
    const code = await lastCode(t, 'intruder@example.uz');
    await resetTo('new password 2026');
    await expect(
      t.services.identity.finishContactChange(principal, verificationId, code, undefined),
    ).rejects.toMatchObject({ code: 'MXF_AUTH_REQUIRED' });
    const fresh = customerBrowser(t.app);
    expect((await fresh.signin(EMAIL, 'new password 2026')).statusCode).toBe(200);
    expect((await fresh.call('GET', '/v1/me/profile')).json().profile.email).toBe(EMAIL);
  });

  it('voids a sign-in begun with the old password once the password is reset, at either step', async () => {
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    // Someone with the password begins a sign-in and stops at the proof, ready to finish it later.
    const waiting = customerBrowser(t.app, FIREFOX);
    const begun = await waiting.startSignin(EMAIL, PASSWORD);
    expect(begun.loginId).toEqual(expect.any(String));
    await resetTo('new password 2026');
    const late = await waiting.call('POST', '/v1/signin/finish', {
      loginId: begun.loginId,
      finishLoginRequest: begun.finishRequest,
    });
    expect([late.statusCode, errorOf(late)]).toEqual([401, 'MXF_IDENTITY_SIGNIN_FAILED']);
    expect(waiting.jar.mxf_session).toBeUndefined();

    // With the authenticator app: the password's step done, the code's step pending across a reset.
    const signedIn = customerBrowser(t.app);
    expect((await signedIn.signin(EMAIL, 'new password 2026')).statusCode).toBe(200);
    const { secret } = await enrolTotp(signedIn);
    clock.advance(30_000);
    const pending = (await waiting.signin(EMAIL, 'new password 2026')).json();
    expect(pending).toEqual({ secondFactor: 'totp', challengeId: expect.any(String) });
    await resetTo('newer password 2026');
    const sessions = await count('customer_sessions');
    const code = await waiting.call('POST', '/v1/signin/totp', {
      challengeId: pending.challengeId,
      code: totpCode(secret, clock.now()),
    });
    expect([code.statusCode, errorOf(code)]).toEqual([401, 'MXF_IDENTITY_SIGNIN_FAILED']);
    expect(await count('customer_sessions')).toBe(sessions);
    // The customer's own sign-in with the new password and the app goes on as before.
    clock.advance(30_000);
    const mine = (await b.signin(EMAIL, 'newer password 2026')).json();
    const opened = await b.call('POST', '/v1/signin/totp', {
      challengeId: mine.challengeId,
      code: totpCode(secret, clock.now()),
    });
    expect(opened.statusCode).toBe(200);
  });

  it('mails a report link when a factor is added; the link removes that factor and what came after it, not what came before', async () => {
    const authn = softAuthenticator(RP);
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret } = await enrolTotp(b);
    // A week on, when the app's notice has closed, the customer signs in again and adds a passkey.
    clock.advance(REPORT_LINK_TTL_MS + 60_000);
    expect((await passwordThen(b, totpCode(secret, clock.now()))).statusCode).toBe(200);
    const added = await registerPasskey(b, authn);
    const notices = (await inboxFor(t, EMAIL)).filter(
      (m) => m.subject === customerTexts.securityChange['uz-Cyrl'].subject,
    );
    // One for the app, one for the passkey, each naming what was added.
    expect(notices).toHaveLength(2);
    expect(notices.filter((m) => m.text.includes('аутентификатор илова қўшилди'))).toHaveLength(1);
    const passkeyNotice = notices.find((m) => m.text.includes('кириш калити қўшилди'));
    const token = passkeyNotice?.text.match(/compromise\?token=([A-Za-z0-9_-]{43})/)?.[1] ?? '';
    expect(token).not.toBe('');

    const reported = await customerBrowser(t.app).call('POST', '/v1/compromise', { token });
    expect(reported.statusCode).toBe(200);
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual([1, 10]);
    await resetTo('new password 2026');
    const refused = await passkeySignin(authn, added);
    expect([refused.statusCode, errorOf(refused)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);
    // The app added before the reported change still guards the account.
    clock.advance(30_000);
    const first = await b.signin(EMAIL, 'new password 2026');
    expect(first.json()).toEqual({ secondFactor: 'totp', challengeId: expect.any(String) });
    const code = totpCode(secret, clock.now());
    expect(
      (await b.call('POST', '/v1/signin/totp', { challengeId: first.json().challengeId, code })).statusCode,
    ).toBe(200);
  });

  it('needs a recent sign-in for every credential change, and a step-up (password with the app code, or a passkey) renews it', async () => {
    const authn = softAuthenticator(RP);
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const { secret } = await enrolTotp(b);
    const passkey = await registerPasskey(b, authn);
    const factors = (await b.call('GET', '/v1/me/factors')).json();

    clock.advance(STEP_UP_MS + 1);
    const before = [await count('auth_factors'), await count('recovery_codes')];
    for (const [method, url] of [
      ['POST', '/v1/me/factors/totp/start'],
      ['POST', '/v1/me/factors/recovery-codes'],
      ['POST', '/v1/me/factors/passkeys/register/start'],
      ['DELETE', `/v1/me/factors/${factors.totpId}`],
      ['POST', '/v1/me/password/start'],
    ] as const) {
      const body = url.endsWith('password/start')
        ? { registrationRequest: opaque.client.startRegistration({ password: 'x' }).registrationRequest }
        : {};
      const res = await b.call(method, url, method === 'POST' ? body : undefined);
      expect([url, res.statusCode, errorOf(res)]).toEqual([url, 403, 'MXF_IDENTITY_STEP_UP_REQUIRED']);
    }
    expect([await count('auth_factors'), await count('recovery_codes')]).toEqual(before);
    expect((await b.call('GET', '/v1/me/factors')).statusCode).toBe(200);

    // The password alone does not step up an account with an authenticator app.
    const passwordOnly = await reauthMessages(b, PASSWORD);
    const noCode = await b.call('POST', '/v1/me/reauth/finish', passwordOnly);
    expect([noCode.statusCode, errorOf(noCode)]).toEqual([401, 'MXF_FACTOR_CODE_INVALID']);
    const wrongPassword = await reauthMessages(b, 'not the password');
    expect(wrongPassword.finishLoginRequest).toBeUndefined();
    const withCode = await reauthMessages(b, PASSWORD);
    const stepped = await b.call('POST', '/v1/me/reauth/finish', {
      ...withCode,
      code: totpCode(secret, clock.now()),
    });
    expect(stepped.statusCode).toBe(204);
    const codes = await b.call('POST', '/v1/me/factors/recovery-codes', {});
    expect(codes.json().recoveryCodes).toHaveLength(10);
    const removed = await b.call('DELETE', `/v1/me/factors/${factors.totpId}`);
    expect(removed.statusCode).toBe(204);
    expect((await b.call('GET', '/v1/me/factors')).json()).toMatchObject({
      totp: false,
      recoveryCodesLeft: 0,
    });

    clock.advance(STEP_UP_MS + 1);
    const stale = await b.call('DELETE', `/v1/me/factors/${factors.passkeys[0].id}`);
    expect(errorOf(stale)).toBe('MXF_IDENTITY_STEP_UP_REQUIRED');
    const start = (await b.call('POST', '/v1/me/reauth/passkey/start', {})).json();
    const replayable = authn.assert(passkey, start.options);
    const byPasskey = await b.call('POST', '/v1/me/reauth/passkey/finish', {
      challengeId: start.challengeId,
      response: replayable,
    });
    expect(byPasskey.statusCode).toBe(204);
    const replay = await b.call('POST', '/v1/me/reauth/passkey/finish', {
      challengeId: start.challengeId,
      response: replayable,
    });
    expect(errorOf(replay)).toBe('MXF_FACTOR_CHALLENGE_INVALID');
    expect((await b.call('DELETE', `/v1/me/factors/${factors.passkeys[0].id}`)).statusCode).toBe(204);
    expect(await count('auth_factors')).toBe(0);

    // Another customer's passkey does not step up this session.
    const other = customerBrowser(t.app);
    await signUp(t, other, 'other@example.uz', PASSWORD);
    const theirs = await registerPasskeyFor(other, authn);
    clock.advance(STEP_UP_MS + 1);
    const s2 = (await b.call('POST', '/v1/me/reauth/passkey/start', {})).json();
    const foreign = await b.call('POST', '/v1/me/reauth/passkey/finish', {
      challengeId: s2.challengeId,
      response: authn.assert(theirs, s2.options),
    });
    expect(errorOf(foreign)).toBe('MXF_FACTOR_PASSKEY_INVALID');
    expect(errorOf(await b.call('POST', '/v1/me/factors/totp/start', {}))).toBe(
      'MXF_IDENTITY_STEP_UP_REQUIRED',
    );

    const reauths = await t.services.database.db
      .selectFrom('audit_entries')
      .select('action')
      .where('action', '=', 'customer.reauth')
      .execute();
    expect(reauths).toHaveLength(2);
  });

  async function registerPasskeyFor(b: Browser, authn: ReturnType<typeof softAuthenticator>) {
    const reg = (await b.call('POST', '/v1/me/factors/passkeys/register/start', {})).json();
    const { passkey, response } = authn.register(reg.options);
    await b.call('POST', '/v1/me/factors/passkeys/register/finish', {
      challengeId: reg.challengeId,
      response,
    });
    return passkey;
  }

  /** The OPAQUE messages of a step-up (`finishLoginRequest` undefined when the browser finds the password wrong). */
  async function reauthMessages(b: Browser, password: string) {
    await opaque.ready;
    const client = opaque.client.startLogin({ password });
    const started = await b.call('POST', '/v1/me/reauth/start', {
      startLoginRequest: client.startLoginRequest,
    });
    expect(started.statusCode).toBe(200);
    const { loginId, loginResponse } = started.json();
    const finishLoginRequest = opaque.client.finishLogin({
      clientLoginState: client.clientLoginState,
      loginResponse,
      password,
      keyStretching: TEST_KEY_STRETCHING,
    })?.finishLoginRequest;
    return { loginId, finishLoginRequest };
  }

  it('shows staff customers with masked contacts only, to the roles that need them, page by page', async () => {
    const first = customerBrowser(t.app);
    await signUp(t, first, EMAIL, PASSWORD);
    await enrolTotp(first);
    clock.advance(1_000);
    await signUp(t, customerBrowser(t.app), '+998 90 123 45 67', PASSWORD);
    clock.advance(1_000);
    await signUp(t, customerBrowser(t.app), 'zafar@example.uz', PASSWORD);
    await first.call('PATCH', '/v1/me/profile', { name: 'Dilnoza Karimova' });

    const admin = staffBrowser(t.app, { now: () => clock.now() });
    const setup = await admin.setUpAdmin(
      tokenOf(await t.services.staff.ensureSetupLink()),
      'admin@cdti.uz',
      'staff password 1',
    );
    const adminCookie = sessionCookie(setup);
    const { database, keyring } = t.services;
    const member = (id: string, email: string, roles: ('support' | 'marketing')[]) =>
      addStaffDirectly(database, keyring, { id, email, password: `pw ${email}`, displayName: email, roles });
    await member('00000000-0000-4000-8000-000000000001', 'support@cdti.uz', ['support']);
    await member('00000000-0000-4000-8000-000000000002', 'marketing@cdti.uz', ['marketing']);
    const support = sessionCookie(await admin.login('support@cdti.uz', 'pw support@cdti.uz'));
    const marketing = sessionCookie(await admin.login('marketing@cdti.uz', 'pw marketing@cdti.uz'));
    const get = (url: string, cookie?: string) => t.app.inject({ url, headers: cookie ? { cookie } : {} });

    expect((await get('/v1/customers')).statusCode).toBe(401);
    const refused = await get('/v1/customers', marketing);
    expect([refused.statusCode, errorOf(refused)]).toEqual([403, 'MXF_AUTH_FORBIDDEN']);
    // A customer's own session is no staff session.
    expect((await first.call('GET', '/v1/customers')).statusCode).toBe(401);

    const page1 = await get('/v1/customers?limit=2', support);
    expect(page1.statusCode).toBe(200);
    expect(
      page1
        .json()
        .customers.map((c: { emailMasked: string | null; phoneMasked: string | null }) => [
          c.emailMasked,
          c.phoneMasked,
        ]),
    ).toEqual([
      ['z•••@example.uz', null],
      [null, '+998•••••67'],
    ]);
    const page2 = await get(`/v1/customers?limit=2&cursor=${page1.json().next}`, adminCookie);
    expect(page2.json().next).toBeNull();
    const [dilnoza] = page2.json().customers;
    expect(dilnoza).toEqual({
      id: expect.any(String),
      status: 'active',
      createdAt: expect.any(Number),
      lastSignInAt: expect.any(Number),
      emailMasked: 'd•••@example.uz',
      phoneMasked: null,
      factors: { totp: true, passkeys: 0 },
    });
    for (const res of [page1, page2])
      for (const secret of ['dilnoza', 'zafar', '901234567', 'Karimova'])
        expect(res.body).not.toContain(secret);

    const one = await get(`/v1/customers/${dilnoza.id}`, support);
    expect(one.json()).toEqual({ ...dilnoza, openIncidents: 0, sessions: 1 });
    expect(one.body).not.toContain('Karimova');
    const missing = await get('/v1/customers/00000000-0000-4000-8000-00000000ffff', support);
    expect([missing.statusCode, errorOf(missing)]).toEqual([404, 'MXF_IDENTITY_CUSTOMER_NOT_FOUND']);
    expect(errorOf(await get('/v1/customers?cursor=nope', support))).toBe('MXF_REQUEST_INVALID');

    const viewed = await t.services.database.db
      .selectFrom('audit_entries')
      .select(['action', 'actor'])
      .where('action', 'in', ['customer.viewed', 'customer.list.viewed'])
      .execute();
    expect(viewed.map((v) => v.action).sort()).toEqual([
      'customer.list.viewed',
      'customer.list.viewed',
      'customer.viewed',
    ]);
  });

  it('tells the decision engine of a new customer in the sign-up itself', async () => {
    const decisions = t.services.decisions;
    decisions.engine.setRegister(shippedRegister());
    const b = customerBrowser(t.app);
    await signUp(t, b, EMAIL, PASSWORD);
    const subjectId = (await b.call('GET', '/v1/me/profile')).json().profile.subjectId;
    expect(decisions.decide('00000000-0000-7000-8000-000000000000', 'identify', 'contact').reasons).toContain(
      'unknown-subject',
    );
    const decision = decisions.decide(subjectId, 'identify', 'contact');
    expect(decision.reasons).not.toContain('unknown-subject');
    expect(decision.allow).toBe(true);
    // And a rebuild from the database (another node, a restart) knows the subject too.
    await decisions.rebuild();
    decisions.engine.setRegister(shippedRegister());
    expect(decisions.decide(subjectId, 'identify', 'contact').allow).toBe(true);
  });
});
