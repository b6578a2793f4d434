/**
 * Single sign-on over real HTTP: maxfiy listens on a loopback port; a relying
 * party written here with fetch and node:crypto (PKCE S256) runs the code flow
 * through the consent screen, reads userinfo, refreshes with rotation, and
 * after the customer's compromise report finds its refresh token refused and
 * its back-channel logout endpoint (a real local server) told, with a logout
 * token signed by the provider's published keys.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { customerBrowser, deliver, signUp } from '../identity/identity.testkit.js';
import { browser, sessionCookie, tokenOf } from '../staff/staff.testkit.js';
import { oidcHeaders } from './oidc.routes.js';
import { authorize, b64url, httpBrowser, relyingParty, rpServer } from './oidc.testkit.js';

describe.each(databaseKinds())('single sign-on on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let admin: string;
  let rp: Awaited<ReturnType<typeof rpServer>>;
  let redirectUri: string;
  let session: string;
  let subjectId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, { listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const link = await t.services.staff.ensureSetupLink();
    admin = sessionCookie(
      await browser(t.app).setUpAdmin(tokenOf(link), 'admin@cdti.uz', 'correct horse battery staple'),
    );
    rp = await rpServer();
    redirectUri = `http://127.0.0.1:${rp.port}/callback`;
    const customer = customerBrowser(t.app);
    const signedUp = await signUp(t, customer, 'rp.customer@example.com', 'a long customer password 1');
    expect(signedUp.statusCode).toBe(201);
    session = customer.jar.mxf_session ?? '';
    subjectId = (await t.services.identity.authenticate(session))?.subjectId ?? '';
    expect(subjectId).not.toBe('');
  });
  afterAll(async () => {
    await new Promise((resolve) => rp?.server.close(resolve));
    await t?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, cookie = admin) =>
    t.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(payload ? { payload } : {}) });

  it('registers the five products from config/oidc.json and lets administrators register more, validated', async () => {
    const list = await api('GET', '/v1/oidc/clients');
    expect(list.statusCode).toBe(200);
    const config = list.json().clients.filter((c: { source: string }) => c.source === 'config');
    expect(config.map((c: { clientId: string }) => c.clientId).sort()).toEqual([
      'a-pay',
      'silen',
      'smartpos-supply',
      'smartpos-trade',
      'x-file',
    ]);
    expect(config.find((c: { clientId: string }) => c.clientId === 'silen').name).toBe('Silen');

    const good = {
      clientId: 'test-rp',
      name: 'Test RP',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [`http://127.0.0.1:${rp.port}/bye`],
      backchannelLogoutUri: `http://127.0.0.1:${rp.port}/backchannel`,
    };
    expect((await api('POST', '/v1/oidc/clients', good, '')).statusCode).toBe(401);
    const bad = await api('POST', '/v1/oidc/clients', { ...good, redirectUris: ['not a url'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MXF_REQUEST_INVALID');
    const extra = await api('POST', '/v1/oidc/clients', { ...good, client_secret: 'x' });
    expect(extra.json().error.code).toBe('MXF_REQUEST_INVALID');
    const plainHttp = await api('POST', '/v1/oidc/clients', {
      ...good,
      redirectUris: ['http://rp.example.com/cb'],
    });
    expect(plainHttp.statusCode).toBe(422);
    expect(plainHttp.json().error.code).toBe('MXF_OIDC_CLIENT_INVALID');

    const created = await api('POST', '/v1/oidc/clients', good);
    expect(created.statusCode).toBe(201);
    expect(created.json().client).toMatchObject({
      clientId: 'test-rp',
      source: 'admin',
      redirectUris: [redirectUri],
    });
    expect((await api('POST', '/v1/oidc/clients', good)).json().error.code).toBe('MXF_OIDC_CLIENT_EXISTS');
    expect((await api('DELETE', '/v1/oidc/clients/silen')).json().error.code).toBe(
      'MXF_OIDC_CLIENT_FROM_CONFIG',
    );
    expect((await api('DELETE', '/v1/oidc/clients/nobody')).statusCode).toBe(404);
    const temp = await api('POST', '/v1/oidc/clients', { ...good, clientId: 'temp-rp' });
    expect(temp.statusCode).toBe(201);
    expect((await api('DELETE', '/v1/oidc/clients/temp-rp')).statusCode).toBe(204);
    const after = (await api('GET', '/v1/oidc/clients'))
      .json()
      .clients.map((c: { clientId: string }) => c.clientId);
    expect(after).toContain('test-rp');
    expect(after).not.toContain('temp-rp');
  });

  it('registers a server with its public keys: it signs a token-endpoint assertion (private_key_jwt), never holds a secret', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'rp-2026', alg: 'ES256', use: 'sig' };
    const input = {
      clientId: 'server-rp',
      name: 'Server RP',
      redirectUris: [redirectUri],
      jwks: { keys: [jwk] },
    };
    // A private key pasted by mistake, a shared secret, or a key that does not parse: refused, nothing stored.
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    for (const keys of [[privateJwk], [{ kty: 'oct', k: 'c2VjcmV0' }], []]) {
      const refused = await api('POST', '/v1/oidc/clients', { ...input, jwks: { keys } });
      expect(refused.json().error.code).toBe('MXF_REQUEST_INVALID');
    }
    const broken = await api('POST', '/v1/oidc/clients', {
      ...input,
      jwks: { keys: [{ ...jwk, x: 'AAAA' }] },
    });
    expect([broken.statusCode, broken.json().error.code]).toEqual([422, 'MXF_OIDC_CLIENT_INVALID']);
    expect(
      (await api('GET', '/v1/oidc/clients')).json().clients.map((c: { clientId: string }) => c.clientId),
    ).not.toContain('server-rp');

    const created = await api('POST', '/v1/oidc/clients', input);
    expect(created.statusCode).toBe(201);
    expect(created.json().client).toMatchObject({
      tokenEndpointAuth: 'private_key_jwt',
      keyIds: ['rp-2026'],
    });

    const party = relyingParty(base, 'server-rp', redirectUri);
    const customer = httpBrowser(base, { mxf_session: session }, { 'accept-language': 'en' });
    const assertion = (key: Parameters<SignJWT['sign']>[0], audience: string, kid = 'rp-2026') =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer('server-rp')
        .setSubject('server-rp')
        .setAudience(audience)
        .setJti(b64url(randomBytes(16)))
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(key);
    const issuer = `${t.options.publicUrl}/oidc`;
    const exchange = async (code: string, verifier: string, extra: Record<string, string>) => {
      const res = await fetch(`${base}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
          ...extra,
        }).toString(),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

    // PKCE alone no longer does for this client; nor does an assertion signed with another key.
    const first = await authorize(customer, party, redirectUri, 'openid email', 'Allow', 'Server RP');
    expect((await exchange(first.code, first.verifier, { client_id: 'server-rp' })).body.error).toBe(
      'invalid_client',
    );
    const stranger = (await generateKeyPair('ES256')).privateKey;
    const forged = await exchange(first.code, first.verifier, {
      client_assertion_type: assertionType,
      client_assertion: await assertion(stranger, issuer),
    });
    expect([forged.status, forged.body.error]).toEqual([401, 'invalid_client']);

    // The customer allowed it once: the provider sends the browser straight back with a new code.
    const codeAgain = async () => {
      const { verifier, challenge } = party.pkce();
      const back = await customer.follow(
        await customer.go(
          'GET',
          party.authorizeUrl({
            scope: 'openid email',
            code_challenge: challenge,
            code_challenge_method: 'S256',
          }),
        ),
      );
      expect(back).toBeInstanceOf(URL);
      return { code: (back as URL).searchParams.get('code') ?? '', verifier };
    };
    const second = await codeAgain();
    const tokens = await exchange(second.code, second.verifier, {
      client_assertion_type: assertionType,
      client_assertion: await assertion(privateKey, issuer),
    });
    expect(tokens.status).toBe(200);
    const idToken = await jwtVerify(
      tokens.body.id_token ?? '',
      createRemoteJWKSet(new URL(`${base}/oidc/jwks`)),
      {
        issuer,
        audience: 'server-rp',
      },
    );
    expect(idToken.payload.sub).toBe(subjectId);

    // Rotation: the new key set replaces the old at once, and the customer's grant stays.
    const next = await generateKeyPair('ES256');
    const nextJwk = { ...(await exportJWK(next.publicKey)), kid: 'rp-2027', alg: 'ES256' };
    const rotate = (clientId: string, keys: object[], cookie?: string) =>
      api('PUT', `/v1/oidc/clients/${clientId}/keys`, { keys }, cookie);
    expect((await rotate('server-rp', [nextJwk], '')).statusCode).toBe(401);
    expect((await rotate('silen', [nextJwk])).json().error.code).toBe('MXF_OIDC_CLIENT_FROM_CONFIG');
    expect((await rotate('nobody', [nextJwk])).json().error.code).toBe('MXF_OIDC_CLIENT_NOT_FOUND');
    expect((await rotate('server-rp', [])).json().error.code).toBe('MXF_REQUEST_INVALID');
    expect((await rotate('server-rp', [{ ...nextJwk, y: nextJwk.x }])).json().error.code).toBe(
      'MXF_OIDC_CLIENT_INVALID',
    );
    const rotated = await rotate('server-rp', [nextJwk]);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().client).toMatchObject({
      tokenEndpointAuth: 'private_key_jwt',
      keyIds: ['rp-2027'],
      redirectUris: [redirectUri],
      name: 'Server RP',
    });
    const third = await codeAgain();
    const withOld = await exchange(third.code, third.verifier, {
      client_assertion_type: assertionType,
      client_assertion: await assertion(privateKey, issuer),
    });
    expect(withOld.body.error).toBe('invalid_client');
    const fourth = await codeAgain();
    const withNew = await exchange(fourth.code, fourth.verifier, {
      client_assertion_type: assertionType,
      client_assertion: await assertion(next.privateKey, issuer, 'rp-2027'),
    });
    expect(withNew.status).toBe(200);
    const audited = (await t.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.client.keys.replaced',
    );
    expect(audited.map((e) => [e.target, e.details])).toEqual([
      ['oidc-client:server-rp', { keyIds: ['rp-2027'] }],
    ]);
    expect((await api('DELETE', '/v1/oidc/clients/server-rp')).statusCode).toBe(204);
  });

  it('answers any near-valid key set with a catalogued refusal or a registration, never a failure (fuzz)', async () => {
    const part = fc.string({ unit: fc.constantFrom(...'AZaz09_-'.split('')), minLength: 1, maxLength: 90 });
    const key = fc.record(
      {
        kty: fc.constantFrom('EC', 'OKP', 'RSA'),
        crv: fc.constantFrom('P-256', 'P-384', 'P-521', 'Ed25519'),
        alg: fc.constantFrom('ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'),
        kid: fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme-ascii' }),
        x: part,
        y: part,
        n: part,
        e: fc.constantFrom('AQAB', 'Aw', 'AA'),
      },
      { requiredKeys: ['kty'] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 1, maxLength: 3 }), async (keys) => {
        const clientId = `fuzz-${n++}`;
        const res = await api('POST', '/v1/oidc/clients', {
          clientId,
          redirectUris: [redirectUri],
          jwks: { keys },
        });
        expect([201, 400, 422]).toContain(res.statusCode);
        if (res.statusCode === 201) await api('DELETE', `/v1/oidc/clients/${clientId}`);
        else expect(res.json().error.code).toMatch(/^MXF_(REQUEST|OIDC_CLIENT)_INVALID$/);
      }),
      { numRuns: 60 },
    );
  });

  it('publishes discovery with the public issuer and only public keys', async () => {
    const res = await fetch(`${base}/oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const discovery = (await res.json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(`${t.options.publicUrl}/oidc`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.backchannel_logout_supported).toBe(true);
    const jwks = (await (await fetch(`${base}/oidc/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });

  it('refuses an authorization request without PKCE, and one to an unregistered redirect URI', async () => {
    const party = relyingParty(base, 'test-rp', redirectUri);
    const noPkce = await fetch(party.authorizeUrl({ scope: 'openid', state: 's1' }), { redirect: 'manual' });
    const back = new URL(noPkce.headers.get('location') ?? '', base);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('code')).toBeNull();

    const { challenge } = party.pkce();
    const elsewhere = relyingParty(base, 'test-rp', `http://127.0.0.1:${rp.port}/other`);
    const wrong = await fetch(
      elsewhere.authorizeUrl({ scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }),
      { redirect: 'manual' },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('location')).toBeNull();
    expect(await wrong.text()).toContain('invalid_redirect_uri');
  });

  it('signs out by RP-initiated logout: a confirmation page in the customer’s language, the grant ended, the app told', async () => {
    const party = relyingParty(base, 'test-rp', redirectUri);
    const b = httpBrowser(base, { mxf_session: session }, { 'accept-language': 'uz-Latn' });
    // No offline_access asked: the app still gets a refresh token, and the consent screen says so.
    const { code, verifier } = await authorize(b, party, redirectUri, 'openid email', 'Ruxsat berish');
    const tokens = await party.exchange(code, verifier);
    expect(tokens.status).toBe(200);

    const end = new URL('/oidc/session/end', base);
    end.searchParams.set('client_id', 'test-rp');
    end.searchParams.set('post_logout_redirect_uri', `http://127.0.0.1:${rp.port}/bye`);
    end.searchParams.set('state', 'bye-1');
    const confirm = await b.go('GET', `${end.href}&lang=en`);
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('Sign out of the apps on this device?');
    const xsrf = html.match(/name="xsrf" value="([^"]+)"/)?.[1] ?? '';
    const action = html.match(/id="op.logoutForm" method="post" action="([^"]+)"/)?.[1] ?? '';
    expect(xsrf).not.toBe('');
    const out = await b.follow(await b.go('POST', action, {}, { xsrf, logout: 'yes' }));
    expect(out).toBeInstanceOf(URL);
    expect((out as URL).href).toBe(`http://127.0.0.1:${rp.port}/bye?state=bye-1`);

    expect((await party.refresh(tokens.body.refresh_token ?? '')).body.error).toBe('invalid_grant');
    expect(rp.logouts).toHaveLength(1);
    const keys = createRemoteJWKSet(new URL(`${base}/oidc/jwks`));
    const logout = await jwtVerify(rp.logouts[0] ?? '', keys, {
      issuer: `${t.options.publicUrl}/oidc`,
      audience: 'test-rp',
    });
    expect(logout.payload.sub).toBe(subjectId);
    rp.logouts.length = 0;
  });

  it('lets a product app read what it keeps in a cabinet only with the token the customer’s sign-in gave it', async () => {
    // Silen, as configured: the redirect goes to the product's own site, which the test never fetches.
    const silenUri = 'https://silen.uz/oidc/callback';
    const silen = relyingParty(base, 'silen', silenUri);
    const customer = httpBrowser(base, { mxf_session: session }, { 'accept-language': 'en' });
    const grant = async (scope: string) => {
      const { code, verifier } = await authorize(customer, silen, silenUri, scope, 'Allow', 'Silen');
      const tokens = await silen.exchange(code, verifier);
      expect(tokens.status).toBe(200);
      return tokens.body.access_token ?? '';
    };
    // First without the cabinet; asking for it later shows the consent screen again, for that scope.
    const withoutCabinet = await grant('openid email');
    const withCabinet = await grant('openid email cabinet');

    const { secret, id: credentialId } = await t.services.apps.issue('system', {
      productId: 'silen',
      scopes: ['cabinet'],
      label: 'Silen back end',
    });
    const link = await t.app.inject({
      method: 'PUT',
      url: '/v1/me/cabinet/products/silen',
      headers: { cookie: `mxf_session=${session}` },
    });
    expect(link.statusCode).toBe(204);
    const recordUrl = `/v1/cabinet/customers/${subjectId}/records`;
    const write = await t.app.inject({
      method: 'PUT',
      url: recordUrl,
      headers: { authorization: `Bearer ${secret}` },
      payload: { key: 'playlist', value: { songs: 3 } },
    });
    expect(write.statusCode).toBe(204);

    const read = (token?: string, url = recordUrl) =>
      t.app.inject({
        url,
        headers: { authorization: `Bearer ${secret}`, ...(token ? { 'x-customer-token': token } : {}) },
      });
    const ok = await read(withCabinet);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().records.map((r: { key: string; value: unknown }) => [r.key, r.value])).toEqual([
      ['playlist', { songs: 3 }],
    ]);
    // Every read of personal data by an app is audited (§2, §3): which app, whose cabinet, ids and counts only.
    const reads = (await t.services.audit.entries({ subjectId, limit: 500 })).filter(
      (e) => e.action === 'cabinet.read',
    );
    expect(reads.map((e) => [e.actor, e.details])).toEqual([
      [`app:${credentialId}`, { records: 1, productIds: ['silen'] }],
    ]);
    expect(JSON.stringify(reads)).not.toContain('songs');
    // The credential alone, a token without the cabinet scope, or one for another customer: refused.
    const other = `/v1/cabinet/customers/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}/records`;
    for (const res of [await read(), await read(withoutCabinet), await read(withCabinet, other)]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('MXF_CABINET_NOT_AUTHORIZED');
    }
    // Another product's credential cannot use Silen's token.
    const trade = await t.services.apps.issue('system', {
      productId: 'smartpos-trade',
      scopes: ['cabinet'],
      label: 'Trade back end',
    });
    const crossed = await t.app.inject({
      url: recordUrl,
      headers: { authorization: `Bearer ${trade.secret}`, 'x-customer-token': withCabinet },
    });
    expect(crossed.statusCode).toBe(403);
  });

  it('runs the code flow through the consent screen, reads userinfo, rotates refresh tokens, and ends it all on a compromise report', async () => {
    const party = relyingParty(base, 'test-rp', redirectUri);
    const issuer = `${t.options.publicUrl}/oidc`;
    const keys = createRemoteJWKSet(new URL(`${base}/oidc/jwks`));

    // Without a cabinet session the interaction sends the browser to the cabinet's sign-in page.
    const stranger = httpBrowser(base);
    const first = party.pkce();
    const toSignin = await stranger.follow(
      await stranger.go(
        'GET',
        party.authorizeUrl({
          scope: 'openid',
          code_challenge: first.challenge,
          code_challenge_method: 'S256',
        }),
      ),
    );
    expect(toSignin).toBeInstanceOf(URL);
    const signin = toSignin as URL;
    expect(signin.origin + signin.pathname).toBe(`${base}/signin`);
    expect(signin.searchParams.get('return')).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+/);

    const customer = httpBrowser(base, { mxf_session: session }, { 'accept-language': 'ru-RU, en;q=0.5' });
    const { code, verifier } = await authorize(
      customer,
      party,
      redirectUri,
      'openid email offline_access',
      'Разрешить',
    );
    const tokens = await party.exchange(code, verifier);
    expect(tokens.status).toBe(200);
    const idToken = await jwtVerify(tokens.body.id_token ?? '', keys, { issuer, audience: 'test-rp' });
    expect(idToken.payload.sub).toBe(subjectId);
    expect(idToken.payload.nonce).toBe('n-1');

    const info = await party.userinfo(tokens.body.access_token ?? '');
    expect(info.status).toBe(200);
    expect(info.body).toEqual({ sub: subjectId, email: 'rp.customer@example.com', email_verified: true });

    // Rotation: the new refresh token works, the old one is refused, and reusing it ends the grant.
    const r1 = tokens.body.refresh_token ?? '';
    const rotated = await party.refresh(r1);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(r1);
    const reused = await party.refresh(r1);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect((await party.refresh(rotated.body.refresh_token ?? '')).body.error).toBe('invalid_grant');
    // A code is good once.
    expect((await party.exchange(code, verifier)).body.error).toBe('invalid_grant');

    // A second grant (the provider's session remembers the sign-in), then the compromise report.
    const again = await authorize(customer, party, redirectUri, 'openid email offline_access', 'Разрешить');
    const second = await party.exchange(again.code, again.verifier);
    expect(second.status).toBe(200);
    const r2 = await party.refresh(second.body.refresh_token ?? '');
    expect(r2.status).toBe(200);
    expect((await party.userinfo(r2.body.access_token ?? '')).status).toBe(200);
    expect(rp.logouts).toEqual([]);

    const report = await t.app.inject({
      method: 'POST',
      url: '/v1/me/compromise',
      headers: { cookie: `mxf_session=${session}` },
    });
    expect(report.statusCode).toBe(200);
    await deliver(t);

    const refused = await party.refresh(r2.body.refresh_token ?? '');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect((await party.userinfo(r2.body.access_token ?? '')).status).toBe(401);
    expect(rp.logouts).toHaveLength(1);
    const logout = await jwtVerify(rp.logouts[0] ?? '', keys, { issuer, audience: 'test-rp' });
    expect(logout.payload.sub).toBe(subjectId);
    expect(logout.payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(logout.payload.nonce).toBeUndefined();
    // The app's endpoint was called from the subscribers' lane, where a slow one holds up no code.
    const sent = await t.services.database.db
      .selectFrom('outbox')
      .select('lane')
      .where('topic', '=', 'oidc.backchannel-logout')
      .execute();
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((m) => m.lane))).toEqual(new Set(['subscribers']));
    const left = await t.services.database.db
      .selectFrom('oidc_models' as never)
      .select('kind' as never)
      .where('account_id' as never, '=', subjectId as never)
      .execute();
    expect(left).toEqual([]);

    // Delivered again (the outbox may do so), nothing more happens.
    const handler = t.services.outbox.handlerFor('identity.compromised');
    await handler?.handle({ subjectId }, { messageId: 'again', attempt: 2, idempotencyKey: 'again' });
    await deliver(t);
    expect(rp.logouts).toHaveLength(1);
  });

  it('keeps its signing keys sealed in the keyring, not in files', async () => {
    const row = await t.services.database.db
      .selectFrom('secrets')
      .selectAll()
      .where('name', '=', 'oidc-jwks')
      .executeTakeFirst();
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain('"kty"');
    expect(oidcHeaders('https://id.example.uz')['content-security-policy']).toContain(
      "form-action 'self' https:;",
    );
  });
});

// The database plays no part here: SQLite only.
describe('single sign-on behind a listed proxy', () => {
  let t: TestApp;
  let base: string;
  const forwarded = { 'x-forwarded-host': 'elsewhere.example', 'x-forwarded-proto': 'https' };

  beforeAll(async () => {
    t = await createTestApp('sqlite', { listen: true, options: { trustProxy: '10.0.0.0/8' } });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t?.close());

  it('announces endpoints on the host a client names only when the client is a listed proxy', async () => {
    // 127.0.0.1 is not in 10.0.0.0/8: an ordinary client, whose forwarded headers count for nothing.
    const direct = await fetch(`${base}/oidc/.well-known/openid-configuration`, { headers: forwarded });
    expect(direct.status).toBe(200);
    const seen = (await direct.json()) as Record<string, string>;
    for (const endpoint of [seen.authorization_endpoint, seen.token_endpoint, seen.jwks_uri])
      expect(endpoint?.startsWith(`${base}/oidc/`), endpoint).toBe(true);

    const viaProxy = await t.app.inject({
      url: '/oidc/.well-known/openid-configuration',
      remoteAddress: '10.1.2.3',
      headers: forwarded,
    });
    expect(viaProxy.statusCode).toBe(200);
    expect(viaProxy.json().token_endpoint).toBe('https://elsewhere.example/oidc/token');
  });
});

// The database plays no part here: SQLite only.
describe('back-channel logout under the default outbound rule (internal addresses refused)', () => {
  let t: TestApp;
  let rp: Awaited<ReturnType<typeof rpServer>>;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { options: { outboundPrivateAddresses: 'refuse' } });
    rp = await rpServer();
  });
  afterAll(async () => {
    await new Promise((done) => rp?.server.close(done));
    await t?.close();
  });

  it('sends no logout to an internal address, written as an address or as a name, like any other outbound call', async () => {
    const handler = t.services.outbox.handlerFor('oidc.backchannel-logout');
    for (const [i, host] of ['127.0.0.1', 'localhost', '[::1]'].entries()) {
      const clientId = `internal-${i}`;
      await t.services.oidc.registerClient('system', {
        clientId,
        name: `Internal ${i}`,
        redirectUris: ['https://rp.example.com/cb'],
        backchannelLogoutUri: `http://${host}:${rp.port}/backchannel`,
      });
      const ctx = { messageId: `m-${i}`, attempt: 1, idempotencyKey: `k-${i}` };
      await expect(handler?.handle({ clientId, subjectId: 'subject-1' }, ctx), host).rejects.toThrow();
    }
    expect(rp.logouts).toEqual([]);
  });
});
