import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { runSitesCheck } from '../../cli/sites.js';
import { loadOptions } from '../../config/options.js';
import { type AgreementTestApp, agreementTestApp, as } from './agreements.testkit.js';

/** A company site on loopback: each path answers what the test put there. */
async function fakeSite(
  pages: Record<string, { status: number; body: string; location?: string }>,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const page = pages[req.url ?? ''];
    res.writeHead(page?.status ?? 404, {
      'content-type': 'text/html; charset=utf-8',
      ...(page?.location ? { location: page.location } : {}),
    });
    res.end(page?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}`, hits };
}

describe.each(databaseKinds())('the publication check (§22) on %s', (kind) => {
  let t: AgreementTestApp;
  let site: Awaited<ReturnType<typeof fakeSite>>;
  beforeAll(async () => {
    t = await agreementTestApp(kind);
    const v1 = await t.services.agreements.versions.detail(1);
    const hash = (lang: string) => v1.languages.find((l) => l.lang === lang)?.contentHash;
    // What our own page shows: the marker of the version in force.
    const ours = (await t.app.inject({ url: '/sites/cdti.uz/agreement?lang=uz-Latn' })).body;
    site = await fakeSite({
      '/mirror': { status: 200, body: ours },
      '/hash-only': { status: 200, body: `<p>Agreement, SHA-256: ${hash('uz-Cyrl')}</p>` },
      '/old': { status: 200, body: `<main data-maxfiy-agreement="0:${hash('en')}"></main>` },
      // A marker naming a version of 5,000 digits: a mismatch, and what is stored of it is bounded.
      '/other-text': {
        status: 200,
        body: `<p>Some other privacy policy</p><i data-maxfiy-agreement="${'9'.repeat(5000)}:${hash('en')}"></i>`,
      },
      '/broken': { status: 500, body: 'error' },
    });
    const set = async (id: string, path: string) =>
      t.services.org.updateSite('system', id, { agreementUrl: `${site.url}${path}` });
    await set('cdti.uz', '/mirror');
    await set('smartpos.uz', '/hash-only');
    await set('silen.uz', '/old');
    await set('a-pay.uz', '/other-text');
    await set('x-file.uz', '/broken');
  }, 120_000);
  afterAll(async () => {
    site?.server.close();
    await t?.close();
  });

  it('finds which sites show the version in force, and stores every other outcome as a finding', async () => {
    const run = await as(t, 'dpo')('POST', '/v1/agreements/site-checks');
    expect(run.statusCode).toBe(200);
    const outcome = Object.fromEntries(
      run.json().checks.map((c: { siteId: string; outcome: string }) => [c.siteId, c.outcome]),
    );
    expect(outcome).toEqual({
      'cdti.uz': 'ok',
      'smartpos.uz': 'ok',
      'silen.uz': 'mismatch',
      'a-pay.uz': 'mismatch',
      'x-file.uz': 'unreachable',
    });
    const listed = await as(t, 'support')('GET', '/v1/agreements/site-checks');
    expect(listed.statusCode).toBe(200);
    const findings = listed.json().checks.filter((c: { outcome: string }) => c.outcome !== 'ok');
    expect(findings.map((c: { siteId: string }) => c.siteId).sort()).toEqual([
      'a-pay.uz',
      'silen.uz',
      'x-file.uz',
    ]);
    expect(findings.find((c: { siteId: string }) => c.siteId === 'silen.uz').found).toMatch(/^0:sha256:/);
    expect(findings.find((c: { siteId: string }) => c.siteId === 'a-pay.uz').found).toMatch(/^9{9}…:sha256:/);
  });

  // The command opens the deployment's own database: the embedded file here (PostgreSQL runs the same queries above).
  it.runIf(kind === 'sqlite')(
    'runs from the command line too, exiting 1 when any site shows another version (skipped on postgres: the command test opens the embedded SQLite file; the same queries ran above)',
    async () => {
      const file = t.services.database.file as string;
      const lines: string[] = [];
      const code = await runSitesCheck({
        options: loadOptions(
          { dataDir: path.dirname(file), logLevel: 'silent', outboundPrivateAddresses: 'allow' },
          {},
        ),
        stdout: { write: (s: string) => lines.push(s) },
      });
      expect(code).toBe(1);
      expect(lines.join('')).toMatch(/^mismatch\s+silen\.uz/m);
      expect(lines.join('')).toMatch(/^ok\s+cdti\.uz/m);
    },
  );

  // The sites here live on 127.0.0.1: exactly what a compromised site's redirect would aim at.
  it.runIf(kind === 'sqlite')(
    'never fetches an internal address unless the deployment allows it: every such site is unreachable (skipped on postgres: the command opens the embedded SQLite file)',
    async () => {
      const file = t.services.database.file as string;
      const before = site.hits.length;
      const lines: string[] = [];
      const code = await runSitesCheck({
        options: loadOptions({ dataDir: path.dirname(file), logLevel: 'silent' }, {}),
        stdout: { write: (s: string) => lines.push(s) },
      });
      expect(code).toBe(1);
      const outcomes = lines.map((l) => l.split(/\s+/)[0]);
      expect(outcomes).toHaveLength(5);
      expect(new Set(outcomes)).toEqual(new Set(['unreachable']));
      expect(site.hits.length).toBe(before);
    },
  );

  it('follows a redirect within the site, and never counts a page on another host as the site showing it', async () => {
    // The same page as /mirror, on a host that is none of the site's (nor maxfiy's).
    const elsewhere = await fakeSite(
      { '/copy': { status: 200, body: (await t.app.inject({ url: '/sites/cdti.uz/agreement' })).body } },
      '127.0.0.2',
    );
    const away = await fakeSite({
      '/within': { status: 302, body: '', location: `${site.url}/mirror` },
      '/away': { status: 302, body: '', location: `${elsewhere.url}/copy` },
    });
    const checks = t.services.agreements.siteChecks;
    const outcomeOf = async (url: string) => {
      await t.services.org.updateSite('system', 'cdti.uz', { agreementUrl: url });
      return (await checks.run()).find((c) => c.siteId === 'cdti.uz')?.outcome;
    };
    try {
      expect(await outcomeOf(`${away.url}/within`)).toBe('ok');
      expect(await outcomeOf(`${away.url}/away`)).toBe('unreachable');
      expect(elsewhere.hits).toEqual([]);
    } finally {
      await t.services.org.updateSite('system', 'cdti.uz', { agreementUrl: `${site.url}/mirror` });
      away.server.close();
      elsewhere.server.close();
    }
  });

  it('lets only the DPO or an administrator start a check', async () => {
    const res = await as(t, 'legal')('POST', '/v1/agreements/site-checks');
    expect(res.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/v1/agreements/site-checks' })).statusCode).toBe(401);
  });
});
