import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import { browser, sessionCookie, tokenOf } from '../staff/staff.testkit.js';
import { VERIFY_CACHE_MS } from './apps.service.js';

describe.each(databaseKinds())('app credentials on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
    await t.services.decisions.rebuild();
    const link = await t.services.staff.ensureSetupLink();
    admin = sessionCookie(
      await browser(t.app, { now: () => clock.now() }).setUpAdmin(
        tokenOf(link),
        'admin@cdti.uz',
        'correct horse battery staple',
      ),
    );
  });
  afterAll(async () => t?.close());

  const issue = (body: object) =>
    t.app.inject({ method: 'POST', url: '/v1/apps/credentials', headers: { cookie: admin }, payload: body });
  const decide = (secret: string | undefined) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` },
      payload: { subjectId: 'alice', purpose: 'identify', category: 'contact' },
    });

  it('issues a scoped secret once, stores only its hash, and the app decides with it', async () => {
    const res = await issue({ productId: 'smartpos-trade', scopes: ['decisions'], label: 'Trade backend' });
    expect(res.statusCode, res.body).toBe(201);
    const issued = res.json();
    expect(issued.secret).toMatch(/^mxf_app_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ productId: 'smartpos-trade', scopes: ['decisions'], revokedAt: null });

    const rows = await t.services.database.db.selectFrom('app_credentials').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(issued.secret.slice(-43));

    const answer = await decide(issued.secret);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toHaveProperty('allow');

    const listed = await t.app.inject({
      method: 'GET',
      url: '/v1/apps/credentials',
      headers: { cookie: admin },
    });
    expect(listed.json().credentials).toEqual([
      expect.objectContaining({ id: issued.id, label: 'Trade backend' }),
    ]);
    expect(listed.body).not.toContain(issued.secret);
  });

  it('refuses a missing, forged or out-of-scope credential with catalogued errors', async () => {
    expect((await decide(undefined)).json().error.code).toBe('MXF_AUTH_REQUIRED');
    for (const bad of [
      'nonsense',
      `mxf_app_${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}_${'A'.repeat(43)}`,
    ]) {
      const res = await decide(bad);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('MXF_APP_CREDENTIAL_INVALID');
    }
    const consentsOnly = (await issue({ productId: 'silen', scopes: ['consents'], label: 'Silen' })).json();
    const res = await decide(consentsOnly.secret);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('MXF_APP_SCOPE_MISSING');

    // Right id, wrong secret: the stored hash decides, not the id.
    const forged = `${consentsOnly.secret.slice(0, -43)}${'B'.repeat(43)}`;
    expect((await decide(forged)).json().error.code).toBe('MXF_APP_CREDENTIAL_INVALID');
  });

  it('refuses an unknown product, a bad scope and unknown fields, and changes nothing', async () => {
    const before = (await t.services.apps.list()).length;
    const unknown = await issue({ productId: 'nope', scopes: ['decisions'], label: 'x' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('MXF_APP_PRODUCT_UNKNOWN');
    for (const body of [
      { productId: 'silen', scopes: ['root'], label: 'x' },
      { productId: 'silen', scopes: [], label: 'x' },
      { productId: 'silen', scopes: ['decisions'], label: 'x', secret: 'mine' },
    ]) {
      const res = await issue(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await t.services.apps.list()).toHaveLength(before);
  });

  it('a revoked credential is refused at once, and revoking again is harmless; both audited', async () => {
    const issued = (await issue({ productId: 'a-pay', scopes: ['decisions'], label: 'A-pay' })).json();
    expect((await decide(issued.secret)).statusCode).toBe(200); // now cached
    const del = () =>
      t.app.inject({
        method: 'DELETE',
        url: `/v1/apps/credentials/${issued.id}`,
        headers: { cookie: admin },
      });
    expect((await del()).statusCode).toBe(204);
    expect((await decide(issued.secret)).json().error.code).toBe('MXF_APP_CREDENTIAL_INVALID');
    expect((await del()).statusCode).toBe(204);
    const actions = await t.services.database.db
      .selectFrom('audit_entries')
      .select('action')
      .where('target', '=', issued.id)
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['app.credential.issued', 'app.credential.revoked']);
  });

  it('another node learns of a revocation within the verification cache time', async () => {
    const issued = (await issue({ productId: 'x-file', scopes: ['decisions'], label: 'X-file' })).json();
    expect((await decide(issued.secret)).statusCode).toBe(200);
    // A revocation written by another node: this process's cache does not know of it yet.
    await t.services.database.write((trx) =>
      trx
        .updateTable('app_credentials')
        .set({ revoked_at: clock.now() })
        .where('id', '=', issued.id)
        .execute(),
    );
    expect((await decide(issued.secret)).statusCode).toBe(200);
    clock.advance(VERIFY_CACHE_MS + 1);
    expect((await decide(issued.secret)).json().error.code).toBe('MXF_APP_CREDENTIAL_INVALID');
  });

  it('needs a staff session to list, issue or revoke', async () => {
    for (const [method, url] of [
      ['GET', '/v1/apps/credentials'],
      ['POST', '/v1/apps/credentials'],
      ['DELETE', `/v1/apps/credentials/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`],
    ] as const) {
      const payload =
        method === 'POST' ? { productId: 'silen', scopes: ['decisions'], label: 'x' } : undefined;
      const res = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, url).toBe(401);
    }
  });
});
