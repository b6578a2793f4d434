/**
 * Property tests of what the sites and the apps send: the public agreement
 * pages, `notice.js`, the visitor acceptance behind its origin check, receipts,
 * and the apps' acceptance API, through `app.inject` on the whole app. Random
 * site ids, query strings, Origin and Accept headers and JSON bodies must be
 * answered with a 2xx (or 304) or a catalogued error, never a 500, and an error
 * message must carry nothing of the request but a field name of the schema.
 *
 * On SQLite only: what reaches the database here has passed the schemas'
 * patterns (hex ids, `[A-Za-z0-9:._-]` subjects); the stores' contract suites
 * run on both databases.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../errors.js';
import { LANGUAGES } from '../../i18n/errors-define.js';
import { type AgreementTestApp, agreementTestApp, as, issueReceipt } from './agreements.testkit.js';

const SITES = ['cdti.uz', 'smartpos.uz', 'silen.uz', 'a-pay.uz', 'x-file.uz'];

/** Every name the schemas of these routes know: a refusal's `field` may name these, and array indexes. */
const SCHEMA_NAMES = new Set([
  'site',
  'n',
  'id',
  'lang',
  'visitorId',
  'version',
  'language',
  'subjectId',
  'siteId',
  'acceptances',
  // what the error handler names when no field is at fault
  'body',
  'querystring',
  'params',
  'headers',
]);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * A 2xx or 304, or a catalogued refusal: the code's own status, and a message
 * that is the catalogue's text in one of the four languages with nothing filled
 * in but the field name, the request id and numbers. With `names` false (the
 * request sent a name no schema knows: see the last test) the field is not judged.
 */
function expectAnswered(res: Answer, label: string, names = true): void {
  expect(res.statusCode, label).toBeLessThan(500);
  if (res.statusCode < 300 || res.statusCode === 304) return;
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('text/html')) {
    // A browser asking for an agreement page gets the refusal as a page, code and status intact.
    const code = /data-error-code="(MXF_[A-Z_]+)"/.exec(res.body)?.[1] as keyof typeof catalogue;
    expect(Object.keys(catalogue), label).toContain(code);
    expect(res.statusCode, label).toBe(catalogue[code].status);
    return;
  }
  const { error } = JSON.parse(res.body) as {
    error: { code: keyof typeof catalogue; message: string; requestId: string; field?: string };
  };
  expect(Object.keys(catalogue), label).toContain(error.code);
  expect(res.statusCode, label).toBe(catalogue[error.code].status);
  expect(error.requestId, label).toEqual(expect.any(String));
  if (!names) return;
  if (error.field !== undefined)
    for (const part of error.field.split('.'))
      expect(SCHEMA_NAMES.has(part) || /^\d+$/.test(part), `${label}: field ${error.field}`).toBe(true);
  const filled = (template: string) =>
    new RegExp(
      `^${escapeRegExp(template)
        .replace(escapeRegExp('{field}'), () => escapeRegExp(error.field ?? '{field}'))
        .replace(escapeRegExp('{requestId}'), () => escapeRegExp(error.requestId))
        .replace(/\\\{\w+\\\}/g, '\\d+')}$`,
    );
  const messages = LANGUAGES.map((l) => catalogue[error.code].messages[l]);
  expect(
    messages.some((m) => filled(m).test(error.message)),
    `${label}: message ${error.message}`,
  ).toBe(true);
}

/** Header values a client can send: printable Latin-1. */
const headerValue = (maxLength = 60) =>
  fc.string({ unit: 'binary', maxLength }).map((s) => s.replace(/[^\t\x20-\x7e\xa0-\xff]/g, 'x'));

const langValue = fc.oneof(
  fc.constantFrom(
    'uz-Cyrl',
    'uz-Latn',
    'ru',
    'en',
    'uz',
    'UZ-LATN',
    'en-GB',
    'ru-RU',
    '',
    'x'.repeat(35),
    'x'.repeat(36),
  ),
  fc.string({ maxLength: 40 }),
);

/** A site id: registered, well-formed but unknown, or anything a path segment can hold. */
const siteSegment = fc.oneof(
  fc.constantFrom(...SITES).map(encodeURIComponent),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,62}$/).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 70 }).map(encodeURIComponent),
  // A broken escape ('%zz') is a test of its own near the end.
  fc.constantFrom('CDTI.UZ', 'cdti.uz.', '.', '..', '%2e%2e', '%2F', '%00', 'a'.repeat(63), 'a'.repeat(64)),
);

