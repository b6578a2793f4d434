import { authenticator } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { softAuthenticator } from '../factors/factors.testkit.js';
import { STEP_UP_MS } from './staff.factors.js';
import { type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

const EMAIL = 'admin@example.uz';
const PASSWORD = 'correct horse battery staple';
const RP = { id: 'localhost', origin: 'http://localhost:8080' };

describe.each(databaseKinds())('staff second factors and passkeys on %s', (kind) => {
  let env: StaffEnv;
  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
  });
  afterEach(async () => env.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, cookie?: string, payload?: object) =>
    env.app.inject({
      method,
      url,
      headers: { ...(cookie ? { cookie } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });
  const codeAt = (secret: string, at: number) => authenticator.clone({ epoch: at }).generate(secret);
  const errorOf = (res: { json(): { error?: { code?: string } } }) => res.json().error?.code;

  async function limitedAdmin() {
    const created = await env.browser.setUpAdminOnly(
      tokenOf(await env.staff.ensureSetupLink()),
      EMAIL,
      PASSWORD,
    );
    expect(created.statusCode).toBe(201);
    expect(created.json().factorRequired).toBe(true);
    return sessionCookie(created);
  }

  /** Signs in with the password and answers 202's second step with `code`. */
  async function passwordThen(code: string) {
    const started = await env.browser.startLogin(EMAIL, PASSWORD);
    const first = await env.browser.finishLoginOnly(started.loginId ?? '', started.finishRequest ?? '');
    expect(first.statusCode).toBe(202);
    expect(first.json().secondFactor).toBe('totp');
    return call('POST', '/v1/staff/login/totp', undefined, { pendingId: first.json().pendingId, code });
  }

  it('gives staff without a second factor, the first administrator included, a session that may only enrol one', async () => {
    const cookie = await limitedAdmin();
    const elsewhere = await call('GET', '/v1/staff', cookie);
    expect([elsewhere.statusCode, errorOf(elsewhere)]).toEqual([403, 'MXF_STAFF_FACTOR_REQUIRED']);
    // Who is signed in stays readable, so the console can lead the member to enrol.
    expect((await call('GET', '/v1/staff/me', cookie)).json()).toMatchObject({ factorRequired: true });
    const listed = await call('GET', '/v1/staff/factors', cookie);
    expect(listed.json()).toEqual({ factors: [], recoveryCodesLeft: 0, factorRequired: true });

    const started = await call('POST', '/v1/staff/factors/totp/start', cookie, {});
    const { enrolmentId, secret, otpauthUri } = started.json();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/maxfiy:First%20Admin\?secret=[A-Z2-7]+/);
    const now = env.clock.now();
    const wrong = codeAt(secret, now + 5 * 30_000);
    const refused = await call('POST', '/v1/staff/factors/totp/finish', cookie, { enrolmentId, code: wrong });
    expect(errorOf(refused)).toBe('MXF_FACTOR_CODE_INVALID');
    // The enrolment was taken by that attempt: a new one is needed.
    const again = (await call('POST', '/v1/staff/factors/totp/start', cookie, {})).json();
    const enrolled = await call('POST', '/v1/staff/factors/totp/finish', cookie, {
      enrolmentId: again.enrolmentId,
      code: codeAt(again.secret, now),
    });
    expect(enrolled.statusCode).toBe(201);
    expect(enrolled.json().recoveryCodes).toHaveLength(10);
    expect(enrolled.json().factor).toMatchObject({ type: 'totp', label: 'Authenticator app' });

    expect((await call('GET', '/v1/staff/me', cookie)).statusCode).toBe(200);
    expect((await call('GET', '/v1/staff/factors', cookie)).json()).toMatchObject({
      recoveryCodesLeft: 10,
      factorRequired: false,
    });
    const added = env.audit.entries.filter((e) => e.action === 'factor.added');
    expect(added.map((e) => e.details?.type)).toEqual(['totp']);
    expect(JSON.stringify(env.audit.entries)).not.toContain(again.secret);
  });

  it('asks a TOTP holder for a code after the password: a wrong code, a replayed step and a spent recovery code are refused', async () => {
    const cookie = await limitedAdmin();
    const { secret, recoveryCodes } = await env.browser.enrolTotp(cookie, EMAIL);
    const enrolmentStep = env.clock.now();

    const wrong = await passwordThen(codeAt(secret, enrolmentStep + 10 * 30_000));
    expect([wrong.statusCode, errorOf(wrong)]).toEqual([401, 'MXF_FACTOR_CODE_INVALID']);
    // The code shown while enrolling is spent: the same step is a replay.
    const replayed = await passwordThen(codeAt(secret, enrolmentStep));
    expect(errorOf(replayed)).toBe('MXF_FACTOR_CODE_INVALID');

    env.clock.advance(30_000);
    const fresh = codeAt(secret, env.clock.now());
    const signedIn = await passwordThen(fresh);
    expect(signedIn.statusCode).toBe(200);
    expect((await call('GET', '/v1/staff/me', sessionCookie(signedIn))).statusCode).toBe(200);
    expect(errorOf(await passwordThen(fresh))).toBe('MXF_FACTOR_CODE_INVALID');

    const recovery = recoveryCodes[3] ?? '';
    expect((await passwordThen(recovery.toUpperCase())).statusCode).toBe(200);
    expect(errorOf(await passwordThen(recovery))).toBe('MXF_FACTOR_CODE_INVALID');

    const signins = env.audit.entries.filter((e) => e.action === 'staff.signin');
    expect(signins.map((e) => [e.details?.outcome, e.details?.method ?? e.details?.reason])).toEqual([
      ['failed', 'wrong-second-factor'],
      ['failed', 'wrong-second-factor'],
      ['success', 'password+totp'],
      ['failed', 'wrong-second-factor'],
      ['success', 'password+recovery-code'],
      ['failed', 'wrong-second-factor'],
    ]);
    expect(JSON.stringify(env.audit.entries)).not.toContain(recovery);
  });

  it('ends a pending sign-in after five wrong codes', async () => {
    const cookie = await limitedAdmin();
    await env.browser.enrolTotp(cookie, EMAIL);
    const started = await env.browser.startLogin(EMAIL, PASSWORD);
    const first = await env.browser.finishLoginOnly(started.loginId ?? '', started.finishRequest ?? '');
    const pendingId = first.json().pendingId;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        errorOf(await call('POST', '/v1/staff/login/totp', undefined, { pendingId, code: '000000' })),
      );
    }
    expect(codes).toEqual([...Array(5).fill('MXF_FACTOR_CODE_INVALID'), 'MXF_FACTOR_CHALLENGE_INVALID']);
  });

  it('registers a passkey and signs in with it alone; a replayed or cloned assertion is refused', async () => {
    const authn = softAuthenticator(RP);
    const cookie = await limitedAdmin();
    const reg = (await call('POST', '/v1/staff/factors/passkeys/register/start', cookie, {})).json();
    expect(reg.options.rp.id).toBe('localhost');
    expect(reg.options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    const { passkey, response } = authn.register(reg.options);
    const wrongOrigin = authn.register(reg.options, { origin: 'https://evil.example' });
    const stranger = await call('POST', '/v1/staff/factors/passkeys/register/finish', cookie, {
      challengeId: reg.challengeId,
      response: wrongOrigin.response,
    });
    expect(errorOf(stranger)).toBe('MXF_FACTOR_PASSKEY_INVALID');
    // The challenge was single use: the honest answer to it is refused too.
    const late = await call('POST', '/v1/staff/factors/passkeys/register/finish', cookie, {
      challengeId: reg.challengeId,
      response,
    });
    expect(errorOf(late)).toBe('MXF_FACTOR_CHALLENGE_INVALID');
    const reg2 = (await call('POST', '/v1/staff/factors/passkeys/register/start', cookie, {})).json();
    const second = authn.register(reg2.options);
    const added = await call('POST', '/v1/staff/factors/passkeys/register/finish', cookie, {
      challengeId: reg2.challengeId,
      response: second.response,
      label: 'Laptop',
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().factor).toMatchObject({ type: 'passkey', label: 'Laptop' });
    expect((await call('GET', '/v1/staff/me', cookie)).statusCode).toBe(200);
    expect(passkey.counter).toBe(0);

    const start = (await call('POST', '/v1/staff/login/passkey/start', undefined, {})).json();
    const assertion = authn.assert(second.passkey, start.options);
    const signedIn = await call('POST', '/v1/staff/login/passkey/finish', undefined, {
      challengeId: start.challengeId,
      response: assertion,
    });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().staff.roles).toEqual(['admin']);
    expect((await call('GET', '/v1/staff/me', sessionCookie(signedIn))).statusCode).toBe(200);

    const replay = await call('POST', '/v1/staff/login/passkey/finish', undefined, {
      challengeId: start.challengeId,
      response: assertion,
    });
    expect(errorOf(replay)).toBe('MXF_FACTOR_CHALLENGE_INVALID');
    const next = (await call('POST', '/v1/staff/login/passkey/start', undefined, {})).json();
    const cloned = authn.assert(second.passkey, next.options, { counter: second.passkey.counter });
    const refused = await call('POST', '/v1/staff/login/passkey/finish', undefined, {
      challengeId: next.challengeId,
      response: cloned,
    });
    expect([refused.statusCode, errorOf(refused)]).toEqual([401, 'MXF_FACTOR_PASSKEY_INVALID']);

    // With a passkey and no authenticator app, the password alone is not enough.
    const started = await env.browser.startLogin(EMAIL, PASSWORD);
    const password = await env.browser.finishLoginOnly(started.loginId ?? '', started.finishRequest ?? '');
    expect([password.statusCode, errorOf(password)]).toEqual([403, 'MXF_STAFF_PASSKEY_REQUIRED']);

    const signins = env.audit.entries.filter((e) => e.action === 'staff.signin');
    expect(signins.map((e) => [e.details?.outcome, e.details?.method ?? e.details?.reason])).toEqual([
      ['success', 'passkey'],
      ['failed', 'passkey'],
      ['failed', 'passkey-required'],
    ]);
  });

  it('needs a sign-in within ten minutes to change credentials (step-up), and keeps the last factor', async () => {
    const cookie = await limitedAdmin();
    await env.browser.enrolTotp(cookie, EMAIL);
    const factors = (await call('GET', '/v1/staff/factors', cookie)).json().factors;
    const last = await call('DELETE', `/v1/staff/factors/${factors[0].id}`, cookie);
    expect([last.statusCode, errorOf(last)]).toEqual([409, 'MXF_FACTOR_LAST']);

    const reg = (await call('POST', '/v1/staff/factors/passkeys/register/start', cookie, {})).json();
    const { response } = softAuthenticator(RP).register(reg.options);
    const challengeId = reg.challengeId;
    expect(
      (await call('POST', '/v1/staff/factors/passkeys/register/finish', cookie, { challengeId, response }))
        .statusCode,
    ).toBe(201);

    env.clock.advance(STEP_UP_MS + 1);
    expect((await call('GET', '/v1/staff/me', cookie)).statusCode).toBe(200);
    for (const [method, url] of [
      ['POST', '/v1/staff/factors/recovery-codes'],
      ['POST', '/v1/staff/factors/totp/start'],
      ['POST', '/v1/staff/factors/passkeys/register/start'],
      ['DELETE', `/v1/staff/factors/${factors[0].id}`],
    ] as const) {
      const res = await call(method, url, cookie, method === 'POST' ? {} : undefined);
      expect([url, res.statusCode, errorOf(res)]).toEqual([url, 403, 'MXF_AUTH_STEP_UP_REQUIRED']);
    }

    const fresh = sessionCookie(await env.browser.login(EMAIL, PASSWORD));
    const codes = await call('POST', '/v1/staff/factors/recovery-codes', fresh, {});
    expect(codes.json().recoveryCodes).toHaveLength(10);
    const removed = await call('DELETE', `/v1/staff/factors/${factors[0].id}`, fresh);
    expect(removed.statusCode).toBe(204);
    expect((await call('GET', '/v1/staff/factors', fresh)).json()).toMatchObject({ recoveryCodesLeft: 0 });
    const gone = await call('DELETE', `/v1/staff/factors/${factors[0].id}`, fresh);
    expect(errorOf(gone)).toBe('MXF_FACTOR_NOT_FOUND');
    const trail = env.audit.entries.filter((e) => e.action.startsWith('factor.'));
    expect(trail.map((e) => [e.action, e.details?.type])).toEqual([
      ['factor.added', 'totp'],
      ['factor.added', 'passkey'],
      ['factor.recovery-codes.regenerated', undefined],
      ['factor.removed', 'totp'],
    ]);
  });
});
