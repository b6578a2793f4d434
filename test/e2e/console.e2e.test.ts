import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type OpenPage, openPage } from '../helpers/browser.js';
import {
  ADMIN,
  createFirstAdmin,
  heading,
  preferLanguage,
  screenshot,
  signedOutIsFine,
  signIn,
} from './support.js';
import { startTarget, type Target } from './target.js';

/**
 * The staff console end to end, in English, as one journey: the steps run in
 * order and share one browser page (and so one session).
 */

let target: Target;
let browser: Browser;
let tab: OpenPage;
let page: Page;
/** What the administrator keeps from enrolling the authenticator app. */
const factor = { secret: '', recoveryCodes: [] as string[] };
/** The app's code for the step after the current one: accepted (±1 step) and not yet spent. */
const nextCode = () => authenticator.clone({ epoch: Date.now() + 30_000 }).generate(factor.secret);

/** Every request the browser sent, with its body: what the server could possibly have seen. */
const sent: { method: string; path: string; body: string }[] = [];

beforeAll(async () => {
  [target, browser] = await Promise.all([startTarget(), launchBrowser()]);
  tab = await openPage(browser, { baseURL: target.baseUrl, allowHttpError: signedOutIsFine });
  page = tab.page;
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    sent.push({ method: request.method(), path: pathname, body: request.postData() ?? '' });
  });
  await preferLanguage(page, 'en');
});

afterAll(async () => {
  await tab?.close();
  await browser?.close();
  await target?.close();
});

/** Every way the password could travel: as typed, in base64, in hex, URL-encoded. */
function passwordForms(password: string): string[] {
  const bytes = Buffer.from(password, 'utf8');
  return [
    password,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    encodeURIComponent(password),
  ];
}

