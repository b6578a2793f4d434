import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { SETUP_TOKEN_TTL_MS } from './staff.setup.js';
import { listStaff } from './staff.store.js';
import { type StaffEnv, sessionCookie, staffEnv, TEST_KEY_STRETCHING, tokenOf } from './staff.testkit.js';

const EMAIL = 'Admin@Example.uz';
const PASSWORD = 'correct horse battery staple';

describe.each(databaseKinds())('first administrator set-up on %s', (kind) => {
  let env: StaffEnv;
  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
  });
  afterEach(async () => {
    await env.close();
  });

  const get = (url: string, cookie?: string) =>
    env.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

  it('takes the first administrator from the one-time link to signed in, out and in again, and no password leaves the browser', async () => {
    expect((await get('/v1/setup/status')).json()).toEqual({ needed: true });
    const link = await env.staff.ensureSetupLink();
    expect(link).toMatch(/^http:\/\/localhost:8080\/admin\/setup\?token=[A-Za-z0-9_-]{43}$/);

    const created = await env.browser.setUpAdmin(tokenOf(link), EMAIL, PASSWORD);
    expect(created.statusCode).toBe(201);
    const admin = created.json().staff;
    expect(admin).toEqual({ id: expect.any(String), displayName: 'First Admin', roles: ['admin'] });
    const cookie = created.cookies.find((c) => c.name === 'mxf_staff');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeFalsy();

    expect((await get('/v1/staff/me', sessionCookie(created))).json()).toEqual({ staff: admin });
    expect((await get('/v1/setup/status')).json()).toEqual({ needed: false });
    expect(await env.staff.ensureSetupLink()).toBeNull();

    const out = await env.browser.post('/v1/staff/logout', {}, { cookie: sessionCookie(created) });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'mxf_staff')?.value).toBe('');
    const after = await get('/v1/staff/me', sessionCookie(created));
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('MXF_AUTH_REQUIRED');

    // The e-mail is matched trimmed and in any case.
    const again = await env.browser.login(' admin@EXAMPLE.uz ', PASSWORD);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ staff: admin });
    expect((await get('/v1/staff/me', sessionCookie(again))).statusCode).toBe(200);

    expect(env.browser.sent.length).toBeGreaterThan(0);
    for (const body of env.browser.sent) expect(body).not.toContain(PASSWORD);
    expect(env.audit.entries.map((e) => e.action)).toEqual([
      'staff.created',
      // The test browser enrols an authenticator app right after set-up, as the console leads the admin to.
      'factor.added',
      'staff.signout',
      'staff.signin',
    ]);
  });

  it('marks the session cookie Secure when the public URL is https', async () => {
    await env.close();
    env = await staffEnv(await openTestDatabase(kind), 'https://privacy.example.uz/');
    const link = await env.staff.ensureSetupLink();
    expect(link).toMatch(/^https:\/\/privacy\.example\.uz\/admin\/setup\?token=/);
    const created = await env.browser.setUpAdmin(tokenOf(link), EMAIL, PASSWORD);
    // Secure, and host-only by its prefix: see src/http/cookies.test.ts.
    expect(created.cookies.find((c) => c.name === '__Host-mxf_staff')?.secure).toBe(true);
  });

  it('uses a set-up link once, even when two finishes race', async () => {
    const token = tokenOf(await env.staff.ensureSetupLink());
    await opaque.ready;
    const reg = opaque.client.startRegistration({ password: PASSWORD });
    const start = await env.browser.post('/v1/setup/admin/start', {
      token,
      email: EMAIL,
      displayName: 'First Admin',
      registrationRequest: reg.registrationRequest,
    });
    expect(start.statusCode).toBe(200);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: start.json().registrationResponse,
      password: PASSWORD,
      keyStretching: TEST_KEY_STRETCHING,
    });
    const finishes = await Promise.all([
      env.browser.post('/v1/setup/admin/finish', { token, registrationRecord }),
      env.browser.post('/v1/setup/admin/finish', { token, registrationRecord }),
    ]);
    expect(finishes.map((r) => r.statusCode).sort()).toEqual([201, 400]);
    const refused = finishes.find((r) => r.statusCode === 400);
    expect(refused?.json().error.code).toBe('MXF_STAFF_SETUP_LINK_INVALID');
    expect(await listStaff(env.database.db)).toHaveLength(1);

    const reuse = await env.browser.setUpAdmin(token, 'second@example.uz', 'another password');
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().error.code).toBe('MXF_STAFF_SETUP_LINK_INVALID');
  });

  it('lets a set-up link expire after 24 hours, and a new link works', async () => {
    const stale = tokenOf(await env.staff.ensureSetupLink());
    env.clock.advance(SETUP_TOKEN_TTL_MS);
    const late = await env.browser.setUpAdmin(stale, EMAIL, PASSWORD);
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe('MXF_STAFF_SETUP_LINK_INVALID');
    const fresh = tokenOf(await env.staff.ensureSetupLink());
    expect((await env.browser.setUpAdmin(fresh, EMAIL, PASSWORD)).statusCode).toBe(201);
  });

  it('replaces an earlier unused link with each new one', async () => {
    const first = tokenOf(await env.staff.ensureSetupLink());
    const second = tokenOf(await env.staff.ensureSetupLink());
    expect((await env.browser.setUpAdmin(first, EMAIL, PASSWORD)).json().error.code).toBe(
      'MXF_STAFF_SETUP_LINK_INVALID',
    );
    expect((await env.browser.setUpAdmin(second, EMAIL, PASSWORD)).statusCode).toBe(201);
  });

  it('refuses malformed and hostile set-up bodies with catalogued errors, never a 500', async () => {
    const token = tokenOf(await env.staff.ensureSetupLink());
    await opaque.ready;
    const { registrationRequest } = opaque.client.startRegistration({ password: PASSWORD });
    const good = { token, email: EMAIL, displayName: 'A', registrationRequest };
    const cases: [object, number, string][] = [
      [{ ...good, email: 'not-an-email' }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, email: `${'a'.repeat(250)}@example.uz` }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, displayName: '   ' }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, displayName: 'Admin\nroot' }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, registrationRequest: `${registrationRequest}AA` }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, registrationRequest: `${registrationRequest.slice(0, 42)}=` }, 400, 'MXF_REQUEST_INVALID'],
      // Well-formed base64url of the right length that is no curve point.
      [{ ...good, registrationRequest: '_'.repeat(43) }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, password: PASSWORD }, 400, 'MXF_REQUEST_INVALID'],
      [{ ...good, token: 'x'.repeat(43) }, 400, 'MXF_STAFF_SETUP_LINK_INVALID'],
      [{ ...good, token: 'short' }, 400, 'MXF_REQUEST_INVALID'],
    ];
    for (const [body, status, code] of cases) {
      const res = await env.browser.post('/v1/setup/admin/start', body);
      expect([res.statusCode, res.json().error?.code], JSON.stringify(body).slice(0, 80)).toEqual([
        status,
        code,
      ]);
    }
    const garbageRecord = await env.browser.post('/v1/setup/admin/finish', {
      token,
      registrationRecord: 'A'.repeat(256),
    });
    expect(garbageRecord.statusCode).toBe(400);
    expect(garbageRecord.json().error.code).toBe('MXF_REQUEST_INVALID');
    const notJson = await env.app.inject({
      method: 'POST',
      url: '/v1/setup/admin/start',
      headers: { 'content-type': 'application/json' },
      payload: '{"token":',
    });
    expect(notJson.statusCode).toBe(400);
    // None of it used the link up.
    expect((await env.browser.setUpAdmin(token, EMAIL, PASSWORD)).statusCode).toBe(201);
  });
});
