import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { openTestDatabase } from '../../test/helpers/db.js';
import { customerBrowser, signUp } from '../modules/identity/identity.testkit.js';
import { addStaffDirectly, type StaffEnv, staffEnv } from '../modules/staff/staff.testkit.js';

/**
 * On https the session cookies carry the `__Host-` prefix: browsers take such a
 * cookie only with Secure, Path=/ and no Domain, so a page on a sibling
 * subdomain can neither set one nor shadow ours with a cookie for the parent
 * domain. The bare name, which such a page could set, is not read at all.
 */
const HTTPS = 'https://localhost:8443';

describe('session cookies on https', () => {
  let t: TestApp | undefined;
  let env: StaffEnv | undefined;
  afterEach(async () => {
    await t?.close();
    await env?.close();
    t = undefined;
    env = undefined;
  });

  it('set the customer session and device as __Host- cookies, and read no session under the bare name', async () => {
    t = await createTestApp('sqlite', { options: { publicUrl: HTTPS } });
    const b = customerBrowser(t.app);
    const made = await signUp(t, b, 'dilnoza@example.uz', 'anor-olma 42');
    expect(made.statusCode, made.body).toBe(201);
    for (const name of ['__Host-mxf_session', '__Host-mxf_device']) {
      const set = made.cookies.find((c) => c.name === name);
      expect(set, name).toMatchObject({ secure: true, path: '/', httpOnly: true });
      expect(set?.domain, name).toBeUndefined();
    }
    expect(made.cookies.map((c) => c.name)).not.toContain('mxf_session');
    const token = b.jar['__Host-mxf_session'] ?? '';
    const profile = (cookie: string) => t?.app.inject({ url: '/v1/me/profile', headers: { cookie } });
    expect((await profile(`__Host-mxf_session=${token}`))?.statusCode).toBe(200);
    expect((await profile(`mxf_session=${token}`))?.statusCode).toBe(401);
  });

  it('set the staff session as a __Host- cookie, and read none under the bare name', async () => {
    env = await staffEnv(await openTestDatabase('sqlite'), HTTPS);
    const member = {
      id: '01900000-0000-7000-8000-0000000000c1',
      email: 'dpo@example.uz',
      password: 'dpo password',
      displayName: 'DPO',
      roles: ['dpo' as const],
    };
    await addStaffDirectly(env.database, env.keyring, member);
    const res = await env.browser.login(member.email, member.password);
    const set = res.cookies.find((c) => c.name === '__Host-mxf_staff');
    expect(set).toMatchObject({ secure: true, path: '/', httpOnly: true, sameSite: 'Strict' });
    expect(set?.domain).toBeUndefined();
    const me = (cookie: string) => env?.app.inject({ url: '/v1/staff/me', headers: { cookie } });
    expect((await me(`__Host-mxf_staff=${set?.value}`))?.statusCode).toBe(200);
    expect((await me(`mxf_staff=${set?.value}`))?.statusCode).toBe(401);
  });
});