describe('the staff console', () => {
  it('checks the first-administrator form in the browser before anything is sent', async () => {
    await page.goto(`/admin/setup?token=${target.setupToken}`);
    expect(await heading(page)).toBe('Create the first administrator');
    // The one-time token leaves the address bar (and so the history) at once.
    await expect.poll(() => page.url()).toBe(`${target.baseUrl}/admin/setup`);

    await page.getByLabel('Display name').fill(ADMIN.displayName);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the password').fill('different');
    const before = sent.length;
    await page.getByRole('button', { name: 'Create administrator' }).click();

    await expect
      .poll(() => page.getByText('The password must be at least 12 characters long.').count())
      .toBe(1);
    expect(await page.getByText('The passwords do not match.').count()).toBe(1);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('type')))
      .toBe('password');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(sent.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('creates the first administrator with OPAQUE and leads them to enrol an authenticator app: the password never reaches the server', async () => {
    await createFirstAdmin(page, target.baseUrl, target.setupToken);
    // Staff must use a passkey or the password with an authenticator app: nothing else opens until then.
    await expect.poll(() => heading(page)).toBe('Protect your account');
    expect(await page.getByRole('navigation', { name: 'Console menu' }).count()).toBe(0);
    factor.secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    expect(factor.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByText(/^otpauth:\/\/totp\//).count()).toBe(1);
    await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(factor.secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect.poll(() => codes.count()).toBe(10);
    factor.recoveryCodes = (await codes.allTextContents()).map((c) => c.trim());
    await screenshot(page, 'admin-recovery-codes-en');
    await page.getByRole('button', { name: 'I have saved them' }).click();

    await expect.poll(() => heading(page)).toBe('Organisation');
    // The company comes from its own request; the footer names it too, so the page's main part is what counts.
    await expect
      .poll(() =>
        page.getByRole('main').getByText('CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC').count(),
      )
      .toBeGreaterThan(0);
    expect(await page.getByRole('navigation', { name: 'Console menu' }).isVisible()).toBe(true);

    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/setup/admin/start',
        'POST /v1/setup/admin/finish',
        'POST /v1/staff/factors/totp/finish',
      ]),
    );
    for (const request of sent) {
      for (const form of passwordForms(ADMIN.password)) expect(request.body).not.toContain(form);
    }
    await screenshot(page, 'admin-org-en');
  });

  it('signs out, refuses a wrong password with a generic message, and signs in with the right one and a code from the app', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/admin/signin');
    expect(await heading(page)).toBe('Sign in to the console');

    await signIn(page, 'not-the-right-password');
    await expect.poll(() => page.getByText('The e-mail or password is wrong.').count()).toBe(1);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');

    await signIn(page);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByLabel('Code').fill(nextCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/admin/org');
    expect(await heading(page)).toBe('Organisation');
    for (const request of sent) {
      for (const form of [...passwordForms(ADMIN.password), ...passwordForms('not-the-right-password')]) {
        expect(request.body).not.toContain(form);
      }
    }
  });

  it('lets an administrator rename a product and edit a site', async () => {
    await page.getByRole('button', { name: 'Edit product Silen' }).click();
    const name = page.getByRole('form', { name: 'Edit product Silen' }).getByLabel('Name');
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT'); // focus moved into the form
    await name.fill('Silen Music');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Changes saved.').count()).toBe(1);
    // The page reloads the organisation after saving.
    await expect.poll(() => page.getByRole('rowheader', { name: 'Silen Music' }).count()).toBe(1);
    const patch = sent.findLast((r) => r.method === 'PATCH');
    expect(patch && [patch.path, JSON.parse(patch.body)]).toEqual([
      '/v1/org/products/silen',
      { name: 'Silen Music' },
    ]);

    await page.getByRole('button', { name: 'Edit site X-file' }).click();
    const form = page.getByRole('form', { name: 'Edit site X-file' });
    await form.getByLabel('Agreement page').fill('not a link');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.getByText('Enter a full address starting with https://.').count()).toBe(1);
    await form.getByLabel('Agreement page').fill('https://x-file.uz/legal/agreement');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByRole('cell', { name: 'https://x-file.uz/legal/agreement' }).count())
      .toBe(1);

    // The company's contact details ship empty; the form checks a phone before sending it.
    await page.getByRole('button', { name: 'Edit the contact details' }).click();
    const contact = page.getByRole('form', { name: 'Edit the contact details' });
    await contact.getByLabel('Phone').fill('71 200 00 00');
    await contact.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => contact.getByText('Enter the number in international form', { exact: false }).count())
      .toBe(1);
    await contact.getByLabel('Phone').fill('+998 71 200-00-00');
    await contact.getByLabel('E-mail').fill('dpo@company.example');
    await contact.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('+998712000000', { exact: true }).count()).toBe(1);
    const saved = sent.findLast((r) => r.method === 'PATCH');
    expect(saved && [saved.path, JSON.parse(saved.body)]).toEqual([
      '/v1/org/company',
      { email: 'dpo@company.example', phone: '+998712000000' },
    ]);
  });

  it('shows development mail: the text, and the HTML only inside a sandboxed frame', async () => {
    await page.getByRole('link', { name: 'Development inbox' }).click();
    expect(await heading(page)).toBe('Development inbox');
    // Whatever mail the target holds (the fake has one message with both parts).
    const first = page.locator('tbody a').first();
    const subject = ((await first.textContent()) ?? '').trim();
    await first.click();
    expect(await heading(page)).toBe(subject);
    expect(await page.getByRole('heading', { name: 'Plain text' }).isVisible()).toBe(true);

    const frames = page.locator('iframe');
    for (let i = 0; i < (await frames.count()); i += 1) {
      expect(await frames.nth(i).getAttribute('sandbox')).toBe(''); // no scripts, forms or same-origin access
      expect(await frames.nth(i).getAttribute('title')).toBe('HTML version of the message');
      // The frame's document loads after the frame is in the page: until then its body is empty.
      const body = page.frameLocator('iframe').nth(i).locator('body');
      await expect.poll(async () => ((await body.textContent()) ?? '').trim()).not.toBe('');
    }
    await screenshot(page, 'admin-message-en');

    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    expect(await heading(page)).toBe('Development inbox');
  });

  it('shows the latest signed tree head of the audit log', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    expect(await heading(page)).toBe('Audit log');
    await page.getByText('Root hash (SHA-256)').waitFor();
    const facts = (await page.locator('dl').textContent()) ?? '';
    expect(facts).toMatch(/Entries[\d,]+/);
    expect(facts).toMatch(/Root hash \(SHA-256\)[0-9a-f]{64}/);
    expect(facts).toMatch(/Signature \(Ed25519\)[A-Za-z0-9+/=]{40,}/);
    await screenshot(page, 'admin-audit-en');
  });

  it('sends a signed-out visitor to sign in, then back to the page asked for', async () => {
    const other = await openPage(browser, { baseURL: target.baseUrl, allowHttpError: signedOutIsFine });
    try {
      await preferLanguage(other.page, 'en');
      await other.page.goto('/admin/audit');
      await other.page.waitForURL('**/admin/signin');
      expect(other.page.url()).not.toContain('audit'); // where they were going stays out of the URL
      await signIn(other.page);
      // The app's code of this step is spent: a recovery code serves, once.
      await other.page.getByLabel('Code').fill(factor.recoveryCodes[0] ?? '');
      await other.page.getByRole('button', { name: 'Continue' }).click();
      await other.page.waitForURL('**/admin/audit');
      expect(await heading(other.page)).toBe('Audit log');
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('saw no console error and no failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});