/** A query string: `lang` and other names, repeated, bracketed or broken. */
const queryString = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: langValue.map((v) => `lang=${encodeURIComponent(v)}`) },
        fc
          .tuple(
            fc.string({ unit: 'grapheme', maxLength: 12 }),
            fc.string({ unit: 'grapheme', maxLength: 12 }),
          )
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
        fc.constantFrom('lang', 'lang=', 'lang[]=en', 'lang[a]=1', '%', '=', '&'),
      ),
      { maxLength: 3 },
    ),
    fc.boolean(),
  )
  .map(([parts, any]) => (any || parts.length > 0 ? `?${parts.join('&')}` : ''));

/** The query's names no schema knows (these are echoed: the last test). */
function unknownQueryNames(query: string): string[] {
  return [...new URLSearchParams(query.replace(/%(?![0-9a-fA-F]{2})/g, '%25')).keys()].filter(
    (k) => !SCHEMA_NAMES.has(k),
  );
}

/** Every object key anywhere in a JSON value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

/** Null five times in six: bodies stay near-valid, where the checks past the schema are reached. */
const sometimes = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
/** A valid value five times in six, for the same reason. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const version = mostly(
  fc.constantFrom(1, 1, 1, 2),
  fc.oneof(
    fc.constantFrom<unknown>(0, -1, 1_000_000, 1_000_001, 1.5, 2 ** 53, '1', null, true),
    fc.integer(),
  ),
);
const language = mostly(fc.constantFrom('uz-Cyrl', 'uz-Latn', 'ru', 'en'), langValue);

/** A near-valid object with these fields; sometimes one dropped, one extra, or the whole replaced by any JSON. */
function nearValid(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const near = fc
    .record({
      ...fields,
      extraKey: sometimes(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor')),
      ),
      extraValue: fc.jsonValue({ maxDepth: 1 }),
      drop: sometimes(fc.constantFrom(...Object.keys(fields))),
    })
    .map(({ extraKey, extraValue, drop, ...body }) => {
      const out: Record<string, unknown> = { ...body };
      if (drop !== null) delete out[drop];
      if (extraKey !== null) Object.defineProperty(out, extraKey, { value: extraValue, enumerable: true });
      return out;
    });
  return fc.oneof({ weight: 4, arbitrary: near }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
}

function parsedOrNothing(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A body as sent: its JSON, or text that is (nearly always) not JSON at all. */
const sent = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: value.map((v) => ({ payload: JSON.stringify(v) ?? 'null', value: v })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{"version":', '', '[', '{"a":1}{'))
        .map((payload) => ({ payload, value: parsedOrNothing(payload) })),
    },
  );

describe('the public agreement routes and the acceptance API on hostile input (fuzz)', () => {
  let t: AgreementTestApp;
  let receiptId: string;

  beforeAll(async () => {
    t = await agreementTestApp('sqlite');
    ({ receiptId } = await issueReceipt(t, { subjectId: 'customer-1', language: 'en', siteId: 'cdti.uz' }));
  }, 120_000);
  afterAll(async () => t?.close());

  it('answers the agreement pages, notice.js and receipts for any site, query and headers', async () => {
    const path = fc.oneof(
      siteSegment.chain((s) =>
        fc.constantFrom(
          `/sites/${s}/agreement`,
          `/sites/${s}/agreement.json`,
          `/sites/${s}/notice.js`,
          `/sites/${s}/agreement/versions/1`,
          `/sites/${s}/agreement/versions/2`,
        ),
      ),
      fc
        .oneof(
          fc.constant('1'),
          fc.string({ maxLength: 12 }).map(encodeURIComponent),
          fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999'),
        )
        .map((n) => `/sites/cdti.uz/agreement/versions/${n}`),
      fc
        .tuple(
          fc.oneof(
            fc.constant('RECEIPT'),
            fc.stringMatching(/^[0-9a-f-]{36}$/),
            fc.string({ maxLength: 40 }).map(encodeURIComponent),
          ),
          fc.constantFrom('', '/page', '/pdf'),
        )
        .map(([id, what]) => `/v1/agreements/receipts/${id}${what}`),
    );
    const headers = fc.record(
      {
        accept: fc.oneof(
          fc.constantFrom('text/html', 'text/html,application/xhtml+xml', 'application/json', '*/*'),
          headerValue(),
        ),
        'accept-language': fc.oneof(
          fc.constantFrom('ru', 'en-US,en;q=0.5', 'uz-Latn;q=0', 'uz;q=abc, ru;q=0.1'),
          headerValue(),
        ),
        'if-none-match': headerValue(40),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(path, queryString, headers, async (p, q, h) => {
        const url = `${p.replace('RECEIPT', receiptId)}${q}`;
        const res = await t.app.inject({ method: 'GET', url, headers: h });
        expectAnswered(res, `GET ${url}`, unknownQueryNames(q).length === 0);
      }),
      { numRuns: 400 },
    );
  });

  it('answers a visitor acceptance and its preflight from any Origin, for any site, with any body', async () => {
    const origin = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...SITES).map((s) => `https://${s}`) },
      fc.constantFrom(
        'https://cdti.uz/',
        'HTTPS://CDTI.UZ',
        'http://cdti.uz',
        'https://cdti.uz:443',
        'null',
        '',
      ),
      fc.webUrl().map((u) => new URL(u).origin),
      headerValue(),
    );
    const visitorId = mostly(
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('A'.repeat(32), '0'.repeat(31), '0'.repeat(33))),
    );
    const body = sent(nearValid({ visitorId, version, language }));
    await fc.assert(
      fc.asyncProperty(
        // Mostly a registered site, asked from its own origin a third of the time.
        fc
          .tuple(
            fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...SITES).map(encodeURIComponent) },
              { weight: 1, arbitrary: siteSegment },
            ),
            fc.oneof(origin, fc.constant('own'), fc.constant(null)),
          )
          .map(([site, o]) => [site, o === 'own' ? `https://${decodeURIComponent(site)}` : o] as const),
        body,
        fc.constantFrom('POST', 'POST', 'OPTIONS'),
        mostly(
          fc.constant('application/json'),
          fc.constantFrom('application/json; charset=utf-8', 'text/plain'),
        ),
        async ([site, o], b, method, type) => {
          const res = await t.app.inject({
            method: method as 'POST',
            url: `/sites/${site}/acceptances`,
            // A browser's preflight carries no body and no content type.
            headers: {
              ...(method === 'POST' ? { 'content-type': type } : {}),
              ...(o !== null ? { origin: o } : {}),
            },
            ...(method === 'POST' ? { payload: b.payload } : {}),
          });
          const label = `${method} ${site} from ${o} with ${b.payload}`;
          expectAnswered(
            res,
            label,
            keysOf(b.value).every((k) => SCHEMA_NAMES.has(k)),
          );
          if (res.statusCode < 300) {
            // Only the site's own registered origin is ever let in, and told so.
            expect(o, label).toBe(`https://${decodeURIComponent(site)}`);
            expect(res.headers['access-control-allow-origin'], label).toBe(o);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers an app recording acceptances, reporting use and asking their state with any body or query', async () => {
    const subjectId = mostly(
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/),
        fc.constantFrom('customer-1', 'a'.repeat(100), 'visitor:1'),
      ),
      fc.oneof(fc.string({ maxLength: 110 }), fc.constantFrom('a'.repeat(101), '-x', '')),
    );
    const siteId = mostly(
      fc.constantFrom(...SITES),
      fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,62}$/), fc.string({ maxLength: 20 })),
    );
    const acceptance = nearValid({ subjectId, version, language, siteId });
    // A batch is taken whole or not at all: mostly clean items, so some batches are.
    const item = mostly(
      fc.record({ subjectId, version: fc.constant(1), language: fc.constantFrom('uz-Cyrl', 'en'), siteId }),
      acceptance,
    );
    const request = fc.oneof(
      sent(acceptance).map((b) => ({ method: 'POST', url: '/v1/agreements/acceptances', ...b })),
      sent(
        fc.oneof(
          { weight: 3, arbitrary: fc.array(item, { maxLength: 4 }).map((acceptances) => ({ acceptances })) },
          nearValid({ acceptances: fc.array(acceptance, { maxLength: 3 }) }),
        ),
      ).map((b) => ({ method: 'POST', url: '/v1/agreements/acceptances/batch', ...b })),
      sent(nearValid({ subjectId, siteId })).map((b) => ({
        method: 'POST',
        url: '/v1/agreements/use',
        ...b,
      })),
      fc.tuple(subjectId, sometimes(siteId), mostly(fc.constant(''), queryString)).map(([s, site, q]) => ({
        method: 'GET',
        url: `/v1/agreements/acceptance-state?subjectId=${encodeURIComponent(s)}${site !== null ? `&siteId=${encodeURIComponent(site)}` : ''}${q.replace('?', '&')}`,
        payload: undefined,
        value: undefined,
        query: q,
      })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await t.app.inject({
          method: r.method as 'POST',
          url: r.url,
          headers: { cookie: t.cookie.support, 'content-type': 'application/json' },
          ...(r.payload !== undefined ? { payload: r.payload } : {}),
        });
        const query = 'query' in r ? (r.query as string) : '';
        const known =
          keysOf(r.value).every((k) => SCHEMA_NAMES.has(k)) && unknownQueryNames(query).length === 0;
        expectAnswered(res, `${r.method} ${r.url} with ${r.payload}`, known);
      }),
      { numRuns: 300 },
    );
  });

  /*
   * A path whose percent escape does not decode never reaches the app's error
   * handler: Fastify answers it from `frameworkErrors`, on every route. Its own
   * answer (FST_ERR_BAD_URL) had no catalogued code and echoed the whole path;
   * maxfiy's handler answers MXF_REQUEST_URL_MALFORMED.
   */
  it('answers a path with a broken percent escape with a catalogued refusal', async () => {
    const broken = fc
      .tuple(
        fc.constantFrom(
          '/sites/SEG/agreement',
          '/sites/SEG/notice.js',
          '/sites/cdti.uz/agreement/versions/SEG',
          '/v1/agreements/receipts/SEG',
        ),
        fc.string({ unit: fc.constantFrom('a', '.', '-', '1'), maxLength: 6 }),
        fc.constantFrom('%', '%z', '%zz', '%g0', '%%', '%E0%A4%A'),
      )
      .map(([route, around, escape]) => route.replace('SEG', `${around}${escape}`));
    await fc.assert(
      fc.asyncProperty(broken, async (url) => {
        const res = await t.app.inject({ method: 'GET', url });
        expectAnswered(res, `GET ${url}`);
      }),
      { numRuns: 30, examples: [['/sites/%zz/agreement']] },
    );
    // In the language asked for, though Fastify parses no query on such a path.
    const ru = await t.app.inject({ method: 'GET', url: '/sites/%zz/agreement?lang=ru' });
    expect(ru.json().error).toMatchObject({
      code: 'MXF_REQUEST_URL_MALFORMED',
      message: catalogue.MXF_REQUEST_URL_MALFORMED.messages.ru,
    });
  });

  /*
   * `GET /sites/cdti.uz/agreement.json?<script>=1` was refused with field
   * "<script>", echoed in the message in every language; a JSON body key
   * likewise, at any length up to the body limit, on public routes. An unknown
   * name is now named by the part of the request that holds it.
   */
  it('never echoes a name the schema does not know in a refusal', async () => {
    const name = fc
      .string({ unit: 'grapheme', minLength: 4, maxLength: 30 })
      .filter((s) => !SCHEMA_NAMES.has(s) && s.trim() === s && !/[.~/]/.test(s));
    const request = fc.oneof(
      name.map((n) => ({
        url: `/sites/cdti.uz/agreement.json?${encodeURIComponent(n)}=1`,
        payload: undefined as string | undefined,
        name: n,
      })),
      name.map((n) => ({
        url: '/sites/cdti.uz/acceptances',
        payload: JSON.stringify({ visitorId: 'a'.repeat(32), version: 1, language: 'en', [n]: 1 }),
        name: n,
      })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await t.app.inject({
          method: r.payload ? 'POST' : 'GET',
          url: r.url,
          headers: { origin: 'https://cdti.uz', 'content-type': 'application/json' },
          ...(r.payload ? { payload: r.payload } : {}),
        });
        expect(res.statusCode).toBe(400);
        expect(res.body, r.name).not.toContain(JSON.stringify(r.name).slice(1, -1));
      }),
      {
        numRuns: 50,
        examples: [
          [{ url: '/sites/cdti.uz/agreement.json?%3Cscript%3E=1', payload: undefined, name: '<script>' }],
        ],
      },
    );
  });
});
