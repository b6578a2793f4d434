import fc from 'fast-check';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/helpers/app.js';
import { databaseKinds, listTables } from '../test/helpers/db.js';
import { ManualClock } from './clock.js';
import { catalogue, type MaxfiyError } from './errors.js';
import { clientKey, registerRateLimit } from './http/rate-limit.js';
import { browser, sessionCookie, tokenOf } from './modules/staff/staff.testkit.js';

type OpenApi = {
  paths: Record<
    string,
    Record<string, { requestBody?: unknown; parameters?: { in: string; name: string }[] }>
  >;
};

/** Counts rows of every table, so a test can show a refused request wrote nothing. */
async function snapshot(t: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of await listTables(t.services.database)) {
    const row = await t.services.database.db
      .selectFrom(table as 'company')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

function expectCatalogued(res: { statusCode: number; json(): unknown }, label: string) {
  const body = res.json() as { error?: { code?: string; message?: string; requestId?: string } };
  expect(body.error?.code, label).toBeDefined();
  expect(Object.keys(catalogue), label).toContain(body.error?.code);
  expect(res.statusCode, label).toBe(catalogue[body.error?.code as keyof typeof catalogue].status);
  expect(body.error?.message, label).toBeTruthy();
}

/** Fills path parameters with a harmless value. */
const concrete = (path: string) => path.replace(/\{[^}]+\}|:[a-zA-Z]+/g, 'x-file.uz');

