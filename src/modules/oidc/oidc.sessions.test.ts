/**
 * What a browser's sign-in to the apps rests on, over real HTTP: the cabinet
 * session of the customer at that browser, proved as recently as the app asks;
 * codes and refresh tokens that are good once, even when raced; and tokens that
 * end with the customer's password or account.
 */
import type { AddressInfo } from 'node:net';
import * as opaque from '@serenity-kit/opaque';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { customerBrowser, deliver, lastCode, signUp } from '../identity/identity.testkit.js';
import { TEST_KEY_STRETCHING } from '../staff/staff.testkit.js';
import { httpBrowser, relyingParty, signInToApp } from './oidc.testkit.js';

describe.each(databaseKinds())('the apps’ sign-in through the cabinet on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let app: ReturnType<typeof relyingParty>;
  const redirectUri = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    t = await createTestApp(kind, { listen: true });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await t.services.oidc.registerClient('system', {
      clientId: 'shop',
      name: 'Shop',
      redirectUris: [redirectUri],
    });
    app = relyingParty(base, 'shop', redirectUri);
  });
  afterAll(() => t?.close());

  /** A new customer, signed up and so signed in to the cabinet. */
  async function customer(email: string, password = 'a long customer password 1') {
    const cabinet = customerBrowser(t.app);
    expect((await signUp(t, cabinet, email, password)).statusCode).toBe(201);
    const session = cabinet.jar.mxf_session ?? '';
    const subjectId = (await t.services.identity.authenticate(session))?.subjectId ?? '';
    return { cabinet, session, subjectId, password };
  }

  /** Signs in to the app in `b` and redeems the code. */
  async function tokensIn(b: ReturnType<typeof httpBrowser>, params: Record<string, string> = {}) {
    const { landed, verifier } = await signInToApp(b, app, params);
    const tokens = await app.exchange(landed.searchParams.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    return tokens.body;
  }

  it('sends the browser to sign in once the customer signed out of the cabinet; prompt=none gets login_required', async () => {
    const { cabinet, session } = await customer('signed.out@example.com');
    const b = httpBrowser(base, { mxf_session: session });
    await tokensIn(b); // the app allowed, the provider's own session open
    expect((await cabinet.call('POST', '/v1/signout')).statusCode).toBe(204);
    delete b.jar.mxf_session;

    const again = await signInToApp(b, app);
    expect(again.landed.pathname).toBe('/signin');
    const silent = await signInToApp(b, app, { prompt: 'none' });
    expect(silent.landed.origin + silent.landed.pathname).toBe(redirectUri);
    expect(silent.landed.searchParams.get('error')).toBe('login_required');
    expect(silent.landed.searchParams.has('code')).toBe(false);
  });

  it('signs in to the app whoever is signed in to the cabinet at a shared browser, never the customer before', async () => {
    const alice = await customer('shared.alice@example.com');
    const bob = await customer('shared.bob@example.com');
    const shared = httpBrowser(base, { mxf_session: alice.session });
    await tokensIn(shared);
    expect((await alice.cabinet.call('POST', '/v1/signout')).statusCode).toBe(204);
    shared.jar.mxf_session = bob.session;

    const silent = await signInToApp(shared, app, { prompt: 'none' });
    expect(silent.landed.searchParams.get('error')).toBe('login_required');
    const { landed, verifier } = await signInToApp(shared, app);
    const tokens = await app.exchange(landed.searchParams.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token ?? '').sub).toBe(bob.subjectId);
    expect((await app.userinfo(tokens.body.access_token ?? '')).body?.email).toBe('shared.bob@example.com');
    // Alice's session at this browser ended; her grant, and her other browsers, go on.
    const ended = (await t.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.session.ended',
    );
    expect(ended.map((e) => e.subjectId)).toEqual([alice.subjectId]);
  });

  it('asks for a fresh sign-in when the app sends prompt=login or a max_age the session does not meet; auth_time is that sign-in', async () => {
    const email = 'fresh@example.com';
    const { session, password } = await customer(email);
    const signedUpAt = (await t.services.identity.authenticate(session))?.authenticatedAt ?? 0;
    const b = httpBrowser(base, { mxf_session: session });
    // With a max_age the id_token says when the customer signed in (auth_time): at sign-up, here.
    const first = await tokensIn(b, { max_age: '3600' });
    expect(decodeJwt(first.id_token ?? '').auth_time).toBe(Math.floor(signedUpAt / 1000));
    await new Promise((resolve) => setTimeout(resolve, 2100));

    const aged = await signInToApp(b, app, { max_age: '1' });
    expect(aged.landed.pathname).toBe('/signin');
    const asked = await signInToApp(b, app, { prompt: 'login', max_age: '3600' });
    expect(asked.landed.pathname).toBe('/signin');
    const back = asked.landed.searchParams.get('return') ?? '';
    expect(back).toMatch(/^\/oidc\/interaction\/[A-Za-z0-9_-]+/);

    // The customer signs in again; the sign-in page sends the browser back into the request.
    const cabinet = customerBrowser(t.app);
    expect((await cabinet.signin(email, password)).statusCode).toBe(200);
    b.jar.mxf_session = cabinet.jar.mxf_session ?? '';
    const signedInAt = (await t.services.identity.authenticate(b.jar.mxf_session))?.authenticatedAt ?? 0;
    const landed = await b.follow(await b.go('GET', back));
    expect(landed).toBeInstanceOf(URL);
    const tokens = await app.exchange((landed as URL).searchParams.get('code') ?? '', asked.verifier);
    expect(tokens.status).toBe(200);
    const authTime = Number(decodeJwt(tokens.body.id_token ?? '').auth_time);
    expect(authTime).toBe(Math.floor(signedInAt / 1000));
    expect(authTime).toBeGreaterThan(Math.floor(signedUpAt / 1000));
  });

  it('honours an authorization code once, however many redemptions race for it', async () => {
    const { session } = await customer('race.code@example.com');
    const b = httpBrowser(base, { mxf_session: session });
    for (let round = 0; round < 3; round++) {
      const { landed, verifier } = await signInToApp(b, app);
      const code = landed.searchParams.get('code') ?? '';
      const answers = await Promise.all(Array.from({ length: 6 }, () => app.exchange(code, verifier)));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const refused of answers.filter((a) => a.status !== 200))
        expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
    }
  });

  it('honours a refresh token once when refreshes race: no second live branch of the chain', async () => {
    const { session } = await customer('race.refresh@example.com');
    const first = await tokensIn(httpBrowser(base, { mxf_session: session }));
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => app.refresh(first.refresh_token ?? '')),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const refused of answers.filter((a) => a.status !== 200))
      expect(refused.body.error).toBe('invalid_grant');
    // The race is read as theft: the whole grant ends, the winner's new token too.
    for (const winner of winners)
      expect((await app.refresh(winner.body.refresh_token ?? '')).body.error).toBe('invalid_grant');
  });

  it('closes the cabinet to an app’s token the moment the customer reports a compromise', async () => {
    const { session, subjectId } = await customer('blocked@example.com');
    // Silen, a product: its token opens what it keeps in the customer's cabinet.
    const silen = relyingParty(base, 'silen', 'https://silen.uz/oidc/callback');
    const b = httpBrowser(base, { mxf_session: session });
    const { landed, verifier } = await signInToApp(b, silen, { scope: 'openid cabinet' });
    const tokens = await silen.exchange(landed.searchParams.get('code') ?? '', verifier);
    expect(tokens.status).toBe(200);
    const { secret } = await t.services.apps.issue('system', {
      productId: 'silen',
      scopes: ['cabinet'],
      label: 'Silen back end',
    });
    const cookie = `mxf_session=${session}`;
    const linked = await t.app.inject({
      method: 'PUT',
      url: '/v1/me/cabinet/products/silen',
      headers: { cookie },
    });
    expect(linked.statusCode).toBe(204);
    const read = () =>
      t.app.inject({
        url: `/v1/cabinet/customers/${subjectId}/records`,
        headers: { authorization: `Bearer ${secret}`, 'x-customer-token': tokens.body.access_token ?? '' },
      });
    expect((await read()).statusCode).toBe(200);

    const report = await t.app.inject({ method: 'POST', url: '/v1/me/compromise', headers: { cookie } });
    expect(report.statusCode).toBe(200);
    // The outbox has not run: the provider still holds the token, yet the account is blocked.
    const refused = await read();
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
  });

  it('signs out of the apps whoever signed in with the old password, once the customer resets it', async () => {
    const victim = await customer('reset.victim@example.com');
    // Someone who knows the password signs in on their own computer, and to the app.
    const theirs = customerBrowser(t.app);
    expect((await theirs.signin('reset.victim@example.com', victim.password)).statusCode).toBe(200);
    const intruder = httpBrowser(base, { mxf_session: theirs.jar.mxf_session ?? '' });
    const held = await tokensIn(intruder);

    const reset = await victim.cabinet.call('POST', '/v1/reset/start', {
      contact: 'reset.victim@example.com',
    });
    const code = await lastCode(t, 'reset.victim@example.com');
    const done = await victim.cabinet.register(
      'reset',
      reset.json().verificationId,
      code,
      'a new password 2',
    );
    expect(done.statusCode).toBe(204);
    await deliver(t);

    expect((await app.refresh(held.refresh_token ?? '')).body.error).toBe('invalid_grant');
    expect((await app.userinfo(held.access_token ?? '')).status).toBe(401);
    // Their browser still has the provider's cookie, but no longer a sign-in: it is sent to sign in.
    const again = await signInToApp(intruder, app);
    expect(again.landed.pathname).toBe('/signin');
    const audited = (await t.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.password.revoked' && e.subjectId === victim.subjectId,
    );
    expect(audited.map((e) => e.details?.reason)).toEqual(['reset']);
  });

  it('signs the apps out when the customer changes the password, keeping the cabinet session it was changed in', async () => {
    const { cabinet, session, subjectId } = await customer('change@example.com');
    const held = await tokensIn(httpBrowser(base, { mxf_session: session }));

    await opaque.ready;
    const registration = opaque.client.startRegistration({ password: 'another long password 3' });
    const started = await cabinet.call('POST', '/v1/me/password/start', {
      registrationRequest: registration.registrationRequest,
    });
    expect(started.statusCode).toBe(200);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: registration.clientRegistrationState,
      registrationResponse: started.json().registrationResponse,
      password: 'another long password 3',
      keyStretching: TEST_KEY_STRETCHING,
    });
    expect((await cabinet.call('POST', '/v1/me/password/finish', { registrationRecord })).statusCode).toBe(
      204,
    );
    await deliver(t);

    expect((await app.refresh(held.refresh_token ?? '')).body.error).toBe('invalid_grant');
    expect((await t.services.identity.authenticate(session))?.subjectId).toBe(subjectId);
  });
});
