import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { customerBrowser, signUp } from '../modules/identity/identity.testkit.js';

/**
 * A change sent with the customer's cookie from a sibling subdomain's page
 * (same site, so SameSite=Lax lets the cookie through) or from another site is
 * refused before any route runs; the cabinet's own pages and callers that are
 * not browser pages are not.
 */
describe('changes sent from another site’s page', () => {
  let t: TestApp;
  let cookie: string;
  let appSecret: string;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await t.services.agreements.seed();
    const b = customerBrowser(t.app);
    await signUp(t, b, 'nodira@example.uz', 'olma-pishdi 2026');
    cookie = Object.entries(b.jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    appSecret = (
      await t.services.apps.issue('system', { productId: 'silen', scopes: ['agreements'], label: 'x' })
    ).secret;
  });
  afterAll(async () => t.close());

  const report = (site: string | undefined) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/me/compromise',
      headers: { cookie, ...(site ? { 'sec-fetch-site': site } : {}) },
    });

  it('refuses one from a sibling subdomain or another site, with the catalogued error, and changes nothing', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const res = await report(site);
      expect([site, res.statusCode, res.json().error.code]).toEqual([site, 403, 'MXF_REQUEST_CROSS_SITE']);
    }
    // The path as the router reads it: percent-escapes that decode to /v1/ are the same route.
    for (const url of ['/%76%31/me/compromise', '/%761/me/sessions/end-others', '/v1/me/compromise?x=1']) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { cookie, 'sec-fetch-site': 'same-site' },
      });
      expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 403, 'MXF_REQUEST_CROSS_SITE']);
    }
    const profile = await t.app.inject({
      url: '/v1/me/profile',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(profile.statusCode).toBe(200); // reads are not changes, and the session is as it was
    const customers = await t.services.database.db.selectFrom('customers').select('status').execute();
    expect(customers).toEqual([{ status: 'active' }]);
  });

  it('reads Origin where a browser sends no Sec-Fetch-Site: only this service’s own origin may change', async () => {
    const send = (origin: string, extra: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/me/sessions/end-others',
        headers: { cookie, origin, ...extra },
      });
    for (const origin of ['https://shop.cdti.uz', 'http://localhost:9999', 'null', 'not an origin']) {
      const res = await send(origin);
      expect([origin, res.statusCode, res.json().error.code]).toEqual([
        origin,
        403,
        'MXF_REQUEST_CROSS_SITE',
      ]);
    }
    // Its public URL, or the host the request was sent to (a proxy in front, a second name).
    expect((await send('http://localhost:8080')).statusCode).toBe(200);
    expect((await send('http://id.example.uz', { host: 'id.example.uz' })).statusCode).toBe(200);
    // Where the browser says where it comes from, that is what counts.
    expect((await send('https://shop.cdti.uz', { 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
  });

  it('takes one from the cabinet’s own page, and a product app’s call with its credential from anywhere', async () => {
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/v1/agreements/acceptances',
      headers: { authorization: `Bearer ${appSecret}`, 'sec-fetch-site': 'cross-site' },
      payload: { subjectId: 'cust-1', version: 1, language: 'uz-Cyrl' },
    });
    expect(accepted.statusCode).toBe(201);
    expect((await report('same-origin')).statusCode).toBe(200);
  });
});
