import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds, listTables } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { customerBrowser, inboxFor, lastCode } from '../identity/identity.testkit.js';
import { STEP_UP_MS } from '../identity/sessions.js';
import { browser, sessionCookie, tokenOf } from '../staff/staff.testkit.js';
import { lockGrant } from './cabinet.store.js';
import { errorOf, linkProduct, newCustomer, productApp, signedInStaff } from './cabinet.testkit.js';

const MARKER = 'kabinet-sirri-7f3a9c2e41b8';
const HOUR = 60 * 60_000;

/** The marker as it would look raw, in hex or in base64 (at each of the three alignments). */
function encodings(marker: string): string[] {
  const bytes = Buffer.from(marker);
  const base64 = [0, 1, 2].map((pad) =>
    Buffer.concat([Buffer.alloc(pad), bytes])
      .toString('base64')
      .slice(4, -4),
  );
  return [marker, bytes.toString('hex'), ...base64];
}

/** Every value of every row of every table, as text. */
async function everyRow(t: TestApp): Promise<string> {
  const parts: string[] = [];
  for (const table of await listTables(t.services.database)) {
    const rows = await t.services.database.db
      .selectFrom(table as 'customers')
      .selectAll()
      .execute();
    for (const row of rows)
      for (const v of Object.values(row)) parts.push(Buffer.isBuffer(v) ? v.toString('latin1') : String(v));
  }
  return parts.join('\n');
}

