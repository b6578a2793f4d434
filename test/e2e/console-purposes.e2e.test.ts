import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentInput } from '../../src/modules/consents/consents.schemas.js';
import { readRegisterFile, registerFileFor } from '../../src/modules/purposes/purposes.service.js';
import { addStaffDirectly } from '../../src/modules/staff/staff.testkit.js';
import type { TestApp } from '../helpers/app.js';
import type { OpenPage } from '../helpers/browser.js';
import { lowContrastText, unnamedControls } from './a11y.js';
import { staffTab, startServer } from './journeys.js';
import { heading, LANGS, type Lang, preferLanguage, screenshot, text } from './support.js';

/**
 * The purpose register in the console, in Chromium: the register and its data
 * categories, an edit that writes a new version (and a bad one refused before
 * it is sent), the consent chart over real consent events, and the record of
 * processing activities with its print layout, CSV and JSON. A DPO edits; a
 * legal member may only read.
 */

let app: TestApp;
let baseUrl: string;
let chromium: Browser;
const tabs: OpenPage[] = [];

async function staffPage(who: 'dpo' | 'legal', lang: Lang): Promise<Page> {
  const email = `${who}@cdti.uz`;
  const password = `password of ${who} 123`;
  await addStaffDirectly(app.services.database, app.services.keyring, {
    id: `staff-${who}`,
    displayName: who === 'dpo' ? 'Malika Yusupova' : 'Rustam Aliyev',
    roles: [who],
    email,
    password,
  });
  const tab = await staffTab({ app, baseUrl, browser: chromium }, { email, password }, { lang });
  tabs.push(tab);
  return tab.page;
}

const notice: ConsentInput['notice'] = { version: '1', language: 'uz-Latn' };

let dpo: Page;

beforeAll(async () => {
  ({ app, baseUrl, browser: chromium } = await startServer());
  await app.services.purposes.seed(readRegisterFile(registerFileFor(app.options.companyFile)));
  // Today's consent events: three given, one of them withdrawn again, one objection.
  for (const subject of ['c-1', 'c-2', 'c-3']) {
    await app.services.consents.setStatus('system', subject, 'active');
    await app.services.consents.record('system', subject, {
      purpose: 'interest-analytics',
      action: 'give',
      source: 'app',
      notice,
    });
  }
  await app.services.consents.record('system', 'c-3', {
    purpose: 'interest-analytics',
    action: 'withdraw',
    source: 'app',
    notice,
  });
  await app.services.consents.record('system', 'c-1', {
    purpose: 'improve-service',
    action: 'object',
    source: 'cabinet',
    notice,
  });
  dpo = await staffPage('dpo', 'en');
});

afterAll(async () => {
  for (const tab of tabs) await tab.close();
  await chromium?.close();
  await app?.close();
});

