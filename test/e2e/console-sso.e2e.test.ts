import { generateKeyPairSync } from 'node:crypto';
import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { addStaffDirectly } from '../../src/modules/staff/staff.testkit.js';
import type { TestApp } from '../helpers/app.js';
import { type OpenPage, openPage } from '../helpers/browser.js';
import { lowContrastText, unnamedControls } from './a11y.js';
import { staffTab, startServer } from './journeys.js';
import { createFirstAdmin, heading, type Lang, preferLanguage, screenshot, text } from './support.js';

/**
 * The console's single sign-on screen in Chromium against the whole app: the
 * administrator sees the five built-in product apps, registers one more, is
 * told in their language when an id is taken, and removes the registered app
 * after a confirmation. Steps run in order and share the administrator's page.
 */

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;

const BUILT_IN = ['smartpos-trade', 'smartpos-supply', 'silen', 'a-pay', 'x-file'];
const CRM = {
  clientId: 'crm-portal',
  name: 'CRM portal',
  redirectUri: 'https://crm.example.uz/oidc/callback',
  postLogout: 'https://crm.example.uz/',
};
const DPO = {
  id: newId(),
  email: 'nodira.dpo@cdti.uz',
  password: 'amber-valley-compass-62',
  displayName: 'Nodira Yusupova',
  roles: ['dpo' as const],
};

/** Signed out is fine; a second registration of a taken id is the answer the journey asks for. */
const expectedErrors = (pathname: string, status: number) =>
  (status === 401 && pathname === '/v1/staff/me') || (status === 409 && pathname === '/v1/oidc/clients');

beforeAll(async () => {
  ({ app: t, baseUrl, browser } = await startServer());
  await addStaffDirectly(t.services.database, t.services.keyring, DPO);
  tab = await openPage(browser, { baseURL: baseUrl, allowHttpError: expectedErrors });
  page = tab.page;
  await preferLanguage(page, 'en');
});

afterAll(async () => {
  await tab?.close();
  await browser?.close();
  await t?.close();
});

async function menu(p: Page, lang: Lang = 'en'): Promise<string[]> {
  const nav = p.getByRole('navigation', { name: text(lang, 'admin.navLabel') });
  await nav.waitFor();
  return (await nav.getByRole('link').allTextContents()).map((s) => s.trim());
}

const clientRow = (clientId: string) => page.getByRole('row', { name: new RegExp(`^${clientId}\\b`) });

/** Reloads the page in `lang` and checks it is drawn from that language's strings, none missing. */
async function checkIn(lang: Lang): Promise<void> {
  await page.evaluate((value) => localStorage.setItem('maxfiy.lang', value), lang);
  await page.reload();
  await expect.poll(() => heading(page)).toBe(text(lang, 'console.sso.title'));
  await page.getByRole('table').waitFor();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
  const headers = (await page.getByRole('columnheader').allTextContents()).map((s) => s.trim());
  expect(headers).toEqual(
    ['clientId', 'name', 'redirectUris', 'auth', 'source', 'actions'].map((k) =>
      text(lang, `console.sso.${k}`),
    ),
  );
  expect(await page.locator('main').getByRole('heading', { level: 2 }).allTextContents()).toEqual([
    text(lang, 'console.sso.registerTitle'),
    text(lang, 'console.sso.listTitle'),
  ]);
  await page.getByLabel(text(lang, 'console.sso.clientId')).waitFor();
  await page.getByRole('button', { name: text(lang, 'console.sso.register') }).waitFor();
  expect(await menu(page, lang)).toContain(text(lang, 'console.nav.sso'));
  expect(await clientRow('silen').textContent()).toContain(text(lang, 'console.sso.sources.config'));
  expect(await clientRow('silen').textContent()).toContain(text(lang, 'console.sso.auths.none'));
  // i18next shows the key itself for a string it lacks.
  const body = (await page.locator('body').innerText()) ?? '';
  expect(body).not.toMatch(/\bconsole\.(sso|nav)\.\w+/);
  expect(await unnamedControls(page), `${lang}: controls without an accessible name`).toEqual([]);
  expect(await lowContrastText(page), `${lang}: text below WCAG AA contrast`).toEqual([]);
  await screenshot(page, `admin-sso-${lang}`);
}

