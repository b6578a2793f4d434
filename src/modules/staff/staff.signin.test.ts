import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { sha256 } from './staff.crypto.js';
import { LOGIN_STATE_TTL_MS } from './staff.service.js';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SESSION_TOUCH_MS } from './staff.sessions.js';
import { findSession } from './staff.store.js';
import { type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

const EMAIL = 'admin@example.uz';
const PASSWORD = 'correct horse battery staple';

describe.each(databaseKinds())('staff sign-in and sessions on %s', (kind) => {
  let env: StaffEnv;
  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
    const created = await env.browser.setUpAdmin(tokenOf(await env.staff.ensureSetupLink()), EMAIL, PASSWORD);
    expect(created.statusCode).toBe(201);
    env.audit.entries.length = 0;
  });
  afterEach(async () => {
    await env.close();
  });

  const me = (cookie: string) => env.app.inject({ method: 'GET', url: '/v1/staff/me', headers: { cookie } });

  /** A proof the server will not accept for another login: one made for a different login state. */
  async function proofFromAnotherLogin(): Promise<string> {
    const other = await env.browser.startLogin(EMAIL, PASSWORD);
    if (!other.finishRequest) throw new Error('could not make a proof');
    return other.finishRequest;
  }

  it('answers a wrong password, an unknown e-mail, an expired and a replayed login alike (MXF_STAFF_SIGNIN_FAILED)', async () => {
    const wrong = await env.browser.startLogin(EMAIL, 'wrong password');
    expect(wrong.res.statusCode).toBe(200);
    // The browser itself sees the password is wrong; a hostile client sends a proof anyway.
    expect(wrong.finishRequest).toBeUndefined();
    const wrongAnswer = await env.browser.finishLogin(wrong.loginId ?? '', await proofFromAnotherLogin());

    const unknown = await env.browser.startLogin('nobody@example.uz', PASSWORD);
    expect(unknown.res.statusCode).toBe(200);
    expect(unknown.loginResponse?.length).toBe(wrong.loginResponse?.length);
    expect(unknown.finishRequest).toBeUndefined();
    const unknownAnswer = await env.browser.finishLogin(unknown.loginId ?? '', await proofFromAnotherLogin());

    const slow = await env.browser.startLogin(EMAIL, PASSWORD);
    env.clock.advance(LOGIN_STATE_TTL_MS);
    const slowAnswer = await env.browser.finishLogin(slow.loginId ?? '', slow.finishRequest ?? '');

    const once = await env.browser.startLogin(EMAIL, PASSWORD);
    expect((await env.browser.finishLogin(once.loginId ?? '', once.finishRequest ?? '')).statusCode).toBe(
      200,
    );
    const replayAnswer = await env.browser.finishLogin(once.loginId ?? '', once.finishRequest ?? '');

    for (const answer of [wrongAnswer, unknownAnswer, slowAnswer, replayAnswer]) {
      expect(answer.statusCode).toBe(401);
      expect(answer.cookies).toEqual([]);
      const { code, message } = answer.json().error;
      expect({ code, message }).toEqual({
        code: 'MXF_STAFF_SIGNIN_FAILED',
        message: 'The e-mail or password is wrong, or the sign-in took too long. Try again.',
      });
    }

    const signins = env.audit.entries.filter((e) => e.action === 'staff.signin');
    expect(signins.map((e) => [e.details?.outcome, e.details?.reason])).toEqual([
      ['failed', 'wrong-proof'],
      ['failed', 'unknown-account'],
      ['failed', 'expired'],
      ['success', undefined],
    ]);
    expect(signins[0]?.target).toMatch(/^staff:/);
    expect(signins[1]?.target).toBeNull();
    expect(JSON.stringify(env.audit.entries)).not.toContain('example.uz');
  });

  it('makes repeated sign-ins to one account wait longer each time, and a success clears the wait', async () => {
    for (let i = 0; i < 5; i++)
      expect((await env.browser.startLogin(EMAIL, 'guess')).res.statusCode).toBe(200);
    const blocked = await env.browser.startLogin(EMAIL, 'guess');
    expect(blocked.res.statusCode).toBe(429);
    expect(blocked.res.json().error).toMatchObject({ code: 'MXF_STAFF_SIGNIN_THROTTLED', retryAfter: 1 });

    env.clock.advance(1_000);
    expect((await env.browser.startLogin(EMAIL, 'guess')).res.statusCode).toBe(200);
    const longer = await env.browser.startLogin(EMAIL, 'guess');
    expect(longer.res.json().error).toMatchObject({ code: 'MXF_STAFF_SIGNIN_THROTTLED', retryAfter: 2 });

    env.clock.advance(2_000);
    expect((await env.browser.login(EMAIL, PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await env.browser.startLogin(EMAIL, 'guess')).res.statusCode).toBe(200);
  });

  it('makes an address that tries many e-mails wait, and not its neighbours', async () => {
    const address = '203.0.113.7';
    for (let i = 0; i < 20; i++) {
      expect((await env.browser.startLogin(`user${i}@example.uz`, 'guess', address)).res.statusCode).toBe(
        200,
      );
    }
    const blocked = await env.browser.startLogin('another@example.uz', 'guess', address);
    expect(blocked.res.statusCode).toBe(429);
    expect(blocked.res.json().error.code).toBe('MXF_STAFF_SIGNIN_THROTTLED');
    expect((await env.browser.startLogin('another@example.uz', 'guess', '203.0.113.8')).res.statusCode).toBe(
      200,
    );
  });

  it('ends a session after 30 minutes without use', async () => {
    const cookie = sessionCookie(await env.browser.login(EMAIL, PASSWORD));
    env.clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await me(cookie)).statusCode).toBe(200);
    env.clock.advance(SESSION_IDLE_MS);
    const idle = await me(cookie);
    expect(idle.statusCode).toBe(401);
    expect(idle.json().error.code).toBe('MXF_AUTH_REQUIRED');
  });

  it('ends a session 12 hours after sign-in, however busy it is', async () => {
    const cookie = sessionCookie(await env.browser.login(EMAIL, PASSWORD));
    const step = 20 * 60_000;
    let elapsed = 0;
    while (elapsed + step < SESSION_ABSOLUTE_MS) {
      env.clock.advance(step);
      elapsed += step;
      expect((await me(cookie)).statusCode).toBe(200);
    }
    env.clock.advance(SESSION_ABSOLUTE_MS - elapsed);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('records a session’s last use at most once a minute', async () => {
    const signedIn = await env.browser.login(EMAIL, PASSWORD);
    const cookie = sessionCookie(signedIn);
    const hash = sha256(cookie.slice('mxf_staff='.length));
    const lastSeen = async () => (await findSession(env.database.db, hash))?.last_seen_at;
    const start = await lastSeen();
    env.clock.advance(SESSION_TOUCH_MS - 1);
    await me(cookie);
    expect(await lastSeen()).toBe(start);
    env.clock.advance(1);
    await me(cookie);
    expect(await lastSeen()).toBe(env.clock.now());
  });

  it('shuts a disabled account out, its open sessions included', async () => {
    const cookie = sessionCookie(await env.browser.login(EMAIL, PASSWORD));
    await env.database.write((trx) => trx.updateTable('staff').set({ status: 'disabled' }).execute());
    expect((await me(cookie)).statusCode).toBe(401);
    const again = await env.browser.startLogin(EMAIL, PASSWORD);
    const answer = await env.browser.finishLogin(again.loginId ?? '', again.finishRequest ?? '');
    expect(answer.json().error.code).toBe('MXF_STAFF_SIGNIN_FAILED');
  });

  it('refuses malformed and hostile sign-in messages with catalogued errors, never a 500', async () => {
    const { res, loginId } = await env.browser.startLogin(EMAIL, PASSWORD);
    expect(res.statusCode).toBe(200);
    const cases: [string, object, number, string][] = [
      [
        '/v1/staff/login/start',
        { email: 'nope', startLoginRequest: 'A'.repeat(128) },
        400,
        'MXF_REQUEST_INVALID',
      ],
      [
        '/v1/staff/login/start',
        { email: EMAIL, startLoginRequest: 'A'.repeat(129) },
        400,
        'MXF_REQUEST_INVALID',
      ],
      [
        '/v1/staff/login/start',
        { email: EMAIL, startLoginRequest: '_'.repeat(128) },
        400,
        'MXF_REQUEST_INVALID',
      ],
      ['/v1/staff/login/start', { email: EMAIL, password: PASSWORD }, 400, 'MXF_REQUEST_INVALID'],
      [
        '/v1/staff/login/finish',
        { loginId: 'short', finishLoginRequest: 'A'.repeat(86) },
        400,
        'MXF_REQUEST_INVALID',
      ],
      [
        '/v1/staff/login/finish',
        { loginId: 'x'.repeat(43), finishLoginRequest: 'A'.repeat(86) },
        401,
        'MXF_STAFF_SIGNIN_FAILED',
      ],
      [
        '/v1/staff/login/finish',
        { loginId, finishLoginRequest: '_'.repeat(86) },
        401,
        'MXF_STAFF_SIGNIN_FAILED',
      ],
    ];
    for (const [url, body, status, code] of cases) {
      const answer = await env.browser.post(url, body);
      expect([answer.statusCode, answer.json().error?.code], `${url} ${JSON.stringify(body)}`).toEqual([
        status,
        code,
      ]);
    }
    const forged = await me('mxf_staff=forged-cookie-value');
    expect(forged.statusCode).toBe(401);
  });
});
