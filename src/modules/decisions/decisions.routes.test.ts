import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { toMaxfiyError } from '../../http/error-handler.js';
import { signature } from '../consents/consents.webhooks.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import { browser, sessionCookie, tokenOf } from '../staff/staff.testkit.js';
import { BATCH_BODY_LIMIT } from './decisions.routes.js';
import { DecisionBody } from './decisions.schemas.js';

const notice = { version: '1', language: 'ru' };

/** A subscriber endpoint whose behaviour a test sets: answer a status, or hang until released. */
function endpoint() {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let mode: number | 'hang' = 204;
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (mode === 'hang') hanging.push(res);
      else res.writeHead(mode).end();
    });
  });
  return {
    received,
    set: (m: number | 'hang') => {
      mode = m;
    },
    release: () => {
      for (const res of hanging.splice(0)) res.destroy();
    },
    start: () =>
      new Promise<string>((r) =>
        server.listen(0, '127.0.0.1', () =>
          r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`),
        ),
      ),
    stop: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

describe.each(databaseKinds())('decision, consent and register routes on %s', (kind) => {
  let t: TestApp;
  let cookie: string;
  /** A product's back end: consents it records are the app's own. */
  let appSecret: string;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const hook = endpoint();
  let hookUrl: string;

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
    const link = await t.services.staff.ensureSetupLink();
    cookie = sessionCookie(
      await browser(t.app, { now: () => clock.now() }).setUpAdmin(
        tokenOf(link),
        'admin@cdti.uz',
        'correct horse battery staple',
      ),
    );
    hookUrl = await hook.start();
    appSecret = (
      await t.services.apps.issue('system', { productId: 'silen', scopes: ['consents'], label: 'Silen' })
    ).secret;
  });
  afterAll(async () => {
    await hook.stop();
    await t?.close();
  });

  const post = (url: string, payload: unknown, withCookie = true) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers: withCookie ? { cookie } : {} });
  const asApp = (url: string, payload: unknown) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${appSecret}` },
    });

  it('asks for a staff session on every route (app and customer credentials come with identity)', async () => {
    for (const [method, url] of [
      ['POST', '/v1/decisions'],
      ['GET', '/v1/consents/subjects/alice'],
      ['GET', '/v1/purposes'],
      ['GET', '/v1/ropa.csv'],
      ['GET', '/v1/webhooks'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        ...(method === 'POST'
          ? { payload: { subjectId: 'a', purpose: 'identify', category: 'contact' } }
          : {}),
      });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('MXF_AUTH_REQUIRED');
    }
    // Before anything of the body is read: a batch of up to BATCH_BODY_LIMIT (28 MiB) costs no caller
    // without a credential its parse.
    for (const payload of [
      '{"questions": [',
      JSON.stringify({ questions: [{ subjectId: 'a', extra: 1 }] }),
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'MXF_AUTH_REQUIRED']);
    }
  });

  it('records a consent from an app and answers decisions on it, one or a batch in order', async () => {
    const given = await asApp('/v1/consents/subjects/alice', {
      purpose: 'offers-newsletters',
      action: 'give',
      source: 'app',
      notice,
    });
    expect(given.statusCode).toBe(201);
    const one = await post('/v1/decisions', {
      subjectId: 'alice',
      purpose: 'offers-newsletters',
      category: 'contact',
    });
    expect(one.json()).toEqual({ allow: true, reasons: [], versions: { purpose: 1, consent: 1 } });
    const questions = Array.from({ length: 10_000 }, (_, i) => ({
      subjectId: i % 2 ? 'alice' : 'nobody',
      purpose: i % 3 ? 'offers-newsletters' : 'no-such',
      category: 'contact',
    }));
    const batch = await post('/v1/decisions', { questions });
    expect(batch.statusCode).toBe(200);
    const answers = batch.json().answers as { allow: boolean; reasons: string[] }[];
    expect(answers).toHaveLength(10_000);
    answers.forEach((a, i) => {
      const expected = i % 3 === 0 ? ['unknown-purpose'] : i % 2 ? [] : ['unknown-subject'];
      expect(a.reasons, `answer ${i}`).toEqual(expected);
    });
    const history = await t.app.inject({ url: '/v1/consents/subjects/alice', headers: { cookie } });
    expect(history.json()).toMatchObject({ history: [{ rev: 1 }], earlier: null });
    // Earlier pages by revision; a cursor that is not one is refused.
    const before = await t.app.inject({ url: '/v1/consents/subjects/alice?before=1', headers: { cookie } });
    expect(before.json()).toMatchObject({ history: [], earlier: null });
    const bad = await t.app.inject({ url: '/v1/consents/subjects/alice?before=x', headers: { cookie } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'MXF_REQUEST_INVALID']);
  });

  it('answers in the declared JSON shape, whichever form of a string the question uses', async () => {
    await asApp('/v1/consents/subjects/erin', {
      purpose: 'interest-analytics',
      action: 'give',
      source: 'app',
      notice,
    });
    // Escapes, non-ASCII ids and contexts take the framework's own paths; the answers are the same.
    const raw =
      '{"questions":[' +
      '{"subjectId":"erin","purpose":"interest-analytics","category":"interests"},' +
      '{"subjectId":"er\\u0069n","purpose":"interest-analytics","category":"interests"},' +
      '{"subjectId":"эрин","purpose":"interest-analytics","category":"interests"},' +
      '{"subjectId":"erin","purpose":"support","category":"cabinet-contents","context":{"channel":"email"}},' +
      '{"subjectId":"erin","purpose":"no-such","category":"interests"}]}';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/decisions',
      payload: raw,
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const allowed = { allow: true, reasons: [], versions: { purpose: 1, consent: 1 } };
    expect(res.json()).toEqual({
      answers: [
        allowed,
        allowed,
        { allow: false, reasons: ['unknown-subject'], versions: { purpose: 1 } },
        // Cabinet data: the API cannot assert a grant; staff read a cabinet through the grant routes.
        { allow: false, reasons: ['no-grant'], versions: { purpose: 1, consent: 1 } },
        { allow: false, reasons: ['unknown-purpose'], versions: { purpose: 0 } },
      ],
    });
    const asserted = await post('/v1/decisions', {
      subjectId: 'erin',
      purpose: 'support',
      category: 'cabinet-contents',
      context: { grant: true },
    });
    expect([asserted.statusCode, asserted.json().error.code]).toEqual([400, 'MXF_REQUEST_INVALID']);
    const one = await post('/v1/decisions', {
      subjectId: 'erin',
      purpose: 'offers-newsletters',
      category: 'contact',
    });
    expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(one.body).toBe('{"allow":false,"reasons":["no-consent"],"versions":{"purpose":1,"consent":1}}');
  });

  it('refuses hostile and malformed questions in a batch as the schema and the JSON parser do', async () => {
    const question = { subjectId: 'erin', purpose: 'identify', category: 'contact' };
    const send = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/decisions',
        payload,
        headers: { cookie, 'content-type': 'application/json' },
      });
    const batch = (...questions: unknown[]) => JSON.stringify({ questions });
    const cases: [string, string, string][] = [
      [
        'prototype key in a question',
        batch(question).replace('"erin",', '"erin","__proto__":{"x":1},'),
        'MXF_REQUEST_MALFORMED',
      ],
      [
        'prototype key at the top',
        `{"__proto__":{"x":1},${batch(question).slice(1)}`,
        'MXF_REQUEST_MALFORMED',
      ],
      [
        'constructor.prototype',
        `{"constructor":{"prototype":{"x":1}},${batch(question).slice(1)}`,
        'MXF_REQUEST_MALFORMED',
      ],
      ['truncated JSON', batch(question).slice(0, -3), 'MXF_REQUEST_MALFORMED'],
      ['an unknown field', batch({ ...question, extra: 1 }), 'MXF_REQUEST_INVALID'],
      ['a missing field', batch({ subjectId: 'erin', purpose: 'identify' }), 'MXF_REQUEST_INVALID'],
      ['an empty id', batch({ ...question, subjectId: '' }), 'MXF_REQUEST_INVALID'],
      ['an id of 256 characters', batch({ ...question, subjectId: 'x'.repeat(256) }), 'MXF_REQUEST_INVALID'],
      ['a number for a string', batch({ ...question, category: 5 }), 'MXF_REQUEST_INVALID'],
      ['a bad channel', batch({ ...question, context: { channel: 'E-Mail' } }), 'MXF_REQUEST_INVALID'],
      ['a question that is a list', batch([question]), 'MXF_REQUEST_INVALID'],
      ['questions that are not a list', JSON.stringify({ questions: question }), 'MXF_REQUEST_INVALID'],
      ['both forms at once', JSON.stringify({ ...question, questions: [question] }), 'MXF_REQUEST_INVALID'],
    ];
    for (const [label, payload, code] of cases) {
      const res = await send(payload);
      expect([res.statusCode, res.json().error.code], label).toEqual([400, code]);
    }
    // The field a refusal names is the one the schema's own check names.
    const bad = {
      questions: [question, { subjectId: 'erin', purpose: 'identify', category: 'contact', x: 1 }],
    };
    const schemaCheck = TypeBoxValidatorCompiler({ schema: DecisionBody, httpPart: 'body' } as never);
    const { error } = schemaCheck(bad) as { error: unknown[] };
    const expected = toMaxfiyError({ validation: [...error], validationContext: 'body' }, 'r').params.field;
    expect((await send(JSON.stringify(bad))).json().error.field).toBe(expected);
    // At the limits the schema sets, questions are answered.
    const longest = await send(batch({ ...question, subjectId: 'x'.repeat(255) }));
    expect(longest.json().answers[0].reasons).toEqual(['unknown-subject']);
  });

  it('accepts exactly the bodies the schema accepts, whichever path parses them (fuzz)', async () => {
    const schemaCheck = TypeBoxValidatorCompiler({ schema: DecisionBody, httpPart: 'body' } as never);
    const text = fc.oneof(
      fc.string({ minLength: 0, maxLength: 70 }),
      fc.string({ unit: 'grapheme', maxLength: 64 }),
      fc.constantFrom('', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(255), 'x'.repeat(256), '__proto__'),
    );
    const value = fc.oneof(
      { weight: 4, arbitrary: text },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) },
    );
    // Null five times in six: questions are mostly near-valid, where a fast path and the schema could disagree.
    const sometimes = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
    const question = fc
      .record({
        subjectId: value,
        purpose: value,
        category: value,
        context: sometimes(fc.oneof(fc.constant({}), fc.record({ channel: text }), fc.string())),
        extra: sometimes(value),
        drop: sometimes(fc.constantFrom('subjectId', 'purpose', 'category')),
      })
      .map(({ context, extra, drop, ...q }) => {
        const out: Record<string, unknown> = { ...q };
        if (context !== null) out.context = context;
        if (extra !== null) out.extra = extra;
        if (drop !== null) delete out[drop];
        return out;
      });
    const body = fc.oneof(question, fc.record({ questions: fc.array(question, { maxLength: 4 }) }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/decisions',
          payload: JSON.stringify(b),
          headers: { cookie, 'content-type': 'application/json' },
        });
        const valid = !('error' in (schemaCheck(b) as object));
        expect(res.statusCode, JSON.stringify(b)).toBe(valid ? 200 : 400);
        if (!valid) expect(['MXF_REQUEST_INVALID', 'MXF_REQUEST_MALFORMED']).toContain(res.json().error.code);
      }),
      { numRuns: 400 },
    );
  });

  it('answers a full batch at the schema’s limits whatever bytes its characters take as compact JSON', async () => {
    // The schema counts characters (code points), not bytes: in UTF-8 a Cyrillic or CJK character
    // is 3 bytes, one outside the Basic Multilingual Plane 4, and a control character must be
    // written as a 6-byte `\u00XX` escape.
    const kinds = [
      ['CJK, 3 bytes', '漢'],
      ['outside the BMP, 4 bytes', '😀'],
      ['a control character, 6 bytes', '\u0001'],
    ] as const;
    for (const [label, ch] of kinds) {
      const longest = {
        subjectId: ch.repeat(255),
        purpose: ch.repeat(63),
        category: ch.repeat(63),
        context: { collectedAt: 8.64e15, channel: 'e'.repeat(40), topic: 't'.repeat(40) },
      };
      const res = await post('/v1/decisions', { questions: Array.from({ length: 10_000 }, () => longest) });
      expect(res.statusCode, `${label}: ${res.body.slice(0, 200)}`).toBe(200);
      const answers = res.json().answers as { reasons: string[] }[];
      expect(answers, label).toHaveLength(10_000);
      expect(new Set(answers.map((a) => a.reasons.join())), label).toEqual(new Set(['unknown-purpose']));
    }
    // Ids at their longest with a purpose the register knows: each is looked up, and
    // an id the index does not know is answered `unknown-subject`, not refused.
    const questions = Array.from({ length: 10_000 }, (_, i) => ({
      subjectId: (kinds[i % kinds.length] as (typeof kinds)[number])[1].repeat(255),
      purpose: 'offers-newsletters',
      category: 'contact',
    }));
    const res = await post('/v1/decisions', { questions });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    const answers = res.json().answers as { reasons: string[] }[];
    expect(answers).toHaveLength(10_000);
    expect(new Set(answers.map((a) => a.reasons.join()))).toEqual(new Set(['unknown-subject']));
    // The route's limit, to the byte: whitespace (the client's choice) fills a body to it, and one byte more is refused.
    const send = (bytes: number) => {
      const envelope = '{"questions":[]}';
      return t.app.inject({
        method: 'POST',
        url: '/v1/decisions',
        payload: envelope.slice(0, -1) + ' '.repeat(bytes - envelope.length) + envelope.slice(-1),
        headers: { cookie, 'content-type': 'application/json' },
      });
    };
    const atLimit = await send(BATCH_BODY_LIMIT);
    expect([atLimit.statusCode, atLimit.body]).toEqual([200, '{"answers":[]}']);
    const over = await send(BATCH_BODY_LIMIT + 1);
    expect([over.statusCode, over.json().error.code]).toEqual([413, 'MXF_REQUEST_TOO_LARGE']);
  });

  it('takes a consent’s source from its caller: an app records app, staff a paper form with its scan', async () => {
    const claim = (send: typeof post, source: string, extra: object = {}) =>
      send('/v1/consents/subjects/frank', {
        purpose: 'interest-analytics',
        action: 'give',
        source,
        notice,
        ...extra,
      });
    for (const [who, send, source] of [
      ['app', asApp, 'cabinet'],
      ['app', asApp, 'site-notice'],
      ['app', asApp, 'staff-paper'],
      ['staff', post, 'cabinet'],
      ['staff', post, 'site-notice'],
      ['staff', post, 'app'],
    ] as const) {
      const res = await claim(send, source);
      expect([who, source, res.statusCode, res.json().error.code]).toEqual([
        who,
        source,
        403,
        'MXF_CONSENT_SOURCE_NOT_CALLER',
      ]);
    }
    expect((await claim(post, 'staff-paper', { evidenceRef: 'scans/2026/form-17.pdf' })).statusCode).toBe(
      201,
    );
    expect((await claim(asApp, 'app')).statusCode).toBe(201);
    const history = await t.app.inject({ url: '/v1/consents/subjects/frank', headers: { cookie } });
    expect(history.json().history.map((e: { source: string }) => e.source)).toEqual(['staff-paper', 'app']);
  });

  it('refuses a batch over 10,000, a consent for a contract-basis purpose and an unknown purpose with catalogued errors', async () => {
    const over = await post('/v1/decisions', {
      questions: Array.from({ length: 10_001 }, () => ({
        subjectId: 'a',
        purpose: 'identify',
        category: 'contact',
      })),
    });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.code).toBe('MXF_DECISION_BATCH_TOO_LARGE');
    // A full batch with every field at the schema's longest is answered, not refused for its size.
    const longest = {
      subjectId: 's'.repeat(255),
      purpose: 'p'.repeat(63),
      category: 'c'.repeat(63),
      context: { collectedAt: 8.64e15, channel: 'e'.repeat(40), topic: 't'.repeat(40) },
    };
    const full = await post('/v1/decisions', { questions: Array.from({ length: 10_000 }, () => longest) });
    expect(full.statusCode, full.body.slice(0, 200)).toBe(200);
    expect(full.json().answers).toHaveLength(10_000);
    const contract = await asApp('/v1/consents/subjects/bob', {
      purpose: 'identify',
      action: 'give',
      source: 'app',
      notice,
    });
    expect([contract.statusCode, contract.json().error.code]).toEqual([409, 'MXF_CONSENT_NOT_CONSENT_BASIS']);
    const unknown = await asApp('/v1/consents/subjects/bob', {
      purpose: 'no-such',
      action: 'give',
      source: 'app',
      notice,
    });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'MXF_PURPOSE_NOT_FOUND']);
    // Not an id: a space, an e-mail address or a phone number in its place, a leading dot. Refused by the
    // schema before anything is written (an address passed it once and failed as a 500 at the audit log).
    const before = (await t.services.audit.entries({ limit: 1_000 })).length;
    for (const subject of ['a%20b', 'alice%40example.uz', '%2B998901234567', '.998901234567', '-x']) {
      for (const [method, url, payload] of [
        [
          'POST',
          `/v1/consents/subjects/${subject}`,
          { purpose: 'offers-newsletters', action: 'give', source: 'app', notice },
        ],
        ['PUT', `/v1/consents/subjects/${subject}/status`, { status: 'blocked' }],
        ['GET', `/v1/consents/subjects/${subject}`, undefined],
      ] as const) {
        const res = await t.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
        expect([url, res.statusCode, res.json().error.code]).toEqual([url, 400, 'MXF_REQUEST_INVALID']);
      }
    }
    expect((await t.services.audit.entries({ limit: 1_000 })).length).toBe(before);
  });

  it('refuses to move a must-stay category abroad', async () => {
    expect(
      (await post('/v1/data-stores', { id: 'eu', country: 'DE', description: 'Frankfurt' })).statusCode,
    ).toBe(201);
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/data-categories/biometric/store',
      headers: { cookie },
      payload: { storeId: 'eu' },
    });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'MXF_PURPOSE_MUST_STAY_IN_UZ']);
  });

  it('generates the record of processing activities from the register, as JSON and CSV (§14)', async () => {
    const json = await t.app.inject({ url: '/v1/ropa.json', headers: { cookie } });
    const ropa = json.json();
    expect(ropa.controller).toMatchObject({ id: 'cdti', country: 'UZ' });
    expect(ropa.activities).toHaveLength(12);
    expect(ropa.activities.find((a: { purpose: string }) => a.purpose === 'improve-service')).toMatchObject({
      legalBasis: 'legitimate-interest',
      automated: true,
      retentionDays: 365,
    });
    const csv = await t.app.inject({ url: '/v1/ropa.csv', headers: { cookie } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^purpose,version,name,legal_basis/);
    expect(lines).toHaveLength(13);
    expect(lines.find((l) => l.startsWith('requests,'))).toContain(',1095,false,');
  });

  it('signs webhooks to subscribers and retries a failing or hanging endpoint with backoff, never holding up consents or decisions', async () => {
    for (const url of ['http://hooks.example.com/consents', 'https://user:pw@hooks.example.com/consents']) {
      const insecure = await post('/v1/webhooks', { url });
      expect([url, insecure.statusCode, insecure.json().error.code]).toEqual([
        url,
        422,
        'MXF_WEBHOOK_URL_INSECURE',
      ]);
    }
    const sub = await post('/v1/webhooks', { url: hookUrl });
    expect(sub.statusCode).toBe(201);
    const { secret } = sub.json() as { secret: string };

    hook.set(500);
    await asApp('/v1/consents/subjects/dave', {
      purpose: 'interest-analytics',
      action: 'give',
      source: 'app',
      notice,
    });
    expect(await t.services.worker.runOnce()).toBe(1);
    expect(hook.received).toHaveLength(1);
    // Failed: not redelivered before its backoff has passed.
    expect(await t.services.worker.runOnce()).toBe(0);

    hook.set('hang');
    clock.advance(5_000);
    const stuck = t.services.worker.runOnce();
    // Waits for the claim and the POST to reach the endpoint, however long a loaded machine takes.
    await vi.waitFor(() => expect(hook.received).toHaveLength(2), { timeout: 10_000 });
    // The endpoint hangs; a withdrawal and the decisions after it are not held up.
    const withdrawn = await asApp('/v1/consents/subjects/dave', {
      purpose: 'interest-analytics',
      action: 'withdraw',
      source: 'app',
      notice,
    });
    expect(withdrawn.statusCode).toBe(201);
    const decision = await post('/v1/decisions', {
      subjectId: 'dave',
      purpose: 'interest-analytics',
      category: 'interests',
    });
    expect(decision.json().reasons).toEqual(['no-consent']);
    hook.release();
    await stuck;

    hook.set(204);
    clock.advance(60_000);
    while ((await t.services.worker.runOnce()) > 0) clock.advance(60_000);
    const delivered = hook.received.slice(2);
    const states = delivered.map((d) => JSON.parse(d.body).change.state).sort();
    expect(states).toEqual(['given', 'withdrawn']);
    for (const d of delivered) {
      const ts = String(d.headers['x-maxfiy-timestamp']);
      expect(d.headers['x-maxfiy-signature']).toBe(signature(secret, ts, d.body));
      expect(JSON.parse(d.body).change).toMatchObject({ subjectId: 'dave', purpose: 'interest-analytics' });
    }
    expect(await t.services.outbox.stats()).toMatchObject({ dead: 0 });
  });
});
