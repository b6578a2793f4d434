/**
 * Property tests of the publication check's reading of a site's page (§22).
 * The page is whatever the site's server sends, so it is hostile input: any
 * body must end as a finding or a match, stored, never as an exception; the
 * marker or the content hash of the version in force must be recognised in any
 * surrounding HTML, and a hash one hex digit away must not.
 *
 * On SQLite only: the page is read in memory and its outcome stored as text on
 * both databases; site-checks.test.ts runs the check itself on both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';

const SITES = ['a-pay.uz', 'cdti.uz', 'silen.uz', 'smartpos.uz', 'x-file.uz'];
const HEX = '0123456789abcdef';

/** What the company's site answers now: one page for every site, set by each run. */
const page: { status: number; type: string; body: Buffer } = {
  status: 200,
  type: 'text/html; charset=utf-8',
  body: Buffer.alloc(0),
};

/** HTML-ish text: tags, attributes, quotes, digits and hex, never the marker's attribute name itself. */
const html = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<p>',
        '</p>',
        '<main class="a">',
        '<div data-x="1:',
        '">',
        "'",
        '"',
        ' ',
        '\n',
        '&quot;',
      ),
      fc.constantFrom('sha256:', 'data-maxfiy-', 'agreement=', '1:', '0', '9', 'a', 'f', 'SHA-256 '),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''))
  .filter((s) => !s.includes('data-maxfiy-agreement="'));

/** The hash with one hex digit changed to another. */
const oneDigitOff = (hash: string) =>
  fc.tuple(fc.nat({ max: 63 }), fc.integer({ min: 1, max: 15 })).map(([at, delta]) => {
    const hex = hash.slice('sha256:'.length);
    const changed = HEX[(HEX.indexOf(hex[at] as string) + delta) % 16] as string;
    return `sha256:${hex.slice(0, at)}${changed}${hex.slice(at + 1)}`;
  });

describe('the publication check reading any page (fuzz)', () => {
  let t: AgreementTestApp;
  let server: Server;
  let hashes: string[];

  beforeAll(async () => {
    t = await agreementTestApp('sqlite');
    hashes = (await t.services.agreements.versions.detail(1)).languages
      .map((l) => l.contentHash)
      .filter((h): h is string => h !== null);
    expect(hashes.length).toBeGreaterThan(0);
    server = createServer((_req, res) => {
      res.writeHead(page.status, { 'content-type': page.type });
      res.end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Every site, so no check leaves the machine.
    for (const id of SITES) await t.services.org.updateSite('system', id, { agreementUrl: `${base}/${id}` });
  }, 120_000);
  afterAll(async () => {
    server?.close();
    await t?.close();
  });

  /** Runs the check through the API with the site answering `body`; the outcome and finding of every site. */
  async function check(body: string | Buffer, status = 200, type = 'text/html; charset=utf-8') {
    Object.assign(page, { status, type, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') });
    const res = await as(t, 'dpo')('POST', '/v1/agreements/site-checks');
    expect(res.statusCode).toBe(200);
    const checks = res.json().checks as { siteId: string; outcome: string; found: string | null }[];
    expect(checks.map((c) => c.siteId).sort()).toEqual(SITES);
    // Each site shows the same page, so each must be judged alike.
    expect(new Set(checks.map((c) => `${c.outcome} ${c.found}`)).size).toBe(1);
    const { outcome, found } = checks[0] as { outcome: string; found: string | null };
    return { outcome, found };
  }

  it('judges any body, in any status and content type, as a finding or a match and stores it', async () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      html,
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    );
    const status = fc.constantFrom(200, 200, 200, 201, 203, 204, 299, 300, 304, 404, 410, 500, 503);
    const type = fc.constantFrom(
      'text/html; charset=utf-8',
      'text/plain',
      'application/octet-stream',
      'text/html; charset=utf-16',
    );
    await fc.assert(
      fc.asyncProperty(body, status, type, async (b, s, ct) => {
        const before = (
          await t.app.inject({ url: '/v1/agreements/site-checks', headers: { cookie: t.cookie.dpo } })
        ).json().checks.length;
        const c = await check(b, s, ct);
        // Random text holds neither the marker nor a hash of the version in force.
        expect(c.outcome).toBe(s >= 200 && s <= 299 ? 'mismatch' : 'unreachable');
        expect(c.found).toBeNull();
        const after = (
          await t.app.inject({ url: '/v1/agreements/site-checks', headers: { cookie: t.cookie.dpo } })
        ).json().checks.length;
        expect(after).toBe(Math.min(before + SITES.length, 200));
      }),
      { numRuns: 120 },
    );
  });

  it('recognises the marker of the version in force anywhere in any HTML', async () => {
    await fc.assert(
      fc.asyncProperty(html, html, fc.constantFrom(...hashes), async (before, after, hash) => {
        const c = await check(`${before}<main data-maxfiy-agreement="1:${hash}">${after}`);
        expect(c).toEqual({ outcome: 'ok', found: `1:${hash}` });
      }),
      { numRuns: 100 },
    );
  });

  it('recognises the content hash of a text of the version in force anywhere in any HTML, without a marker', async () => {
    await fc.assert(
      fc.asyncProperty(html, html, fc.constantFrom(...hashes), async (before, after, hash) => {
        const c = await check(`${before}${hash}${after}`);
        expect(c).toEqual({ outcome: 'ok', found: null });
      }),
      { numRuns: 100 },
    );
  });

  it('finds a mismatch where the hash is one hex digit off, in the marker or in the text', async () => {
    const hash = fc.constantFrom(...hashes);
    const offHash = hash.chain(oneDigitOff);
    await fc.assert(
      fc.asyncProperty(html, html, offHash, fc.boolean(), async (before, after, off, inMarker) => {
        const c = await check(
          inMarker ? `${before}<main data-maxfiy-agreement="1:${off}">${after}` : `${before}${off}${after}`,
        );
        expect(c).toEqual({ outcome: 'mismatch', found: inMarker ? `1:${off}` : null });
      }),
      { numRuns: 100 },
    );
  });

  it('finds a mismatch where the marker names another version, whatever else the page holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        html,
        html,
        fc
          .oneof(fc.integer({ min: 0, max: 10 ** 9 }), fc.bigInt({ min: 0n, max: 10n ** 40n }))
          .filter((n) => Number(n) !== 1),
        fc.constantFrom(...hashes),
        async (before, after, n, hash) => {
          // The hash of the version in force is on the page too: the marker, seen first, decides.
          const c = await check(`${before}<main data-maxfiy-agreement="${n}:${hash}">${after}${hash}`);
          // A finding keeps nine digits of the number it shows.
          const digits = String(n);
          const shown = digits.length > 9 ? `${digits.slice(0, 9)}…` : digits;
          expect(c).toEqual({ outcome: 'mismatch', found: `${shown}:${hash}` });
        },
      ),
      { numRuns: 80 },
    );
  });
});
