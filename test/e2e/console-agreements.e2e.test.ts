import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementErrors } from '../../src/modules/agreements/agreements.errors.js';
import { addStaffDirectly } from '../../src/modules/staff/staff.testkit.js';
import type { TestApp } from '../helpers/app.js';
import type { OpenPage } from '../helpers/browser.js';
import { lowContrastText, unnamedControls } from './a11y.js';
import { staffTab, startServer } from './journeys.js';
import { heading, LANGS, type Lang, preferLanguage, screenshot, text } from './support.js';

/**
 * The agreement in the console, in Chromium: the versions, a draft edited with
 * its live preview, the clause-by-clause diff, the two-person publication (the
 * DPO who asked is refused as approver with the server's own message; a legal
 * member publishes), each site's version in force, and the acceptance chart.
 *
 * The DPO and the legal member are written to the database as the staff tests do
 * (there is no invitation flow yet) and signed in through the real OPAQUE and
 * second-factor exchange; each browser gets its own session cookie.
 */

let app: TestApp;
let baseUrl: string;
let chromium: Browser;
const tabs: OpenPage[] = [];

const MEMBERS = {
  dpo: { id: 'staff-dpo', displayName: 'Malika Yusupova', roles: ['dpo' as const] },
  legal: { id: 'staff-legal', displayName: 'Rustam Aliyev', roles: ['legal' as const] },
};

/** The second person's refusal is the point of one step; everything else must succeed. */
const allowed = (path: string, status: number) =>
  status === 403 && path === '/v1/agreements/versions/2/publication-approval';

/** A browser page signed in as `who`, preferring `lang`. */
async function staffPage(who: keyof typeof MEMBERS, lang: Lang): Promise<Page> {
  const member = MEMBERS[who];
  const email = `${who}@cdti.uz`;
  const password = `password of ${who} 123`;
  await addStaffDirectly(app.services.database, app.services.keyring, { ...member, email, password });
  const tab = await staffTab(
    { app, baseUrl, browser: chromium },
    { email, password },
    { lang, allowHttpError: allowed },
  );
  tabs.push(tab);
  return tab.page;
}

let dpo: Page;
let legal: Page;

beforeAll(async () => {
  ({ app, baseUrl, browser: chromium } = await startServer());
  await app.services.agreements.seed();
  dpo = await staffPage('dpo', 'en');
  legal = await staffPage('legal', 'ru');
});

afterAll(async () => {
  for (const tab of tabs) await tab.close();
  await chromium?.close();
  await app?.close();
});

async function inForceOn(siteId: string): Promise<number> {
  const res = await app.app.inject({ method: 'GET', url: `/sites/${siteId}/agreement.json` });
  return res.json().versionInForce;
}

