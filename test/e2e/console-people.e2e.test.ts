import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { CHROME, customerBrowser, signUp } from '../../src/modules/identity/identity.testkit.js';
import { addStaffDirectly } from '../../src/modules/staff/staff.testkit.js';
import type { TestApp } from '../helpers/app.js';
import { type OpenPage, openPage } from '../helpers/browser.js';
import { lowContrastText, unnamedControls } from './a11y.js';
import { staffTab, startServer } from './journeys.js';
import {
  ADMIN,
  createFirstAdmin,
  heading,
  LANGS,
  preferLanguage,
  screenshot,
  signedOutIsFine,
  text,
} from './support.js';

/**
 * The console's people screens in Chromium against the whole app: incidents
 * from a compromise report, customers with masked contacts, app credentials,
 * grants in force and a read under a grant. One administrator signs in through
 * the forms; members of other roles are added directly and get a session cookie.
 * Steps run in order and share the administrator's page.
 */

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;
/** Paths in /openapi.json: a journey whose backend has not landed is skipped, and says what it waits for. */
let paths = new Set<string>();
const waitsFor = (...need: string[]) => {
  const missing = need.filter((p) => !paths.has(p));
  return [missing.length > 0, `waits for ${missing.join(', ')}`] as const;
};

const ALICE = { email: 'aziza.rahimova@example.uz', password: 'willow-copper-meadow-81' };
const BOBUR = { email: 'bobur.saidov@example.uz', password: 'granite-orchard-sunset-29' };
const SUPPORT = {
  id: newId(),
  email: 'support@cdti.uz',
  password: 'support member password 1',
  displayName: 'Shahlo Support',
  roles: ['support' as const],
};
/** What the journey learns on the way. */
const seen = {
  aliceId: '',
  incidentId: '',
  secret: '',
  bobur: null as ReturnType<typeof customerBrowser> | null,
};

/** Every address the browser asked for: personal data must never travel in a URL. */
const urls: string[] = [];

beforeAll(async () => {
  ({ app: t, baseUrl, browser } = await startServer());
  const spec = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
  // OpenAPI spells parameters {id}; the journeys name routes as Fastify does.
  paths = new Set(Object.keys(spec.paths).map((p) => p.replace(/\{(\w+)\}/g, ':$1')));
  await addStaffDirectly(t.services.database, t.services.keyring, SUPPORT);
  tab = await openPage(browser, { baseURL: baseUrl, allowHttpError: signedOutIsFine });
  page = tab.page;
  page.on('request', (request) => urls.push(request.url()));
  await preferLanguage(page, 'en');
});

afterAll(async () => {
  await tab?.close();
  await browser?.close();
  await t?.close();
});

/** A page for another staff member, signed in through the API (their sign-in form is tested elsewhere). */
async function pageFor(member: { email: string; password: string }): Promise<OpenPage> {
  return staffTab({ app: t, baseUrl, browser }, member, { lang: 'en', allowHttpError: signedOutIsFine });
}

async function menu(p: Page): Promise<string[]> {
  const nav = p.getByRole('navigation', { name: 'Console menu' });
  await nav.waitFor();
  return (await nav.getByRole('link').allTextContents()).map((s) => s.trim());
}

/** Shows the current page in each language: its heading comes from that language's strings. */
async function inEveryLanguage(p: Page, titleKey: string, shot: string): Promise<void> {
  for (const lang of LANGS) {
    await p.evaluate((value) => localStorage.setItem('maxfiy.lang', value), lang);
    await p.reload();
    await expect.poll(() => heading(p)).toBe(text(lang, titleKey));
    await p.getByRole('table').first().waitFor();
    expect(await p.evaluate(() => document.documentElement.lang)).toBe(lang);
    expect(await unnamedControls(p), `${lang}: controls without an accessible name`).toEqual([]);
    expect(await lowContrastText(p), `${lang}: text below WCAG AA contrast`).toEqual([]);
    await screenshot(p, `${shot}-${lang}`);
  }
  await p.evaluate(() => localStorage.setItem('maxfiy.lang', 'en'));
  await p.reload();
  await expect.poll(() => heading(p)).not.toBe('');
}