describe('the purpose register in the console', () => {
  it('lists the purposes and the data categories with their store and must-stay flag', async () => {
    await dpo.goto('/admin/purposes');
    expect(await heading(dpo)).toBe('Purposes of processing');
    const register = dpo.getByRole('region', { name: 'Purpose register' });
    const purposes = await app.services.purposes.listPurposes();
    await expect.poll(() => register.locator('tbody tr').count()).toBe(purposes.length);
    expect(
      await register.locator('tbody tr').filter({ hasText: 'interest-analytics' }).textContent(),
    ).toContain('Consent');

    const categories = dpo.getByTestId('categories');
    const all = await app.services.purposes.listCategories();
    await expect.poll(() => categories.locator('tbody tr').count()).toBe(all.length);
    for (const c of all) {
      const row = categories
        .locator('tbody tr')
        .filter({ has: dpo.locator('th .mono', { hasText: new RegExp(`^${c.id}$`) }) });
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells.at(-1)).toBe(c.mustStayInUz ? 'Yes' : 'No');
      expect(cells[1]).toContain(c.storeId);
    }
    expect(await unnamedControls(dpo)).toEqual([]);
  });

  it('charts consents per day from the consent events, with the figures as a table', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const chart = dpo.getByRole('figure', { name: 'Consents per day, last 30 days' });
    const row = chart.getByRole('row', { name: new RegExp(today) });
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual(['3', '1', '1']);
    const byPurpose = dpo.getByTestId('consents-by-purpose');
    expect(
      await byPurpose
        .getByRole('row', { name: /interest-analytics/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['3', '1']);
    await chart.getByRole('button', { name: 'Show the figures as a table' }).click();
    expect(await lowContrastText(dpo), 'text below WCAG AA contrast').toEqual([]);
    expect(await unnamedControls(dpo)).toEqual([]);
    await screenshot(dpo, 'console-purposes-en');
  });

  it('edits a purpose into a new version and keeps the old one as it was', async () => {
    const before = await app.services.purposes.getPurpose('interest-analytics');
    await dpo.getByRole('link', { name: before.purpose.name }).click();
    await dpo.waitForURL('**/admin/purposes/interest-analytics');
    const editor = dpo.getByRole('form', { name: 'Edit: becomes version 2' });
    await editor.waitFor();

    // Refused before anything is sent: a retention of zero days.
    await editor.getByLabel('Retention, days').fill('0');
    await editor.getByRole('button', { name: 'Save as a new version' }).click();
    await editor.getByText('A whole number of days from 1 to 36500.').waitFor();
    expect((await app.services.purposes.getPurpose('interest-analytics')).purpose.version).toBe(1);

    await editor.getByLabel('Retention, days').fill('180');
    await editor.getByLabel('Automated processing').uncheck();
    await editor.getByRole('button', { name: 'Save as a new version' }).click();
    await dpo.getByText('Saved as version 2.').waitFor();

    const after = await app.services.purposes.getPurpose('interest-analytics');
    expect(after.purpose).toMatchObject({ version: 2, retentionDays: 180, automated: false });
    expect(after.versions.find((v) => v.version === 1)?.definition).toEqual({
      name: before.purpose.name,
      legalBasis: before.purpose.legalBasis,
      rationale: before.purpose.rationale,
      categories: before.purpose.categories,
      retentionDays: before.purpose.retentionDays,
      automated: before.purpose.automated,
      depersonalisedOnly: before.purpose.depersonalisedOnly,
    });
    const versions = dpo.getByTestId('purpose-versions');
    await expect.poll(() => versions.locator('tbody tr').count()).toBe(2);
    expect(await versions.locator('tbody tr').first().textContent()).toContain('180');
    await screenshot(dpo, 'console-purpose-editor-en');
  });

  it('prints the record of processing activities and links its CSV and JSON', async () => {
    await dpo.goto('/admin/ropa');
    expect(await heading(dpo)).toBe('Record of processing activities');
    const table = dpo.getByTestId('ropa');
    const ropa = (await (await dpo.request.get('/v1/ropa.json')).json()) as {
      activities: { purpose: string; version: number }[];
    };
    await expect.poll(() => table.locator('tbody tr').count()).toBe(ropa.activities.length);
    expect(ropa.activities.find((a) => a.purpose === 'interest-analytics')?.version).toBe(2);
    expect(await table.getByRole('row', { name: /interest-analytics · v2/ }).count()).toBe(1);

    const csvLink = dpo.getByRole('link', { name: 'Download CSV' });
    const csv = await dpo.request.get((await csvLink.getAttribute('href')) ?? '');
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(ropa.activities.length + 1);
    expect(await dpo.getByRole('link', { name: 'Download JSON' }).getAttribute('href')).toBe('/v1/ropa.json');
    await screenshot(dpo, 'console-ropa-en');

    // On paper: the record alone, no menu and no buttons.
    await dpo.emulateMedia({ media: 'print' });
    expect(await dpo.locator('.side-nav').isHidden()).toBe(true);
    expect(await dpo.getByRole('button', { name: 'Print' }).isHidden()).toBe(true);
    expect(await table.isVisible()).toBe(true);
    await screenshot(dpo, 'console-ropa-print-en');
    await dpo.emulateMedia({ media: 'screen' });
  });

  it('lets a legal member read the register and its versions, without the editor', async () => {
    const legal = await staffPage('legal', 'uz-Cyrl');
    await legal.goto('/admin/purposes/interest-analytics');
    await legal.getByTestId('purpose-versions').waitFor();
    expect(
      await legal.getByRole('button', { name: text('uz-Cyrl', 'console.purposes.saveVersion') }).count(),
    ).toBe(0);
    await screenshot(legal, 'console-purpose-uz-Cyrl');
  });

  it.each(LANGS)('reads in %s', async (lang) => {
    await dpo.evaluate((l) => localStorage.setItem('maxfiy.lang', l), lang);
    for (const [path, key] of [
      ['/admin/purposes', 'console.purposes.title'],
      ['/admin/ropa', 'console.ropa.title'],
    ] as const) {
      await dpo.goto(path);
      expect(await heading(dpo)).toBe(text(lang, key));
      await dpo.locator('tbody tr').first().waitFor();
      // Every part that loads on its own has loaded, so none goes unchecked.
      await expect.poll(() => dpo.locator('.loading').count()).toBe(0);
      expect(await dpo.locator('body').textContent()).not.toMatch(/console\.[a-z]+\./);
    }
    if (lang === 'ru') await screenshot(dpo, 'console-ropa-ru');
  });

  it('saw no console error and no failed request along the way', () => {
    expect(tabs.flatMap((tab) => tab.problems)).toEqual([]);
  });
});