describe.each(databaseKinds())('the personal cabinet on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => t.close());

  it('keeps records encrypted under the customer’s key: the marker is in no row nor file, and shredding the key makes them unreadable', async () => {
    const { b, customerId } = await newCustomer(t, 'dilnoza@example.uz', 'anor-olma 42');
    const trade = await productApp(t, 'smartpos-trade');
    expect((await linkProduct(b, 'smartpos-trade')).statusCode).toBe(204);
    const put = await trade.put(customerId, `note ${MARKER}`, {
      value: { text: MARKER, items: [1, 2] },
      kind: 'note',
    });
    expect(put.statusCode).toBe(204);

    const mine = (await b.call('GET', '/v1/me/cabinet/records')).json().records;
    expect(mine).toEqual([
      {
        productId: 'smartpos-trade',
        key: `note ${MARKER}`,
        kind: 'note',
        value: { text: MARKER, items: [1, 2] },
        updatedAt: clock.now(),
      },
    ]);

    const dump = await everyRow(t);
    for (const form of encodings(MARKER)) expect(dump).not.toContain(form);
    if (kind === 'sqlite') {
      const file = t.services.database.file as string;
      for (const f of [file, `${file}-wal`]) {
        if (!existsSync(f)) continue;
        const bytes = readFileSync(f).toString('latin1');
        for (const form of encodings(MARKER)) expect(bytes).not.toContain(form);
      }
    }

    await t.services.database.write((trx) => t.services.keyring.shred(trx, customerId));
    const after = await b.call('GET', '/v1/me/cabinet/records');
    expect([after.statusCode, errorOf(after)]).toEqual([410, 'MXF_KEYS_SUBJECT_SHREDDED']);
    // The app's own credential never reads a cabinet without the customer's token (see the OIDC tests).
    const app = await trade.call('GET', `/v1/cabinet/customers/${customerId}/records`);
    expect([app.statusCode, errorOf(app)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    expect(after.body + app.body).not.toContain(MARKER);
  });

  it('lets an app write only for a product the customer linked, and read or delete only its own product’s records', async () => {
    const { b, customerId } = await newCustomer(t, 'bobur@example.uz', 'qovun-uzum 9');
    const trade = await productApp(t, 'smartpos-trade');
    const silen = await productApp(t, 'silen');
    const decisionsOnly = await productApp(t, 'silen', ['decisions']);

    const unlinked = await trade.put(customerId, 'settings', { value: 1 });
    expect([unlinked.statusCode, errorOf(unlinked)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    const nobody = await trade.put('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'x', {
      value: 1,
    });
    expect([nobody.statusCode, errorOf(nobody)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    const scope = await decisionsOnly.put(customerId, 'settings', { value: 1 });
    expect([scope.statusCode, errorOf(scope)]).toEqual([403, 'MXF_APP_SCOPE_MISSING']);
    const anonymous = await t.app.inject({
      method: 'GET',
      url: `/v1/cabinet/customers/${customerId}/records`,
    });
    expect(anonymous.statusCode).toBe(401);

    await linkProduct(b, 'smartpos-trade');
    const unknown = await linkProduct(b, 'no-such-product');
    expect([unknown.statusCode, errorOf(unknown)]).toEqual([404, 'MXF_CABINET_PRODUCT_NOT_FOUND']);
    expect((await trade.put(customerId, 'settings', { value: { theme: 'dark' } })).statusCode).toBe(204);
    clock.advance(1_000);
    expect((await trade.put(customerId, 'settings', { value: { theme: 'light' } })).statusCode).toBe(204);
    expect((await trade.put(customerId, 'cart', { value: [1] })).statusCode).toBe(204);
    const big = await trade.put(customerId, 'settings', { value: 'x'.repeat(64 * 1024) });
    expect([big.statusCode, errorOf(big)]).toEqual([413, 'MXF_CABINET_VALUE_TOO_LARGE']);

    const silenRead = await silen.call('GET', `/v1/cabinet/customers/${customerId}/records`);
    expect([silenRead.statusCode, errorOf(silenRead)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    await linkProduct(b, 'silen');
    expect((await silen.put(customerId, 'settings', { value: 'silen' })).statusCode).toBe(204);
    // Linked is enough to write, never to read: reading needs the customer's own token as well.
    const linkedRead = await silen.call('GET', `/v1/cabinet/customers/${customerId}/records`);
    expect([linkedRead.statusCode, errorOf(linkedRead)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    const forged = await t.app.inject({
      method: 'GET',
      url: `/v1/cabinet/customers/${customerId}/records`,
      headers: { authorization: `Bearer ${silen.secret}`, 'x-customer-token': 'not-a-token' },
    });
    expect([forged.statusCode, errorOf(forged)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    const silenOwn = (await b.call('GET', '/v1/me/cabinet/records?productId=silen')).json().records;
    expect(silenOwn.map((r: { productId: string; value: unknown }) => [r.productId, r.value])).toEqual([
      ['silen', 'silen'],
    ]);
    const tradeOwn = (await b.call('GET', '/v1/me/cabinet/records?productId=smartpos-trade')).json().records;
    expect(tradeOwn.map((r: { key: string; value: unknown }) => [r.key, r.value])).toEqual([
      ['settings', { theme: 'light' }],
      ['cart', [1]],
    ]);

    expect((await trade.remove(customerId, 'cart')).statusCode).toBe(204);
    const again = await trade.remove(customerId, 'cart');
    expect([again.statusCode, errorOf(again)]).toEqual([404, 'MXF_CABINET_RECORD_NOT_FOUND']);
    // A record's key never travels in the address, where proxies' access logs would keep it.
    for (const [method, url] of [
      ['PUT', `/v1/cabinet/customers/${customerId}/records/settings`],
      ['DELETE', `/v1/cabinet/customers/${customerId}/records/settings`],
    ] as const) {
      const inPath = await trade.call(method, url, method === 'PUT' ? { value: 3 } : undefined);
      expect([inPath.statusCode, errorOf(inPath)]).toEqual([404, 'MXF_ROUTE_NOT_FOUND']);
    }
    const keyless = await trade.call('PUT', `/v1/cabinet/customers/${customerId}/records`, { value: 3 });
    expect([keyless.statusCode, errorOf(keyless)]).toEqual([400, 'MXF_REQUEST_INVALID']);

    const products = (await b.call('GET', '/v1/me/cabinet/products')).json().products;
    const linked = products.filter((p: { linked: boolean }) => p.linked);
    expect(
      linked.map((p: { productId: string; records: number }) => [p.productId, p.records]).sort(),
    ).toEqual([
      ['silen', 1],
      ['smartpos-trade', 1],
    ]);

    expect((await b.call('DELETE', '/v1/me/cabinet/products/smartpos-trade')).statusCode).toBe(204);
    for (const res of [
      await trade.put(customerId, 'settings', { value: 2 }),
      await trade.call('GET', `/v1/cabinet/customers/${customerId}/records`),
    ])
      expect([res.statusCode, errorOf(res)]).toEqual([403, 'MXF_CABINET_NOT_AUTHORIZED']);
    // The records stay the customer's.
    const byProduct = (await b.call('GET', '/v1/me/cabinet/records?productId=smartpos-trade')).json().records;
    expect(byProduct.map((r: { key: string }) => r.key)).toEqual(['settings']);

    const actions = (await t.services.audit.entries({ subjectId: customerId, limit: 100 })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'cabinet.product.linked',
        'cabinet.record.written',
        'cabinet.record.deleted',
        'cabinet.product.unlinked',
      ]),
    );
  });

  it('lets staff read only within a live grant’s products, until it expires or is revoked, each read audited and shown to the customer', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    for (const productId of ['smartpos-trade', 'silen']) {
      await linkProduct(b, productId);
      const app = await productApp(t, productId);
      await app.put(customerId, 'profile', { value: `${productId} data` });
    }
    const named = await signedInStaff(t, clock, ['dpo'], 'named');
    const support = await signedInStaff(t, clock, ['support'], 'support');
    const admin = await signedInStaff(t, clock, ['admin'], 'admin');

    const grantees = (await b.call('GET', '/v1/me/cabinet/grantees')).json();
    expect(grantees.roles).toEqual(['support']);
    expect(grantees.staff).toEqual(expect.arrayContaining([{ id: named.id, name: named.displayName }]));

    // Only silen, for one hour, to the named member.
    const created = await b.call('POST', '/v1/me/cabinet/grants', {
      grantee: { staffId: named.id },
      productIds: ['silen'],
      hours: 1,
      reason: 'Help with my Silen settings',
    });
    expect(created.statusCode).toBe(201);
    const grant = created.json();
    expect(grant).toMatchObject({ grantee: { staffId: named.id, name: named.displayName }, live: true });

    expect((await named.get('/v1/cabinet/granted')).json().grants).toEqual([
      {
        id: grant.id,
        customerId,
        productIds: ['silen'],
        expiresAt: clock.now() + HOUR,
        reason: 'Help with my Silen settings',
      },
    ]);
    expect((await support.get('/v1/cabinet/granted')).json().grants).toEqual([]);
    const read = await named.get(`/v1/cabinet/granted/${grant.id}/records`);
    expect(read.statusCode).toBe(200);
    expect(
      read.json().records.map((r: { productId: string; value: unknown }) => [r.productId, r.value]),
    ).toEqual([['silen', 'silen data']]);
    for (const other of [support, admin]) {
      const res = await other.get(`/v1/cabinet/granted/${grant.id}/records`);
      expect([res.statusCode, errorOf(res)]).toEqual([404, 'MXF_CABINET_GRANT_NOT_FOUND']);
    }
    const inForce = await admin.get('/v1/cabinet/grants');
    expect(inForce.json().grants.map((g: { id: string }) => g.id)).toEqual([grant.id]);
    expect(inForce.body).not.toContain('silen data');
    expect((await support.get('/v1/cabinet/grants')).statusCode).toBe(403);

    // An hour later the grant reads nothing (the staff sessions kept alive meanwhile).
    for (let i = 0; i < 3; i++) {
      clock.advance(HOUR / 3);
      for (const member of [named, support, admin])
        expect((await member.get('/v1/staff/me')).statusCode).toBe(200);
    }
    const expired = await named.get(`/v1/cabinet/granted/${grant.id}/records`);
    expect([expired.statusCode, errorOf(expired)]).toEqual([403, 'MXF_CABINET_GRANT_NOT_LIVE']);
    expect((await named.get('/v1/cabinet/granted')).json().grants).toEqual([]);

    // A grant needs a recent sign-in; the old session is past it.
    await b.signin('malika@example.uz', 'shaftoli 31');
    clock.advance(STEP_UP_MS + 1);
    const stale = await b.call('POST', '/v1/me/cabinet/grants', {
      grantee: { role: 'support' },
      productIds: [],
      hours: 2,
      reason: 'stale',
    });
    expect([stale.statusCode, errorOf(stale)]).toEqual([403, 'MXF_IDENTITY_STEP_UP_REQUIRED']);
    await b.signin('malika@example.uz', 'shaftoli 31');

    // The support role, every product; revoked at once.
    const roleGrant = (
      await b.call('POST', '/v1/me/cabinet/grants', {
        grantee: { role: 'support' },
        productIds: [],
        hours: 2,
        reason: 'Anything support needs',
      })
    ).json();
    const all = await support.get(`/v1/cabinet/granted/${roleGrant.id}/records`);
    expect(
      all
        .json()
        .records.map((r: { productId: string }) => r.productId)
        .sort(),
    ).toEqual(['silen', 'smartpos-trade']);
    expect((await named.get(`/v1/cabinet/granted/${roleGrant.id}/records`)).statusCode).toBe(404);
    expect((await b.call('DELETE', `/v1/me/cabinet/grants/${roleGrant.id}`)).statusCode).toBe(204);
    const revoked = await support.get(`/v1/cabinet/granted/${roleGrant.id}/records`);
    expect([revoked.statusCode, errorOf(revoked)]).toEqual([403, 'MXF_CABINET_GRANT_NOT_LIVE']);
    expect((await b.call('DELETE', `/v1/me/cabinet/grants/${roleGrant.id}`)).statusCode).toBe(204);

    const mine = (await b.call('GET', '/v1/me/cabinet/grants')).json().grants;
    expect(
      mine.map((g: { id: string; live: boolean; revokedAt: number | null }) => [g.id, g.live, !!g.revokedAt]),
    ).toEqual([
      [roleGrant.id, false, true],
      [grant.id, false, false],
    ]);
    const log = (await b.call('GET', '/v1/me/cabinet/access-log')).json().entries;
    expect(
      log.map((e: { staffId: string; staffName: string; grantId: string; productIds: string[] }) => [
        e.staffName,
        e.grantId,
        e.productIds,
      ]),
    ).toEqual([
      [support.displayName, roleGrant.id, ['silen', 'smartpos-trade']],
      [named.displayName, grant.id, ['silen']],
    ]);

    const entries = await t.services.audit.entries({ subjectId: customerId, limit: 500 });
    const reads = entries.filter((e) => e.action === 'cabinet.read');
    expect(reads.map((e) => [e.actor, e.target])).toEqual([
      [`staff:${named.id}`, `grant:${grant.id}`],
      [`staff:${support.id}`, `grant:${roleGrant.id}`],
    ]);
    expect(entries.filter((e) => e.action === 'cabinet.read.refused').length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(entries)).not.toContain(' data');
    expect(JSON.stringify(entries)).not.toContain('Help with');
  });

  it('covers only the staff accounts as they stood when the customer gave the grant: an administrator can neither take over the grantee’s sign-in nor add a member to the role and read (§4)', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    await linkProduct(b, 'silen');
    await (await productApp(t, 'silen')).put(customerId, 'profile', {
      value: 'silen data',
    });
    const named = await signedInStaff(t, clock, ['dpo'], 'named');
    const admin = await signedInStaff(t, clock, ['admin'], 'admin');
    const give = async (grantee: object) =>
      (
        await b.call('POST', '/v1/me/cabinet/grants', { grantee, productIds: [], hours: 24, reason: 'help' })
      ).json().id as string;
    const toNamed = await give({ staffId: named.id });
    const toSupport = await give({ role: 'support' });
    clock.advance(1_000);
    const desk = browser(t.app, { now: () => clock.now() });

    // The administrator resets the grantee's sign-in, keeps the link, and signs in as them.
    const reset = await desk.post(
      `/v1/staff/${named.id}/reset`,
      { language: 'en' },
      { cookie: admin.cookie },
    );
    expect(reset.statusCode).toBe(201);
    const taken = await desk.resetSignIn(tokenOf(reset.json().link), 'chosen by the administrator');
    expect(taken.statusCode).toBe(201);
    const takenCookie = sessionCookie(taken);
    await desk.enrolTotp(takenCookie, named.email);

    // The administrator invites a member of the support role and accepts the invitation.
    const invited = await desk.post(
      '/v1/staff/invites',
      { email: 'puppet@staff.example', displayName: 'Puppet', roles: ['support'], language: 'en' },
      { cookie: admin.cookie },
    );
    expect(invited.statusCode).toBe(201);
    const accepted = await desk.acceptInvite(tokenOf(invited.json().link), 'puppet password');
    expect(accepted.statusCode).toBe(201);
    const puppetCookie = sessionCookie(accepted);
    await desk.enrolTotp(puppetCookie, 'puppet@staff.example');

    for (const [cookie, grantId] of [
      [takenCookie, toNamed],
      [puppetCookie, toSupport],
    ] as const) {
      const headers = { cookie };
      expect((await t.app.inject({ url: '/v1/staff/me', headers })).statusCode).toBe(200);
      const granted = await t.app.inject({ url: '/v1/cabinet/granted', headers });
      expect(granted.json().grants).toEqual([]);
      const read = await t.app.inject({ url: `/v1/cabinet/granted/${grantId}/records`, headers });
      expect([read.statusCode, errorOf(read)]).toEqual([404, 'MXF_CABINET_GRANT_NOT_FOUND']);
      expect(read.body).not.toContain('silen data');
    }
    const reads = (await t.services.audit.entries({ subjectId: customerId, limit: 500 })).map(
      (e) => e.action,
    );
    expect(reads).not.toContain('cabinet.read');
    expect(reads.filter((a) => a === 'cabinet.read.refused')).toHaveLength(2);
    expect((await b.call('GET', '/v1/me/cabinet/access-log')).json().entries).toEqual([]);
  });

  it('ends every grant in force when the customer reports a compromise: whoever was in the account may have made them', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    await linkProduct(b, 'silen');
    await (await productApp(t, 'silen')).put(customerId, 'profile', {
      value: 'silen data',
    });
    const insider = await signedInStaff(t, clock, ['dpo'], 'insider');
    const support = await signedInStaff(t, clock, ['support'], 'support');
    const toInsider = await b.call('POST', '/v1/me/cabinet/grants', {
      grantee: { staffId: insider.id },
      productIds: [],
      hours: 720,
      reason: 'made by whoever was in',
    });
    const toSupport = await b.call('POST', '/v1/me/cabinet/grants', {
      grantee: { role: 'support' },
      productIds: ['silen'],
      hours: 2,
      reason: 'help',
    });
    expect([toInsider.statusCode, toSupport.statusCode]).toEqual([201, 201]);
    const grants = [toInsider.json().id as string, toSupport.json().id as string];
    // Each grant is mailed to the customer with a report link, in case it was not theirs.
    const mailed = (await inboxFor(t, 'malika@example.uz')).filter((m) =>
      m.text.includes('ходимларимизга шахсий кабинетингизга кириш рухсати берилди'),
    );
    expect(mailed).toHaveLength(2);
    expect(mailed[0]?.text).toMatch(/\/compromise\?token=[A-Za-z0-9_-]{43}/);
    expect((await insider.get(`/v1/cabinet/granted/${grants[0]}/records`)).statusCode).toBe(200);

    expect((await b.call('POST', '/v1/me/compromise')).statusCode).toBe(200);
    for (const [member, id] of [
      [insider, grants[0]],
      [support, grants[1]],
    ] as const) {
      const refused = await member.get(`/v1/cabinet/granted/${id}/records`);
      expect([refused.statusCode, errorOf(refused)]).toEqual([403, 'MXF_CABINET_GRANT_NOT_LIVE']);
    }
    const revocations = (await t.services.audit.entries({ subjectId: customerId, limit: 500 })).filter(
      (e) => e.action === 'cabinet.grant.revoked',
    );
    expect(revocations.map((e) => [e.actor, e.target, e.details]).sort()).toEqual(
      grants.map((id) => ['system', `grant:${id}`, { reason: 'compromise-report' }]).sort(),
    );
  });
  it('ends every grant in force when the customer resets the password: whoever knew the old one may have made them (§6)', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    await linkProduct(b, 'silen');
    await (await productApp(t, 'silen')).put(customerId, 'profile', {
      value: 'silen data',
    });
    const insider = await signedInStaff(t, clock, ['dpo'], 'insider');
    const made = await b.call('POST', '/v1/me/cabinet/grants', {
      grantee: { staffId: insider.id },
      productIds: [],
      hours: 720,
      reason: 'made by whoever knew the password',
    });
    expect(made.statusCode).toBe(201);
    const grantId = made.json().id as string;
    expect((await insider.get(`/v1/cabinet/granted/${grantId}/records`)).statusCode).toBe(200);

    const anonymous = customerBrowser(t.app);
    const start = await anonymous.call('POST', '/v1/reset/start', { contact: 'malika@example.uz' });
    const code = await lastCode(t, 'malika@example.uz');
    const reset = await anonymous.register('reset', start.json().verificationId, code, 'yangi parol 2026');
    expect(reset.statusCode).toBe(204);

    const refused = await insider.get(`/v1/cabinet/granted/${grantId}/records`);
    expect([refused.statusCode, errorOf(refused)]).toEqual([403, 'MXF_CABINET_GRANT_NOT_LIVE']);
    expect(refused.body).not.toContain('silen data');
    const revocations = (await t.services.audit.entries({ subjectId: customerId, limit: 500 })).filter(
      (e) => e.action === 'cabinet.grant.revoked',
    );
    expect(revocations.map((e) => [e.actor, e.target, e.details])).toEqual([
      ['system', `grant:${grantId}`, { reason: 'password-reset' }],
    ]);
  });

  it('gives no grant from a session that a password reset ended while the request was on its way', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    const insider = await signedInStaff(t, clock, ['dpo'], 'insider');
    // The request was authenticated a moment before the reset committed.
    const principal = await t.services.identity.authenticate(b.jar.mxf_session);
    if (!principal) throw new Error('no session');
    const anonymous = customerBrowser(t.app);
    const start = await anonymous.call('POST', '/v1/reset/start', { contact: 'malika@example.uz' });
    const code = await lastCode(t, 'malika@example.uz');
    expect(
      (await anonymous.register('reset', start.json().verificationId, code, 'yangi parol')).statusCode,
    ).toBe(204);

    const late = t.services.cabinet.createGrant(principal, {
      grantee: { staffId: insider.id },
      productIds: [],
      hours: 720,
      reason: 'given by whoever knew the old password',
    });
    await expect(late).rejects.toMatchObject({ code: 'MXF_AUTH_REQUIRED' });
    const grants = await t.services.database.db
      .selectFrom('cabinet_grants')
      .select('id')
      .where('customer_id', '=', customerId)
      .execute();
    expect(grants).toEqual([]);
  });

  it('ends the grants in one step, so a read under one of them in progress does not deadlock the report', async () => {
    const { b, customerId } = await newCustomer(t, 'malika@example.uz', 'shaftoli 31');
    const insider = await signedInStaff(t, clock, ['dpo'], 'insider');
    const ids: string[] = [];
    for (const hours of [1, 2]) {
      const created = await b.call('POST', '/v1/me/cabinet/grants', {
        grantee: { staffId: insider.id },
        productIds: [],
        hours,
        reason: 'help',
      });
      ids.push(created.json().id);
    }
    const { database, audit } = t.services;
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    // Locks the older grant's row, waits while the report starts, then appends to the audit log.
    const read = database.write(async (trx) => {
      await lockGrant(trx, ids[0] as string);
      held();
      await new Promise((r) => setTimeout(r, 300));
      await audit.append(trx, {
        actor: `staff:${insider.id}`,
        action: 'cabinet.read',
        subjectId: customerId,
      });
    });
    await holding;
    const report = b.call('POST', '/v1/me/compromise');
    const [readOutcome, reported] = await Promise.allSettled([read, report]);
    expect(readOutcome.status).toBe('fulfilled');
    expect(reported.status === 'fulfilled' && reported.value.statusCode).toBe(200);
    const grants = await database.db.selectFrom('cabinet_grants').select(['id', 'revoked_at']).execute();
    expect(grants.every((g) => g.revoked_at !== null)).toBe(true);
  });
});
