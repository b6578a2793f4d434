/**
 * "You can take this back at any time in your cabinet", as the consent screen
 * promises: the cabinet lists the apps a customer allowed, and taking one back
 * ends its tokens, signs it out and asks for consent at its next sign-in,
 * leaving the customer's other apps and every other customer alone.
 */
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { customerBrowser, deliver, signUp } from '../identity/identity.testkit.js';
import { httpBrowser, relyingParty, rpServer, signInToApp } from './oidc.testkit.js';

interface AppGrant {
  clientId: string;
  name: string;
  scopes: string[];
  allowedAt: number;
  lastUsedAt: number | null;
}

describe.each(databaseKinds())('the apps a customer allowed, in the cabinet, on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let rp: Awaited<ReturnType<typeof rpServer>>;
  let shop: ReturnType<typeof relyingParty>;
  let books: ReturnType<typeof relyingParty>;

  beforeAll(async () => {
    t = await createTestApp(kind, { listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    rp = await rpServer();
    const shopCallback = `http://127.0.0.1:${rp.port}/callback`;
    await t.services.oidc.registerClient('system', {
      clientId: 'shop',
      name: 'Shop',
      redirectUris: [shopCallback],
      backchannelLogoutUri: `http://127.0.0.1:${rp.port}/backchannel`,
    });
    await t.services.oidc.registerClient('system', {
      clientId: 'books',
      name: 'Books',
      redirectUris: ['http://127.0.0.1:9/books'],
    });
    shop = relyingParty(base, 'shop', shopCallback);
    books = relyingParty(base, 'books', 'http://127.0.0.1:9/books');
  });
  afterAll(async () => {
    await new Promise((resolve) => rp?.server.close(resolve));
    await t?.close();
  });

  /** A new customer, signed up and so signed in to the cabinet, and a browser for the apps. */
  async function customer(email: string) {
    const cabinet = customerBrowser(t.app);
    expect((await signUp(t, cabinet, email, 'a long customer password 1')).statusCode).toBe(201);
    const session = cabinet.jar.mxf_session ?? '';
    const subjectId = (await t.services.identity.authenticate(session))?.subjectId ?? '';
    const call = (method: 'GET' | 'DELETE', url: string) =>
      t.app.inject({ method, url, headers: { cookie: `mxf_session=${session}` } });
    return { session, subjectId, call, browser: httpBrowser(base, { mxf_session: session }) };
  }

  /** Signs in to the app in `b` (allowing it if asked) and redeems the code. */
  async function tokensIn(
    b: ReturnType<typeof httpBrowser>,
    party: ReturnType<typeof relyingParty>,
    scope = 'openid email offline_access',
  ) {
    const { landed, verifier } = await signInToApp(b, party, { scope });
    const tokens = await party.exchange(landed.searchParams.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    return tokens.body;
  }

  /** Whether the app's next sign-in in `b` stops at the consent screen (rather than going straight back). */
  async function asksConsent(b: ReturnType<typeof httpBrowser>, party: ReturnType<typeof relyingParty>) {
    const { challenge } = party.pkce();
    const out = await b.follow(
      await b.go(
        'GET',
        party.authorizeUrl({
          scope: 'openid email offline_access',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      ),
    );
    if (out instanceof URL) {
      expect(out.searchParams.has('code')).toBe(true);
      return false;
    }
    expect(out.status).toBe(200);
    expect(await out.text()).toMatch(/<form method="post" action="[^"]+confirm/);
    return true;
  }

  const appsOf = async (c: Awaited<ReturnType<typeof customer>>) => {
    const res = await c.call('GET', '/v1/me/apps');
    expect(res.statusCode).toBe(200);
    return res.json().apps as AppGrant[];
  };

  it('lists each app the customer allowed, with its name, what it may see, when allowed and when last used', async () => {
    const c = await customer('apps.list@example.com');
    expect(await appsOf(c)).toEqual([]);

    const before = Math.floor(Date.now() / 1000) * 1000;
    const held = await tokensIn(c.browser, shop);
    await tokensIn(c.browser, books, 'openid phone');
    expect((await shop.refresh(held.refresh_token ?? '')).status).toBe(200);
    const after = Date.now();

    const apps = await appsOf(c);
    expect(apps.map((a) => [a.clientId, a.name])).toEqual([
      ['books', 'Books'],
      ['shop', 'Shop'],
    ]);
    const [bookApp, shopApp] = apps as [AppGrant, AppGrant];
    expect(shopApp.scopes.sort()).toEqual(['email', 'offline_access', 'openid']);
    // It did not ask for offline_access, but it holds a refresh token: it can act while the customer is away.
    expect(bookApp.scopes.sort()).toEqual(['offline_access', 'openid', 'phone']);
    for (const app of apps) {
      expect(app.allowedAt).toBeGreaterThanOrEqual(before);
      expect(app.allowedAt).toBeLessThanOrEqual(after);
      expect(app.lastUsedAt).toBeGreaterThanOrEqual(app.allowedAt);
      expect(app.lastUsedAt).toBeLessThanOrEqual(after);
    }
    // Nothing of one customer's is in another's list.
    expect(await appsOf(await customer('apps.other@example.com'))).toEqual([]);
  });

  it('takes an app’s access back: its tokens end, it is signed out, and its next sign-in asks again; the rest stays', async () => {
    const alice = await customer('apps.alice@example.com');
    const bob = await customer('apps.bob@example.com');
    const aliceShop = await tokensIn(alice.browser, shop);
    const aliceBooks = await tokensIn(alice.browser, books);
    const bobShop = await tokensIn(bob.browser, shop);
    expect(await asksConsent(alice.browser, shop)).toBe(false); // allowed once, not asked again
    await deliver(t);
    rp.logouts.length = 0;

    const revoked = await alice.call('DELETE', '/v1/me/apps/shop');
    expect(revoked.statusCode).toBe(204);

    // The app's refresh token and access token are dead.
    const refused = await shop.refresh(aliceShop.refresh_token ?? '');
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
    expect((await shop.userinfo(aliceShop.access_token ?? '')).status).toBe(401);
    // The browser's provider session no longer holds a sign-in to it; the other app's stays.
    const sessions = await t.services.database.db
      .selectFrom('oidc_models')
      .select('payload')
      .where('kind', '=', 'Session')
      .where('account_id', '=', alice.subjectId)
      .execute();
    expect(sessions).toHaveLength(1);
    expect(Object.keys(JSON.parse(sessions[0]?.payload ?? '{}').authorizations)).toEqual(['books']);
    // It is no longer listed, and its next sign-in asks for consent again.
    expect((await appsOf(alice)).map((a) => a.clientId)).toEqual(['books']);
    expect(await asksConsent(alice.browser, shop)).toBe(true);
    // It is told by back-channel logout, naming the customer.
    await deliver(t);
    expect(rp.logouts).toHaveLength(1);
    expect(decodeJwt(rp.logouts[0] ?? '').sub).toBe(alice.subjectId);

    // Audited with ids only.
    const entries = (await t.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.grant.revoked',
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: `subject:${alice.subjectId}`,
      subjectId: alice.subjectId,
      target: 'oidc-client:shop',
    });
    expect(JSON.stringify(entries[0])).not.toContain('@example.com');

    // Alice's other app and Bob's sign-in to the same app go on.
    const booksRefresh = await books.refresh(aliceBooks.refresh_token ?? '');
    expect(booksRefresh.status).toBe(200);
    expect((await books.userinfo(booksRefresh.body.access_token ?? '')).status).toBe(200);
    const bobRefresh = await shop.refresh(bobShop.refresh_token ?? '');
    expect(bobRefresh.status).toBe(200);
    expect((await shop.userinfo(bobRefresh.body.access_token ?? '')).body?.email).toBe(
      'apps.bob@example.com',
    );
    expect((await appsOf(bob)).map((a) => a.clientId)).toEqual(['shop']);
    expect(await asksConsent(bob.browser, shop)).toBe(false);
  });

  it('answers a catalogued 404 for an app the customer never allowed, an unknown one, or one already taken back', async () => {
    const c = await customer('apps.none@example.com');
    await tokensIn(c.browser, books);
    for (const clientId of ['shop', 'no-such-app']) {
      const res = await c.call('DELETE', `/v1/me/apps/${clientId}`);
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'MXF_OIDC_GRANT_NOT_FOUND']);
    }
    expect((await c.call('DELETE', '/v1/me/apps/books')).statusCode).toBe(204);
    const again = await c.call('DELETE', '/v1/me/apps/books');
    expect([again.statusCode, again.json().error.code]).toEqual([404, 'MXF_OIDC_GRANT_NOT_FOUND']);
    // Nothing was audited for the refusals.
    const entries = (await t.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.grant.revoked' && e.subjectId === c.subjectId,
    );
    expect(entries.map((e) => e.target)).toEqual(['oidc-client:books']);
  });

  it('refuses a malformed app id with a catalogued 400, never a 500', async () => {
    const c = await customer('apps.bad@example.com');
    for (const id of ['Shop', 'a', 'x'.repeat(70), 'shop%2F..', '%00', 'shop;drop', "'or'1'='1"]) {
      const res = await c.call('DELETE', `/v1/me/apps/${id}`);
      expect(res.statusCode, id).toBe(400);
      expect(res.json().error.code).toBe('MXF_REQUEST_INVALID');
    }
  });

  it('answers 401 without a cabinet session', async () => {
    for (const [method, url] of [
      ['GET', '/v1/me/apps'],
      ['DELETE', '/v1/me/apps/shop'],
    ] as const) {
      const anonymous = await t.app.inject({ method, url });
      expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'MXF_AUTH_REQUIRED']);
      const forged = await t.app.inject({ method, url, headers: { cookie: 'mxf_session=forged' } });
      expect(forged.statusCode).toBe(401);
    }
  });
});