describe.each(databaseKinds())('the HTTP application on %s', (kind) => {
  let t: TestApp;
  let operations: { method: string; path: string; hasBody: boolean }[];

  beforeAll(async () => {
    t = await createTestApp(kind);
    const spec = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi;
    operations = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        hasBody: Boolean(op.requestBody),
      })),
    );
  });
  afterAll(async () => t?.close());

  it('answers liveness, readiness and metrics', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.migrations.status).toBe('ok');
    expect(ready.json().checks.decisions.status).toBe('ok');
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('maxfiy_http_requests_total{method="GET",route="/readyz",status="200"}');
    expect(metrics.body).toContain('maxfiy_outbox_messages');
    expect(metrics.body).toContain('\nmaxfiy_decisions_following 1\n');
  });

  it("is not ready while it does not follow other nodes' consent changes (PostgreSQL; SQLite has no other node)", async () => {
    await t.services.decisions.stop();
    try {
      const res = await t.app.inject({ url: '/readyz' });
      if (kind === 'postgres') {
        expect(res.statusCode).toBe(503);
        expect(res.json().checks.decisions).toEqual({ status: 'fail', detail: 'not following other nodes' });
        expect((await t.app.inject({ url: '/metrics' })).body).toContain('\nmaxfiy_decisions_following 0\n');
      } else {
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await t.services.decisions.listen();
    }
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('is not ready while shutting down', async () => {
    t.services.lifecycle.shuttingDown = true;
    try {
      const res = await t.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.shutdown.status).toBe('fail');
    } finally {
      t.services.lifecycle.shuttingDown = false;
    }
  });

  it('publishes an OpenAPI 3.1 document generated from the route schemas, and its reference', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json() as OpenApi & { openapi: string };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/org', '/v1/audit/tree-head', '/readyz']),
    );
    const docs = await t.app.inject({ url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    const bundle = await t.app.inject({ url: '/docs/scalar.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it('declares every error status it can answer on every operation', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (['/healthz', '/readyz', '/metrics'].includes(path)) continue;
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(['400', '429', '500']),
        );
      }
    }
  });

  it('answers errors from the catalogue in the language asked for, with a request id', async () => {
    const uz = await t.app.inject({ url: '/v1/no-such-thing' });
    expectCatalogued(uz, 'default language');
    expect(uz.json().error.code).toBe('MXF_ROUTE_NOT_FOUND');
    expect(uz.json().error.message).toBe(catalogue.MXF_ROUTE_NOT_FOUND.messages['uz-Cyrl']);
    expect(uz.headers['x-request-id']).toBe(uz.json().error.requestId);
    const ru = await t.app.inject({
      url: '/v1/no-such-thing',
      headers: { 'accept-language': 'ru-RU,ru;q=0.9' },
    });
    expect(ru.json().error.message).toBe(catalogue.MXF_ROUTE_NOT_FOUND.messages.ru);
    const en = await t.app.inject({ url: '/v1/no-such-thing?lang=en', headers: { 'accept-language': 'ru' } });
    expect(en.json().error.message).toBe(catalogue.MXF_ROUTE_NOT_FOUND.messages.en);
  });

  it('sends security headers', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Nothing an API answers may be kept by a browser or a proxy, refusals included.
    for (const url of ['/v1/staff/me', '/v1/agreements/acceptance-state?subjectId=x', '/v1/nowhere']) {
      expect((await t.app.inject({ url })).headers['cache-control'], url).toBe('no-store');
    }
    // An answer to a POST is never stored without explicit freshness: nothing to add there.
    const posted = await t.app.inject({ method: 'POST', url: '/v1/decisions', payload: {} });
    expect(posted.statusCode).toBeGreaterThanOrEqual(400);
    expect(posted.headers['cache-control']).toBeUndefined();
    // What the sites publish for anyone keeps its own policy.
    const style = await t.app.inject({ url: '/sites/agreement.css' });
    expect(style.statusCode).toBe(200);
    expect(style.headers['cache-control']).toMatch(/^public/);
  });

  it('refuses malformed, mistyped, oversized and unknown-field bodies on every route with a catalogued 4xx, writing nothing', async () => {
    const before = await snapshot(t);
    const bodies: { label: string; payload: string; type?: string }[] = [
      { label: 'malformed JSON', payload: '{"a": ' },
      { label: 'empty JSON', payload: '' },
      { label: 'wrong type', payload: '[1,2,3]' },
      { label: 'a string', payload: '"hello"' },
      { label: 'unknown field', payload: JSON.stringify({ unexpected: true, __proto__x: 1 }) },
      {
        label: 'prototype pollution',
        payload: '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}',
      },
      { label: 'oversized', payload: JSON.stringify({ name: 'x'.repeat(t.options.bodyLimit + 10) }) },
      { label: 'wrong media type', payload: '<xml/>', type: 'application/xml' },
    ];
    for (const op of operations.filter((o) => o.hasBody)) {
      for (const body of bodies) {
        const res = await t.app.inject({
          method: op.method as 'POST',
          url: concrete(op.path),
          payload: body.payload,
          headers: { 'content-type': body.type ?? 'application/json' },
        });
        const label = `${op.method} ${op.path} with ${body.label}`;
        expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, label).toBeLessThan(500);
        expectCatalogued(res, label);
      }
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('never answers 500 to random JSON on any route (fuzz)', async () => {
    const targets = operations.filter((o) => !['/metrics'].includes(o.path));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.jsonValue({ maxDepth: 3 }),
        fc.string({ maxLength: 40 }),
        async (op, value, query) => {
          const res = await t.app.inject({
            method: op.method as 'POST',
            url: `${concrete(op.path)}?q=${encodeURIComponent(query)}`,
            ...(op.hasBody
              ? { payload: JSON.stringify(value), headers: { 'content-type': 'application/json' } }
              : {}),
          });
          expect(res.statusCode, `${op.method} ${op.path}`).toBeLessThan(500);
          if (res.statusCode >= 400) expectCatalogued(res, `${op.method} ${op.path}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lets an administrator change the organisation, and audits every change', async () => {
    const link = await t.services.staff.ensureSetupLink();
    const b = browser(t.app);
    const setup = await b.setUpAdmin(tokenOf(link), 'admin@cdti.uz', 'correct horse battery staple');
    expect(setup.statusCode).toBe(201);
    const cookie = sessionCookie(setup);

    const anonymous = await t.app.inject({
      method: 'PATCH',
      url: '/v1/org/sites/x-file.uz',
      payload: { name: 'X' },
    });
    expect(anonymous.statusCode).toBe(401);

    const org = await t.app.inject({ url: '/v1/org', headers: { cookie } });
    expect(org.statusCode).toBe(200);
    expect(org.json().company.name).toBe('CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC');
    expect(
      org
        .json()
        .products.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['A-pay', 'Silen', 'Smartpos Supply', 'Smartpos Trade', 'X-file'].sort());
    expect(org.json().sites.map((s: { id: string }) => s.id)).toEqual([
      'a-pay.uz',
      'cdti.uz',
      'silen.uz',
      'smartpos.uz',
      'x-file.uz',
    ]);

    const size = (await t.services.audit.entries({ limit: 1000 })).length;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/v1/org/sites/x-file.uz',
      headers: { cookie },
      payload: { agreementUrl: 'https://x-file.uz/privacy' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().site.agreementUrl).toBe('https://x-file.uz/privacy');
    const entries = await t.services.audit.entries({ limit: 1000 });
    expect(entries).toHaveLength(size + 1);
    expect(entries.at(-1)).toMatchObject({ action: 'org.site.updated', target: 'site:x-file.uz' });
    expect(entries.at(-1)?.actor).toMatch(/^staff:/);

    const missing = await t.app.inject({
      method: 'PATCH',
      url: '/v1/org/products/no-such',
      headers: { cookie },
      payload: { name: 'Z' },
    });
    expect(missing.json().error.code).toBe('MXF_ORG_PRODUCT_NOT_FOUND');
  });
});

describe('rate limits', () => {
  it('answers 429 with a catalogued error and Retry-After past the limit', async () => {
    const t = await createTestApp('sqlite', { options: { rateLimitPerMinute: 3 } });
    try {
      const codes: number[] = [];
      let last: Awaited<ReturnType<typeof t.app.inject>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await t.app.inject({ url: '/v1/org/sites' });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      expect(last?.json().error.code).toBe('MXF_REQUEST_RATE_LIMITED');
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      // Before any credential is checked or body read, and for addresses that lead nowhere too.
      const unsigned = await t.app.inject({ method: 'POST', url: '/v1/decisions', payload: {} });
      expect([unsigned.statusCode, unsigned.json().error.code]).toEqual([429, 'MXF_REQUEST_RATE_LIMITED']);
      expect((await t.app.inject({ url: '/v1/no-such-thing' })).statusCode).toBe(429);
      // Operators' probes are never throttled, however the address names them.
      for (const url of ['/readyz', '/healthz', '/healthz/', '/%68ealthz', '/healthz?probe=1', '/metrics'])
        expect((await t.app.inject({ url })).statusCode, url).not.toBe(429);
    } finally {
      await t.close();
    }
  });

  it('counts each client apart, an IPv6 client by its /56, in a window that starts with its first request', async () => {
    const clock = new ManualClock(Date.now());
    const t = await createTestApp('sqlite', { clock, options: { rateLimitPerMinute: 2 } });
    try {
      const from = async (remoteAddress: string) =>
        (await t.app.inject({ url: '/v1/org/sites', remoteAddress })).statusCode;
      const twice = async (address: string) => [await from(address), await from(address)];
      expect(await twice('203.0.113.5')).toEqual([200, 200]);
      expect(await from('203.0.113.5')).toBe(429);
      // The same client written as IPv4-mapped IPv6 is no new client.
      expect(await from('::ffff:203.0.113.5')).toBe(429);
      expect(await twice('203.0.113.6')).toEqual([200, 200]);
      // One /64: the addresses one device or subscriber holds share one count; the next /64 is another client.
      expect(await from('2001:db8:aa:bb00::1')).toBe(200);
      expect(await from('2001:db8:aa:bb00:ffff::2')).toBe(200);
      expect(await from('2001:db8:aa:bb00::3')).toBe(429);
      expect(await from('2001:db8:aa:bb01::1')).toBe(200);

      clock.advance(30_000);
      const waiting = await t.app.inject({ url: '/v1/org/sites', remoteAddress: '203.0.113.5' });
      expect([waiting.statusCode, waiting.headers['retry-after']]).toEqual([429, '30']);
      clock.advance(30_000);
      expect(await twice('203.0.113.5')).toEqual([200, 200]);
      expect(await from('203.0.113.5')).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('forgets the client counted longest once the table is full: it never grows, and no newcomer pays for others', async () => {
    const clock = new ManualClock(Date.now());
    const app = Fastify();
    registerRateLimit(app, {
      max: 2,
      windowMs: 60_000,
      now: () => clock.now(),
      exempt: () => false,
      mostClients: 3,
    });
    app.setErrorHandler((err: MaxfiyError, _req, reply) => reply.status(err.status).send({ code: err.code }));
    app.get('/', async () => 'ok');
    const from = async (remoteAddress: string) => (await app.inject({ url: '/', remoteAddress })).statusCode;
    expect([await from('198.51.100.1'), await from('198.51.100.1')]).toEqual([200, 200]);
    expect(await from('198.51.100.1')).toBe(429);
    clock.advance(1_000);
    // A range of rotating addresses: each newcomer gets its own allowance, never a shared one.
    const rotating = [];
    for (let i = 10; i < 20; i++) rotating.push(await from(`198.51.100.${i}`));
    expect(rotating).toEqual(Array(10).fill(200));
    // The first client was forgotten to make room: the table held 3 at most.
    expect(await from('198.51.100.1')).toBe(200);
    // Those still held keep their counts.
    expect([await from('198.51.100.19'), await from('198.51.100.19')]).toEqual([200, 429]);
    await app.close();
  });
});

describe('the rate limit key', () => {
  it('is the IPv4 address, the IPv4 an IPv6 one stands for, or an IPv6 address’s /64, never a string the sender chose', () => {
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('::ffff:c000:201')).toBe('192.0.2.1');
    // 6to4: one IPv4 host holds the whole 2002:c000:201::/48.
    expect(clientKey('2002:c000:201:7::1')).toBe('192.0.2.1');
    expect(clientKey('2001:db8:1:2::5')).toBe(clientKey('2001:0db8:0001:0002:aaaa::%eth0'));
    expect(clientKey('2001:db8:1:2::5')).not.toBe(clientKey('2001:db8:1:3::5'));
    expect(clientKey('::1')).toBe('0000000000000000/64');
    // What a trusted proxy header can carry when the proxy is not the one trusted.
    for (const junk of ['', 'unknown', 'x'.repeat(15_000), '192.0.2.1, 10.0.0.1'])
      expect(clientKey(junk)).toBe('no-address');
  });
});
