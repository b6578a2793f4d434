import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { RESET_TTL_MS } from './staff.resets.js';
import { addStaffDirectly, type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

/**
 * A member who forgot their password or lost their device: an administrator
 * resets their sign-in, which locks them out at once; the one-time link lets
 * them set a new password (OPAQUE: it never leaves the browser), every old
 * factor is gone, and a new one must be enrolled before anything else.
 */
const ADMIN = { email: 'admin@example.uz', password: 'admin password' };
const SUPPORT = {
  id: '01900000-0000-7000-8000-0000000000aa',
  email: 'support@example.uz',
  password: 'support password',
  displayName: 'Support',
  roles: ['support' as const],
};
const NEW_PASSWORD = 'a brand new support password';

describe.each(databaseKinds())('staff sign-in resets on %s', (kind) => {
  let env: StaffEnv;
  let admin: { id: string; cookie: string };

  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
    const created = await env.browser.setUpAdmin(
      tokenOf(await env.staff.ensureSetupLink()),
      ADMIN.email,
      ADMIN.password,
    );
    admin = { id: created.json().staff.id, cookie: sessionCookie(created) };
    await addStaffDirectly(env.database, env.keyring, SUPPORT);
  });
  afterEach(async () => {
    await env.close();
  });

  const call = (url: string, cookie?: string, body: object = {}) =>
    env.app.inject({ method: 'POST', url, headers: cookie ? { cookie } : {}, payload: body });
  /** Another administrator, signed in. */
  const secondAdmin = async () => {
    const second = {
      id: '01900000-0000-7000-8000-0000000000bb',
      email: 'second@example.uz',
      password: 'second pw',
    };
    await addStaffDirectly(env.database, env.keyring, { ...second, displayName: 'Second', roles: ['admin'] });
    return { second, secondCookie: sessionCookie(await env.browser.login(second.email, second.password)) };
  };
  const codeOf = (res: { statusCode: number; json(): { error: { code: string } } }) => [
    res.statusCode,
    res.json().error.code,
  ];

  it('locks the member out at once, and the link sets a new password with a new factor; the old ones are gone', async () => {
    const before = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    // (The member was set up with an authenticator app: the sign-in above used it.)
    // Whoever holds the old password begins a sign-in now, to finish it after the reset.
    const early = await env.browser.startLogin(SUPPORT.email, SUPPORT.password);
    const res = await call(`/v1/staff/${SUPPORT.id}/reset`, admin.cookie, { language: 'ru' });
    expect(res.statusCode).toBe(201);
    const { link, expiresAt } = res.json() as { link: string; expiresAt: number };
    expect(link).toMatch(/^http:\/\/localhost:8080\/admin\/reset\?token=[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe(env.clock.now() + RESET_TTL_MS);
    const mails = await env.deliverMail();
    expect(mails.map((m) => [m.to, m.text.includes(link), m.subject])).toEqual([
      ['support@example.uz', true, 'maxfiy: восстановление входа в консоль'],
    ]);

    // Locked out: the session ended and the old password no longer signs in.
    expect(codeOf(await env.app.inject({ url: '/v1/staff/me', headers: { cookie: before } }))).toEqual([
      401,
      'MXF_AUTH_REQUIRED',
    ]);
    const old = await env.browser.startLogin(SUPPORT.email, SUPPORT.password);
    expect(codeOf(await env.browser.finishLoginOnly(old.loginId ?? '', old.finishRequest ?? ''))).toEqual([
      401,
      'MXF_STAFF_SIGNIN_FAILED',
    ]);

    const token = tokenOf(link);
    expect((await call('/v1/staff/reset/check', undefined, { token })).json()).toEqual({
      displayName: SUPPORT.displayName,
    });
    const reset = await env.browser.resetSignIn(token, NEW_PASSWORD);
    expect(reset.statusCode).toBe(201);
    expect(reset.json()).toEqual({
      staff: { id: SUPPORT.id, displayName: SUPPORT.displayName, roles: ['support'] },
      factorRequired: true,
    });
    const limited = sessionCookie(reset);
    // The factors are gone now, but a sign-in begun with the old password is void, not a session.
    expect(codeOf(await env.browser.finishLoginOnly(early.loginId ?? '', early.finishRequest ?? ''))).toEqual(
      [401, 'MXF_STAFF_SIGNIN_FAILED'],
    );
    // The old authenticator app is gone: only a new factor opens the console.
    const factors = await env.app.inject({ url: '/v1/staff/factors', headers: { cookie: limited } });
    expect(factors.json()).toMatchObject({ factors: [], recoveryCodesLeft: 0, factorRequired: true });
    await env.browser.enrolTotp(limited, SUPPORT.email);
    expect((await env.app.inject({ url: '/v1/staff/me', headers: { cookie: limited } })).statusCode).toBe(
      200,
    );
    expect((await env.browser.login(SUPPORT.email, NEW_PASSWORD)).statusCode).toBe(200);
    const oldAgain = await env.browser.startLogin(SUPPORT.email, SUPPORT.password);
    // The old password no longer matches the record: the OPAQUE client itself cannot finish.
    expect(oldAgain.res.statusCode).toBe(200);
    expect(oldAgain.finishRequest).toBeUndefined();
    // The link worked once, and no password left the browser.
    expect(codeOf(await env.browser.resetSignIn(token, 'yet another password'))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    for (const body of env.browser.sent) expect(body).not.toContain(NEW_PASSWORD);

    const audited = env.audit.entries.filter((e) => e.action.startsWith('staff.reset.'));
    expect(audited).toEqual([
      {
        actor: `staff:${admin.id}`,
        action: 'staff.reset.issued',
        target: `staff:${SUPPORT.id}`,
        details: { sessionsEnded: 1, expiresAt },
      },
      {
        actor: `staff:${SUPPORT.id}`,
        action: 'staff.reset.completed',
        target: `staff:${SUPPORT.id}`,
        details: { factorsRemoved: 1, issuedBy: `staff:${admin.id}` },
      },
    ]);
    expect(JSON.stringify(env.audit.entries)).not.toMatch(/example\.uz/);
  });

  it('refuses oneself, other roles, an unknown member, and an expired, replaced or forged link alike', async () => {
    const support = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    expect(codeOf(await call(`/v1/staff/${admin.id}/reset`, support))).toEqual([403, 'MXF_AUTH_FORBIDDEN']);
    expect(codeOf(await call(`/v1/staff/${admin.id}/reset`, admin.cookie))).toEqual([
      409,
      'MXF_STAFF_SELF_RESET',
    ]);
    const unknown = '01900000-0000-7000-8000-0000000000ff';
    expect(codeOf(await call(`/v1/staff/${unknown}/reset`, admin.cookie))).toEqual([
      404,
      'MXF_STAFF_NOT_FOUND',
    ]);
    expect(codeOf(await call(`/v1/staff/${SUPPORT.id}/reset`, admin.cookie, { language: 'fr' }))).toEqual([
      400,
      'MXF_REQUEST_INVALID',
    ]);

    // A newer link replaces the older one.
    const first = tokenOf((await call(`/v1/staff/${SUPPORT.id}/reset`, admin.cookie)).json().link);
    const second = tokenOf((await call(`/v1/staff/${SUPPORT.id}/reset`, admin.cookie)).json().link);
    expect(codeOf(await env.browser.resetSignIn(first, NEW_PASSWORD))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    expect(codeOf(await call('/v1/staff/reset/check', undefined, { token: 'A'.repeat(43) }))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    env.clock.advance(RESET_TTL_MS + 1);
    expect(codeOf(await env.browser.resetSignIn(second, NEW_PASSWORD))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    // Nothing changed: the member stays locked out until a working link is used.
    const list = await env.staff.listStaff();
    expect(list.find((m) => m.id === SUPPORT.id)?.status).toBe('disabled');
    expect(env.audit.entries.filter((e) => e.action === 'staff.reset.completed')).toEqual([]);
  });

  it('keeps a reset and a deactivation apart: neither undoes the other, and links die with their issuer', async () => {
    const reset = async (id: string, cookie = admin.cookie) => call(`/v1/staff/${id}/reset`, cookie);
    const status = async (id: string) => (await env.staff.listStaff()).find((m) => m.id === id)?.status;

    // Reset, then reactivated: refused, or the old password and factor would be back.
    const link = tokenOf((await reset(SUPPORT.id)).json().link);
    expect(codeOf(await call(`/v1/staff/${SUPPORT.id}/reactivate`, admin.cookie))).toEqual([
      409,
      'MXF_STAFF_RESET_PENDING',
    ]);
    const old = await env.browser.startLogin(SUPPORT.email, SUPPORT.password);
    expect(codeOf(await env.browser.finishLoginOnly(old.loginId ?? '', old.finishRequest ?? ''))).toEqual([
      401,
      'MXF_STAFF_SIGNIN_FAILED',
    ]);
    // Even once the link has expired: an administrator issues a new one.
    env.clock.advance(RESET_TTL_MS + 1);
    admin.cookie = sessionCookie(await env.browser.login(ADMIN.email, ADMIN.password));
    expect(codeOf(await call(`/v1/staff/${SUPPORT.id}/reactivate`, admin.cookie))).toEqual([
      409,
      'MXF_STAFF_RESET_PENDING',
    ]);
    const fresh = tokenOf((await reset(SUPPORT.id)).json().link);
    expect(codeOf(await env.browser.resetSignIn(link, NEW_PASSWORD))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);

    // Reset, then deactivated: the link dies, and the member stays out.
    expect((await call(`/v1/staff/${SUPPORT.id}/deactivate`, admin.cookie)).statusCode).toBe(204);
    expect(env.audit.entries.at(-1)).toMatchObject({
      action: 'staff.deactivated',
      details: { resetsEnded: 1 },
    });
    expect(codeOf(await env.browser.resetSignIn(fresh, NEW_PASSWORD))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    expect(await status(SUPPORT.id)).toBe('disabled');
    // Deactivated, then reset: refused; a deactivated member comes back by reactivation only.
    expect(codeOf(await reset(SUPPORT.id))).toEqual([409, 'MXF_STAFF_DEACTIVATED']);
    expect((await call(`/v1/staff/${SUPPORT.id}/reactivate`, admin.cookie)).statusCode).toBe(204);
    expect(await status(SUPPORT.id)).toBe('active');

    // A second administrator issues a reset and an invitation, then is deactivated: both links die.
    const { second, secondCookie } = await secondAdmin();
    const theirReset = tokenOf((await reset(SUPPORT.id, secondCookie)).json().link);
    const invited = await env.app.inject({
      method: 'POST',
      url: '/v1/staff/invites',
      headers: { cookie: secondCookie },
      payload: { email: 'evil@example.uz', displayName: 'Evil', roles: ['admin', 'dpo'], language: 'en' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    expect((await call(`/v1/staff/${second.id}/deactivate`, admin.cookie)).statusCode).toBe(204);
    expect(env.audit.entries.at(-1)).toMatchObject({
      action: 'staff.deactivated',
      details: { linksEnded: 2 },
    });
    expect(codeOf(await env.browser.resetSignIn(theirReset, NEW_PASSWORD))).toEqual([
      400,
      'MXF_STAFF_RESET_INVALID',
    ]);
    expect(codeOf(await env.browser.acceptInvite(tokenOf(invited.json().link), 'evil password'))).toEqual([
      400,
      'MXF_STAFF_INVITE_INVALID',
    ]);
  });

  it('leaves an administrator standing when two reset each other at once', async () => {
    const { second, secondCookie } = await secondAdmin();
    const answers = await Promise.all([
      call(`/v1/staff/${second.id}/reset`, admin.cookie),
      call(`/v1/staff/${admin.id}/reset`, secondCookie),
    ]);
    // One wins. The other is refused as the last administrator, or, when the first
    // reset ended its session before its guard ran, as signed out: never both reset.
    const [won, lost] = [...answers].sort((a, b) => a.statusCode - b.statusCode);
    expect(won?.statusCode).toBe(201);
    expect([
      [409, 'MXF_STAFF_LAST_ADMIN'],
      [401, 'MXF_AUTH_REQUIRED'],
    ]).toContainEqual([lost?.statusCode, lost?.json().error.code]);
    expect(await env.staff.setupStatus()).toEqual({ needed: false });
    expect(
      (await env.staff.listStaff()).filter((m) => m.roles.includes('admin') && m.status === 'active'),
    ).toHaveLength(1);
  });
});