describe('the agreement in the console', () => {
  it('lists the versions and shows each site’s version in force, as the site itself serves it', async () => {
    await dpo.goto('/admin/agreement');
    expect(await heading(dpo)).toBe('Agreement');
    // The sites table names version 1 too, and its request may answer first: the versions' row is the published one.
    await expect.poll(() => dpo.getByRole('row', { name: /Version 1.*Published/ }).count()).toBe(1);

    const sites = (await app.services.org.get()).sites;
    const inForce = dpo.getByTestId('sites-in-force');
    await expect.poll(() => inForce.locator('tbody tr').count()).toBe(sites.length);
    for (const site of sites) {
      expect(await inForceOn(site.id)).toBe(1);
      const cells = inForce.getByRole('row', { name: new RegExp(site.name) });
      expect(await cells.textContent()).toContain('Version 1');
    }
    expect(await unnamedControls(dpo)).toEqual([]);
    await screenshot(dpo, 'console-agreement-en');
  });

  it('starts a draft, edits its English text with a live preview, and saves only what changed', async () => {
    await dpo.getByLabel('Change of legislation').check();
    await dpo.getByRole('button', { name: 'Create the draft' }).click();
    await dpo.waitForURL('**/admin/agreement/2');
    expect(await heading(dpo)).toBe('Version 2');

    await dpo.getByLabel('Language to edit').selectOption('en');
    const textarea = dpo.getByLabel('Text in English');
    const before = await textarea.inputValue();
    expect(before).toContain('1. ');
    const after = before.replace('thanks you for using', 'warmly thanks you for choosing');
    expect(after).not.toBe(before);
    await textarea.fill(after);
    await expect
      .poll(() => dpo.locator('.agreement-preview').textContent())
      .toContain('warmly thanks you for choosing');
    expect(await lowContrastText(dpo), 'text below WCAG AA contrast').toEqual([]);
    expect(await unnamedControls(dpo)).toEqual([]);
    await screenshot(dpo, 'console-agreement-editor-en');

    await dpo.getByRole('button', { name: 'Save the draft' }).click();
    await dpo.getByText('The draft is saved.').waitFor();
    const saved = await app.services.agreements.versions.detail(2);
    expect(saved.texts.en).toContain('warmly thanks you for choosing');
    expect(saved.reasons).toEqual(['change-of-law']);
    // Untouched: the generated transliteration stays marked as one.
    expect(saved.languages.find((l) => l.lang === 'uz-Latn')?.status).toBe('transliteration-to-review');
    expect(saved.texts['uz-Cyrl']).toBe((await app.services.agreements.versions.detail(1)).texts['uz-Cyrl']);
  });

  it('shows the change clause by clause and word by word, per language', async () => {
    await dpo.getByLabel('From', { exact: true }).selectOption('1');
    await dpo.getByLabel('To', { exact: true }).selectOption('2');
    await dpo.getByLabel('Language of the text').selectOption('en');
    const diff = dpo.getByTestId('diff');
    await expect.poll(() => diff.getByRole('status').textContent()).toMatch(/^1 of \d+ clauses differ\.$/);
    expect(await diff.getByRole('heading', { name: /Clause 1/ }).textContent()).toContain('changed');
    expect(await diff.locator('ins').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('warmly')]),
    );
    expect(await diff.locator('del').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('using')]),
    );
    await screenshot(dpo, 'console-agreement-diff-en');

    // The authoritative Uzbek text did not change.
    await dpo.getByLabel('Language of the text').selectOption('uz-Cyrl');
    await expect.poll(() => diff.getByRole('status').textContent()).toMatch(/^0 of \d+ clauses differ\.$/);
  });

  it('refuses publication by one person: the DPO who asked cannot approve, with the server’s message', async () => {
    await dpo.getByRole('button', { name: 'Ask to publish' }).click();
    await dpo.getByText('You asked to publish this version; another person must approve it.').waitFor();
    expect((await app.services.agreements.versions.detail(2)).status).toBe('pending');

    await dpo.getByRole('button', { name: 'Approve and publish' }).click();
    const alert = dpo.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toContain(agreementErrors.MXF_AGREEMENT_SECOND_PERSON_REQUIRED.messages.en);
    expect((await app.services.agreements.versions.detail(2)).status).toBe('pending');
    for (const site of (await app.services.org.get()).sites) expect(await inForceOn(site.id)).toBe(1);
    await screenshot(dpo, 'console-agreement-one-person-refused-en');
  });

  it('lets the legal member (in Russian) see who asked and publish; every site then serves version 2', async () => {
    await legal.goto('/admin/agreement/2');
    expect(await heading(legal)).toBe(text('ru', 'console.agreement.versionN', { n: 2 }));
    expect(await legal.getByTestId('requested-by').textContent()).toBe(
      text('ru', 'console.agreement.requestedBy', { who: 'staff:staff-dpo' }),
    );
    await screenshot(legal, 'console-agreement-approve-ru');
    await legal.getByRole('button', { name: text('ru', 'console.agreement.approve') }).click();
    await expect
      .poll(async () => (await app.services.agreements.versions.detail(2)).status)
      .toBe('published');

    await legal.goto('/admin/agreement');
    const inForce = legal.getByTestId('sites-in-force');
    for (const site of (await app.services.org.get()).sites) {
      expect(await inForceOn(site.id)).toBe(2);
      await expect
        .poll(() => inForce.getByRole('row', { name: new RegExp(site.name) }).textContent())
        .toContain(text('ru', 'console.agreement.versionN', { n: 2 }));
    }
    const audit = await app.services.audit.entries({ limit: 1000 });
    const published = audit.find((e) => e.action === 'agreement.version.published');
    expect(published?.actor).toBe('staff:staff-legal');
    expect(published?.details?.requestedBy).toBe('staff:staff-dpo');
  });

  it('charts acceptances per day, with the figures as a table', async () => {
    const subjects = ['sub-a', 'sub-b', 'sub-c'];
    for (const subjectId of subjects) {
      await app.services.agreements.acceptances.accept({
        subjectId,
        version: 2,
        language: 'uz-Latn',
        method: 'api',
        actor: 'system',
      });
    }
    await dpo.goto('/admin/agreement');
    const today = new Date().toISOString().slice(0, 10);
    const chart = dpo.getByRole('figure', { name: 'Acceptances per day, last 30 days' });
    await chart.getByTestId('chart-plot').waitFor();
    // The table is there for screen readers all along; the button shows it to everyone.
    const row = chart.getByRole('row', { name: new RegExp(today) });
    expect((await row.getByRole('cell').first().textContent())?.trim()).toBe(String(subjects.length));
    const table = chart.locator('table');
    expect(await table.evaluate((t) => t.parentElement?.className)).toBe('visually-hidden');
    await chart.getByRole('button', { name: 'Show the figures as a table' }).click();
    await expect.poll(() => table.evaluate((t) => t.parentElement?.className)).toBe('table-wrap');
    await screenshot(dpo, 'console-agreement-chart-en');
  });

  it.each(LANGS)('reads in %s', async (lang) => {
    await dpo.evaluate((l) => localStorage.setItem('maxfiy.lang', l), lang);
    await dpo.goto('/admin/agreement/2');
    expect(await heading(dpo)).toBe(text(lang, 'console.agreement.versionN', { n: 2 }));
    expect(await dpo.locator('html').getAttribute('lang')).toBe(lang);
    await dpo.getByRole('heading', { name: text(lang, 'console.agreement.diff') }).waitFor();
    // Every part that loads on its own (the diff among them) has loaded, so none goes unchecked.
    await dpo.getByTestId('diff').waitFor();
    await expect.poll(() => dpo.locator('.loading').count()).toBe(0);
    expect(await dpo.locator('body').textContent()).not.toMatch(/console\.[a-z]+\./);
    if (lang === 'uz-Latn') await screenshot(dpo, 'console-agreement-version-uz-Latn');
  });

  it('saw no console error and no failed request along the way', () => {
    expect(tabs.flatMap((tab) => tab.problems)).toEqual([]);
  });
});