describe('single sign-on apps in the console', () => {
  it('shows the built-in product apps to the administrator, without a remove button', async () => {
    const link = await t.services.staff.ensureSetupLink();
    await createFirstAdmin(page, baseUrl, new URL(link ?? '').searchParams.get('token') ?? '');
    await expect.poll(() => heading(page)).toBe('Protect your account');
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => heading(page)).toBe('Organisation');

    expect(await menu(page)).toContain('Single sign-on');
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    await expect.poll(() => heading(page)).toBe('Single sign-on');
    await page.waitForURL('**/admin/sso');
    for (const clientId of BUILT_IN) {
      const row = clientRow(clientId);
      await row.waitFor();
      expect(await row.textContent()).toContain('Built-in product');
      expect(await row.getByRole('button').count()).toBe(0);
    }
    expect(await clientRow('silen').textContent()).toContain('https://silen.uz/oidc/callback');
  });

  it('checks the form in the browser first: nothing invalid is sent', async () => {
    const sent: string[] = [];
    const watch = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST') sent.push(request.url());
    };
    page.on('request', watch);
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect.poll(() => page.getByText(text('en', 'common.required')).count()).toBe(2);
    await page.getByLabel('Client id').fill('CRM Portal');
    await page.getByLabel('Redirect addresses').fill('https://crm.example.uz/callback#top');
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect.poll(() => page.getByText(text('en', 'console.sso.clientIdInvalid')).count()).toBe(1);
    expect(await page.getByText(text('en', 'console.sso.urisInvalid')).count()).toBe(1);
    // The cursor goes to the first field that needs attention.
    // It moves on the next frame, after the errors render, so the test waits for it.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')))
      .toBe('true');
    page.off('request', watch);
    expect(sent).toEqual([]);
  });

  it('shows the catalogued error, in the page language, when the id is already taken', async () => {
    await page.getByLabel('Client id').fill('silen');
    await page.getByLabel('Redirect addresses').fill('https://silen.example.uz/callback');
    await page.getByRole('button', { name: 'Register app' }).click();
    const form = page.getByRole('form', { name: 'Register an app' });
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toContain('An app with this id is already registered.');
  });

  it('registers an app and lists it as registered', async () => {
    await page.getByLabel('Client id').fill(CRM.clientId);
    await page.getByLabel('Name', { exact: true }).fill(CRM.name);
    await page.getByLabel('Redirect addresses').fill(CRM.redirectUri);
    await page.getByLabel('Addresses after sign-out').fill(CRM.postLogout);
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain(`${CRM.clientId} is registered.`);
    const row = clientRow(CRM.clientId);
    await row.waitFor();
    const cells = (await row.textContent()) ?? '';
    expect(cells).toContain(CRM.name);
    expect(cells).toContain(CRM.redirectUri);
    expect(cells).toContain('Registered');
    // The form is empty again, and the server holds what the form sent.
    expect(await page.getByLabel('Client id').inputValue()).toBe('');
    const stored = (await t.services.oidc.listClients()).find((c) => c.clientId === CRM.clientId);
    expect(stored).toMatchObject({
      name: CRM.name,
      redirectUris: [CRM.redirectUri],
      postLogoutRedirectUris: [CRM.postLogout],
      source: 'admin',
    });
  });

  it('registers an app with its own server by its public key, and refuses a private key pasted by mistake', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const server = { clientId: 'crm-server', redirectUri: 'https://crm.example.uz/server/callback' };
    await page.getByLabel('Client id').fill(server.clientId);
    await page.getByLabel('Redirect addresses').fill(server.redirectUri);
    const keys = page.getByLabel(text('en', 'console.sso.jwks'));
    await keys.fill('not json');
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect.poll(() => page.getByText(text('en', 'console.sso.jwksInvalid')).count()).toBe(1);
    // A private key is stopped in the browser: it never leaves the administrator's computer.
    const sent: string[] = [];
    const watch = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST') sent.push(request.url());
    };
    page.on('request', watch);
    await keys.fill(JSON.stringify(privateKey.export({ format: 'jwk' })));
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect.poll(() => page.getByText(text('en', 'console.sso.jwksPrivate')).count()).toBe(1);
    page.off('request', watch);
    expect(sent).toEqual([]);
    expect((await t.services.oidc.listClients()).map((c) => c.clientId)).not.toContain(server.clientId);

    await keys.fill(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'crm-2026' }] }));
    await page.getByRole('button', { name: 'Register app' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain(`${server.clientId} is registered.`);
    const cells = (await clientRow(server.clientId).textContent()) ?? '';
    expect(cells).toContain(text('en', 'console.sso.auths.private_key_jwt'));
    expect(cells).toContain('crm-2026');
    const stored = (await t.services.oidc.listClients()).find((c) => c.clientId === server.clientId);
    expect(stored).toMatchObject({ tokenEndpointAuth: 'private_key_jwt', keyIds: ['crm-2026'] });

    // Rotation in place: a private key is stopped again; the new public key replaces the old.
    const row = clientRow(server.clientId);
    await row.getByRole('button', { name: `Replace the keys of ${server.clientId}` }).click();
    const newKeys = row.getByLabel(`New public keys of ${server.clientId} (JWKS)`);
    await newKeys.fill(JSON.stringify(privateKey.export({ format: 'jwk' })));
    page.on('request', watch);
    await row.getByRole('button', { name: 'Save keys' }).click();
    await expect.poll(() => row.getByText(text('en', 'console.sso.jwksPrivate')).count()).toBe(1);
    page.off('request', watch);
    expect(sent).toEqual([]);
    const next = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    await newKeys.fill(JSON.stringify({ ...next, kid: 'crm-2027' }));
    await row.getByRole('button', { name: 'Save keys' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain(`The keys of ${server.clientId} are replaced.`);
    await expect
      .poll(async () => (await clientRow(server.clientId).textContent()) ?? '')
      .toContain('crm-2027');
    const rotated = (await t.services.oidc.listClients()).find((c) => c.clientId === server.clientId);
    expect(rotated?.keyIds).toEqual(['crm-2027']);
    await t.services.oidc.deleteClient('system', server.clientId);
    await page.reload();
    await clientRow(CRM.clientId).waitFor();
  });

  it('is drawn from each of the four languages’ strings, none missing', async () => {
    await checkIn('uz-Cyrl');
    await checkIn('ru');
    await checkIn('uz-Latn');
    await checkIn('en');
  });

  it('removes the registered app after a confirmation, and can step back first', async () => {
    const row = clientRow(CRM.clientId);
    await row.getByRole('button', { name: `Remove ${CRM.clientId}` }).click();
    await expect.poll(() => row.getByRole('alert').textContent()).toContain(`Remove ${CRM.clientId}?`);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: `Remove ${CRM.clientId}` }).click();
    await row.getByRole('button', { name: 'Yes, remove' }).click();
    await expect.poll(() => clientRow(CRM.clientId).count()).toBe(0);
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain(`${CRM.clientId} is removed.`);
    expect((await t.services.oidc.listClients()).map((c) => c.clientId).sort()).toEqual([...BUILT_IN].sort());
    const actions = (await t.services.audit.entries({ limit: 1000 }))
      .filter((e) => e.action.startsWith('oidc.client.') && e.target === `oidc-client:${CRM.clientId}`)
      .map((e) => [e.action, e.target])
      .sort();
    expect(actions).toEqual([
      ['oidc.client.deleted', `oidc-client:${CRM.clientId}`],
      ['oidc.client.registered', `oidc-client:${CRM.clientId}`],
    ]);
  });

  it('is not in the menu of staff who are not administrators', async () => {
    const dpo = await staffTab({ app: t, baseUrl, browser }, DPO, {
      lang: 'en',
      allowHttpError: expectedErrors,
    });
    try {
      await dpo.page.goto('/admin/org');
      const items = await menu(dpo.page);
      expect(items).toContain('Organisation');
      expect(items).not.toContain('Single sign-on');
      expect(dpo.problems).toEqual([]);
    } finally {
      await dpo.close();
    }
  });

  it('saw no console error and no unexpected failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});