describe('the console people screens', () => {
  it('opens an incident when a customer reports a compromise, and shows it to the administrator with ids only', async () => {
    const alice = customerBrowser(t.app);
    const signed = await signUp(t, alice, ALICE.email, ALICE.password);
    expect(signed.statusCode).toBe(201);
    seen.aliceId = (signed.json() as { customer: { subjectId: string } }).customer.subjectId;
    const reported = await alice.call('POST', '/v1/me/compromise');
    expect(reported.statusCode).toBe(200);
    seen.incidentId = (reported.json() as { incidentId: string }).incidentId;

    const link = await t.services.staff.ensureSetupLink();
    await createFirstAdmin(page, baseUrl, new URL(link ?? '').searchParams.get('token') ?? '');
    await expect.poll(() => heading(page)).toBe('Protect your account');
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => heading(page)).toBe('Organisation');

    // The administrator has every screen of this area in the menu.
    expect(await menu(page)).toEqual(
      expect.arrayContaining([
        'Incidents',
        'Customers',
        'Grants in force',
        'Granted to me',
        'App credentials',
      ]),
    );
    await page.getByRole('link', { name: 'Incidents' }).click();
    expect(await heading(page)).toBe('Incidents');
    const row = page.getByRole('row', { name: new RegExp(seen.incidentId) });
    await row.waitFor();
    const cells = (await row.textContent()) ?? '';
    expect(cells).toContain('Open');
    expect(cells).toContain('The personal cabinet');
    expect(cells).toContain('Every session ended');
    expect(cells).toContain('Password sign-in blocked until a reset');
    expect(cells).toContain(seen.aliceId);
    // Ids only: no contact of the customer anywhere on the page.
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).not.toContain(ALICE.email);
    expect(body).not.toContain('aziza');
    await inEveryLanguage(page, 'people.incidents.title', 'admin-incidents');
  });

  it('shows each role only the screens it may use', async () => {
    const support = await pageFor(SUPPORT);
    try {
      await support.page.goto('/admin/security');
      const items = await menu(support.page);
      expect(items).toEqual(expect.arrayContaining(['Customers', 'Granted to me']));
      for (const hidden of ['Incidents', 'Grants in force', 'App credentials'])
        expect(items).not.toContain(hidden);
      expect(support.problems).toEqual([]);
    } finally {
      await support.close();
    }
  });

  it('lists customers with masked contacts, and opens one without their cabinet data', async (ctx) => {
    ctx.skip(...waitsFor('/v1/customers', '/v1/customers/:id'));
    await page.getByRole('link', { name: 'Customers' }).click();
    expect(await heading(page)).toBe('Customers');
    const row = page.getByRole('row', { name: new RegExp(seen.aliceId) });
    await row.waitFor();
    const cells = (await row.textContent()) ?? '';
    expect(cells).toContain('Blocked after a compromise report');
    expect(cells).toContain('Password only');
    expect(cells).toMatch(/a•+@example\.uz/);
    expect((await page.locator('body').textContent()) ?? '').not.toContain(ALICE.email);
    await inEveryLanguage(page, 'people.customers.title', 'admin-customers');

    await page.getByRole('link', { name: seen.aliceId }).click();
    expect(await heading(page)).toBe('Customer');
    const facts = page.locator('dl');
    await facts.waitFor();
    const text = (await facts.textContent()) ?? '';
    expect(text).toMatch(/Open incidents1/);
    expect(text).toMatch(/Active sessions0/);
    expect(text).toMatch(/a•+@example\.uz/);
    expect(text).not.toContain(ALICE.email);
    await screenshot(page, 'admin-customer-en');
    await page.getByRole('link', { name: 'Back to customers' }).click();
    expect(await heading(page)).toBe('Customers');
  });

  it('issues an app credential and shows its secret once, with a copy button and a warning', async (ctx) => {
    ctx.skip(...waitsFor('/v1/apps/credentials'));
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    await page.getByRole('link', { name: 'App credentials' }).click();
    expect(await heading(page)).toBe('App credentials');

    // Nothing goes to the server until the form is complete.
    const form = page.getByRole('form', { name: 'Issue a credential' });
    await form.getByRole('button', { name: 'Issue credential' }).click();
    await expect.poll(() => form.getByText('Choose at least one scope.').count()).toBe(1);
    expect(await form.getByText('Fill in this field.').count()).toBe(1);

    await form.getByLabel('Product').selectOption({ label: 'Silen' });
    await form.getByLabel('Personal cabinet').check();
    await form.getByLabel('Label').fill('Silen production');
    await form.getByRole('button', { name: 'Issue credential' }).click();

    const shown = page.getByTestId('app-secret');
    await shown.waitFor();
    seen.secret = ((await shown.textContent()) ?? '').trim();
    expect(seen.secret).toMatch(/^mxf_app_/);
    expect(await page.getByText('It is shown only once').count()).toBe(1);
    await page.getByRole('button', { name: 'Copy the secret' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(seen.secret);
    await screenshot(page, 'admin-app-secret-en');

    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('app-secret').count()).toBe(0);
    const row = page.getByRole('row', { name: /Silen production/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Personal cabinet');
    expect(await row.textContent()).toContain('Active');
    expect((await page.locator('body').textContent()) ?? '').not.toContain(seen.secret);
    await inEveryLanguage(page, 'people.apps.title', 'admin-apps');
  });

  it('shows grants in force, and a read under a grant that says it is logged and lands in the customer’s access log', async (ctx) => {
    ctx.skip(
      ...waitsFor(
        '/v1/me/cabinet/grants',
        '/v1/me/cabinet/grantees',
        '/v1/cabinet/grants',
        '/v1/cabinet/granted',
        '/v1/cabinet/granted/:grantId/records',
        '/v1/me/cabinet/access-log',
      ),
    );
    const bobur = customerBrowser(t.app);
    const signed = await signUp(t, bobur, BOBUR.email, BOBUR.password);
    expect(signed.statusCode).toBe(201);
    const boburId = (signed.json() as { customer: { subjectId: string } }).customer.subjectId;
    const asBobur = (method: 'PUT', url: string, payload?: object) =>
      t.app.inject({
        method,
        url,
        headers: { cookie: `mxf_session=${bobur.jar.mxf_session}`, 'user-agent': CHROME },
        ...(payload ? { payload } : {}),
      });

    // With an app credential (the step before), Silen writes a record into the cabinet Bobur linked it to.
    if (seen.secret) {
      expect((await asBobur('PUT', '/v1/me/cabinet/products/silen')).statusCode).toBe(204);
      const wrote = await t.app.inject({
        method: 'PUT',
        url: `/v1/cabinet/customers/${boburId}/records`,
        headers: { authorization: `Bearer ${seen.secret}` },
        payload: { key: 'playlist', value: { title: 'Sevimli qoʻshiqlar', tracks: 12 }, kind: 'playlist' },
      });
      expect(wrote.statusCode).toBe(204);
    }

    const grantees = (await bobur.call('GET', '/v1/me/cabinet/grantees')).json() as {
      staff: { id: string; name: string }[];
    };
    const adminId = grantees.staff.find((s) => s.name === ADMIN.displayName)?.id ?? '';
    expect(adminId).toMatch(/^[0-9a-f-]{36}$/);
    const granted = await bobur.call('POST', '/v1/me/cabinet/grants', {
      grantee: { staffId: adminId },
      productIds: ['silen'],
      hours: 2,
      reason: 'Ticket 4711: playlist lost',
    });
    expect(granted.statusCode).toBe(201);

    await page.getByRole('link', { name: 'Grants in force' }).click();
    expect(await heading(page)).toBe('Grants in force');
    const row = page.getByRole('row', { name: new RegExp(boburId) });
    await row.waitFor();
    expect(await row.textContent()).toContain('Ticket 4711: playlist lost');
    expect(await row.textContent()).toContain(ADMIN.displayName);
    expect(await row.textContent()).toContain('Silen'); // the product by name
    expect(await row.textContent()).not.toContain('Sevimli');
    await inEveryLanguage(page, 'people.grants.title', 'admin-grants');

    await page.getByRole('link', { name: 'Granted to me' }).click();
    expect(await heading(page)).toBe('Granted to me');
    await page.getByRole('link', { name: `Open the grant of customer ${boburId}` }).click();
    expect(await heading(page)).toBe('Cabinet data under a grant');
    expect(
      await page
        .getByText('Reading these records is logged, and the customer sees in their access log')
        .count(),
    ).toBe(1);
    // Nothing is read until the member asks.
    const before = (await bobur.call('GET', '/v1/me/cabinet/access-log')).json() as { entries: unknown[] };
    expect(before.entries).toEqual([]);
    await page.getByRole('button', { name: 'Show the records' }).click();
    if (seen.secret) {
      await expect.poll(() => page.getByRole('rowheader', { name: 'playlist' }).count()).toBe(1);
      expect((await page.locator('table').textContent()) ?? '').toContain('Sevimli qoʻshiqlar');
    } else {
      await expect.poll(() => page.getByText('There are no records in this grant.').count()).toBe(1);
    }
    await screenshot(page, 'admin-granted-records-en');
    const after = (await bobur.call('GET', '/v1/me/cabinet/access-log')).json() as {
      entries: { staffName: string | null; productIds: string[] }[];
    };
    expect(after.entries).toHaveLength(1);
    expect(after.entries[0]?.staffName).toBe(ADMIN.displayName);
    seen.bobur = bobur;
  });

  it('revokes an app credential after confirmation, and the app is refused from then on', async (ctx) => {
    ctx.skip(...waitsFor('/v1/apps/credentials', '/v1/apps/credentials/:id'));
    await page.getByRole('link', { name: 'App credentials' }).click();
    await page.getByRole('button', { name: 'Revoke Silen production' }).click();
    expect(await page.getByText('Revoke Silen production? The app is refused at once.').count()).toBe(1);
    // Cancelling changes nothing.
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('row', { name: /Silen production/ }).textContent()).toContain('Active');

    await page.getByRole('button', { name: 'Revoke Silen production' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect
      .poll(async () => page.getByRole('row', { name: /Silen production/ }).textContent())
      .toContain('Revoked');
    expect(await page.getByRole('button', { name: 'Revoke Silen production' }).count()).toBe(0);
    await screenshot(page, 'admin-apps-revoked-en');

    if (paths.has('/v1/cabinet/customers/:customerId/records')) {
      const refused = await t.app.inject({
        url: `/v1/cabinet/customers/${seen.aliceId}/records`,
        headers: { authorization: `Bearer ${seen.secret}` },
      });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('MXF_APP_CREDENTIAL_INVALID');
    }
  });

  it('saw no console error, no failed request, and no contact or secret in any address along the way', () => {
    expect(tab.problems).toEqual([]);
    for (const url of urls) {
      for (const secretish of [ALICE.email, BOBUR.email, encodeURIComponent(ALICE.email), seen.secret].filter(
        Boolean,
      ))
        expect(url).not.toContain(secretish);
    }
  });
});
