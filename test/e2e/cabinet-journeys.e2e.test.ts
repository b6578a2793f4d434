import { authenticator } from 'otplib';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { productApp, signedInStaff } from '../../src/modules/cabinet/cabinet.testkit.js';
import { lastCode } from '../../src/modules/identity/identity.testkit.js';
import { readRegisterFile } from '../../src/modules/purposes/purposes.service.js';
import type { TestApp } from '../helpers/app.js';
import type { OpenPage } from '../helpers/browser.js';
import { landmarks, lowContrastText, unnamedControls } from './a11y.js';
import { addVirtualAuthenticator, logFailure, startJourney, stopJourney } from './journeys.js';
import { heading, LANGS, preferLanguage, scanQr, screenshot, text } from './support.js';

/**
 * The signed-in cabinet beyond the password: the agreement and its receipts,
 * "my data and why" with switches that reach the decision engine at once, the
 * cabinet by product, grants and the access log, and the second factors
 * (authenticator app and passkey, with Chromium's virtual authenticator).
 */

const EMAIL = 'aziza@example.uz';
const PASSWORD = 'Bahor keldi, lolalar ochildi 5';

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;
let subjectId: string;

/** The session probe of a signed-out page answers 401: the contract, not an error. */
const allowed = (path: string, status: number) => status === 401 && path === '/v1/me/profile';

beforeAll(async () => {
  ({ app, baseUrl, browser, tab, page } = await startJourney({
    allowHttpError: allowed,
    timeout: 60_000,
    prepare: async (target) => {
      await target.services.agreements.seed();
      await target.services.purposes.seed(readRegisterFile('config/purposes.json'));
    },
  }));
  await preferLanguage(page, 'en');
  await addVirtualAuthenticator(tab);
});

/** A failed step says where the page was and what it showed. */
afterEach(async (ctx) => logFailure(ctx.task.result?.state === 'fail', { page, tab }));

afterAll(() => stopJourney({ tab, browser, app }));

async function signInWith(password: string) {
  await page.getByLabel('E-mail or phone').fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
}

describe('the cabinet: my agreement', () => {
  it('signs up, then asks on every page to accept the agreement in force', async () => {
    await page.goto('/signup');
    await page.getByLabel('E-mail or phone').fill(EMAIL);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Six-digit code').waitFor(); // the code is queued once the step answers
    await page.getByLabel('Six-digit code').fill(await lastCode(app, EMAIL));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.waitForURL('**/profile');
    subjectId = (
      (await (await page.request.get('/v1/me/profile')).json()) as { profile: { subjectId: string } }
    ).profile.subjectId;

    const banner = page.getByText('A new version of the privacy agreement (1) is in force.');
    await banner.waitFor();
    await page.getByRole('link', { name: 'Security' }).click();
    await banner.waitFor();
    await screenshot(page, 'cabinet-agreement-banner-en');
  });

  it('accepts from the banner; the agreement page shows when, with its receipts', async () => {
    await page.getByRole('button', { name: 'Accept version 1' }).click();
    await expect.poll(() => page.getByText('A new version of the privacy agreement').count()).toBe(0);
    await page.getByRole('link', { name: 'Agreement' }).click();
    await expect.poll(() => heading(page)).toBe('My agreement');
    await expect.poll(() => page.getByText('Accepted', { exact: true }).count()).toBe(1);
    const receipt = page.getByRole('link', { name: 'Receipt for version 1', exact: true });
    const answer = await page.request.get((await receipt.getAttribute('href')) ?? '');
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toMatch(/text\/html/);
    const pdf = await page.request.get(
      (await page.getByRole('link', { name: 'Printable receipt for version 1' }).getAttribute('href')) ?? '',
    );
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toMatch(/application\/pdf/);
    await screenshot(page, 'cabinet-agreement-en');
  });
});

describe('the cabinet: my data and why', () => {
  it('lists purposes with their basis and retention; a consent switch reaches decisions at once', async () => {
    await page.getByRole('link', { name: 'My data' }).click();
    await expect.poll(() => heading(page)).toBe('My data and why');
    const consent = page.getByRole('switch', { name: /I consent to .Learn which parts/ });
    expect(await consent.isChecked()).toBe(false);
    expect(app.services.decisions.decide(subjectId, 'interest-analytics', 'interests').allow).toBe(false);
    await consent.click();
    await expect.poll(() => consent.isChecked()).toBe(true);
    expect(app.services.decisions.decide(subjectId, 'interest-analytics', 'interests').allow).toBe(true);

    const objection = page.getByRole('switch', { name: /I object to .Improve the service/ });
    expect(app.services.decisions.decide(subjectId, 'improve-service', 'device').allow).toBe(true);
    await objection.click();
    await expect.poll(() => objection.isChecked()).toBe(true);
    expect(app.services.decisions.decide(subjectId, 'improve-service', 'device').allow).toBe(false);

    await page.reload();
    await expect
      .poll(() => page.getByRole('switch', { name: /I consent to .Learn which parts/ }).isChecked())
      .toBe(true);
    expect(await page.getByText('Needed for the contract').count()).toBeGreaterThan(0);
    await screenshot(page, 'cabinet-data-en');
  });

  it('switches e-mail newsletters off while SMS stays on, and decisions follow that channel alone', async () => {
    // An app recorded the customer's newsletters: e-mail and SMS, every topic.
    for (const channel of ['email', 'sms']) {
      await app.services.consents.record('app:newsletters', subjectId, {
        purpose: 'offers-newsletters',
        action: 'give',
        source: 'app',
        channel,
        notice: { version: '1', language: 'en' },
      });
    }
    const newsletters = (channel: string) =>
      app.services.decisions.decide(subjectId, 'offers-newsletters', 'contact', { channel });
    /** The state shown beside a switch, which it names as its description. */
    const stateOf = async (control: Locator) =>
      page.locator(`[id="${await control.getAttribute('aria-describedby')}"]`).innerText();
    await page.reload();
    const email = page.getByRole('switch', { name: 'By e-mail, every topic', exact: true });
    const sms = page.getByRole('switch', { name: 'By SMS, every topic', exact: true });
    await expect.poll(() => email.isChecked()).toBe(true);
    expect(await sms.isChecked()).toBe(true);
    expect(await stateOf(email)).toBe('Consent given');
    expect(newsletters('email').allow).toBe(true);

    await email.click();
    await expect.poll(() => email.isChecked()).toBe(false);
    expect(await stateOf(email)).toBe('Consent withdrawn');
    expect(newsletters('email')).toMatchObject({ allow: false, reasons: ['no-consent'] });
    expect(await sms.isChecked()).toBe(true);
    expect(await stateOf(sms)).toBe('Consent given');
    expect(newsletters('sms').allow).toBe(true);
    await screenshot(page, 'cabinet-data-channels-en');

    await page.reload();
    await expect.poll(() => sms.isChecked()).toBe(true);
    expect(await email.isChecked()).toBe(false);
  });
});

describe('the cabinet: data by product, grants and who looked', () => {
  it('links a product, shows what it wrote, and refuses its writes once unlinked', async () => {
    const trade = await productApp(app, 'smartpos-trade');
    await page.getByRole('link', { name: 'Cabinet', exact: true }).click();
    await expect.poll(() => heading(page)).toBe('My cabinet');
    expect((await trade.put(subjectId, 'loyalty', { value: { points: 1 } })).statusCode).toBe(403);

    // Exact names: "Link Smartpos Trade" is also part of "Unlink Smartpos Trade".
    await page.getByRole('button', { name: 'Link Smartpos Trade', exact: true }).click();
    await page.getByRole('button', { name: 'Unlink Smartpos Trade', exact: true }).waitFor();
    const put = await trade.put(subjectId, 'loyalty', {
      value: { points: 120 },
      kind: 'loyalty',
    });
    expect(put.statusCode).toBe(204);
    await page.reload();
    await page.getByRole('button', { name: 'Show what Smartpos Trade keeps' }).click();
    await expect.poll(() => page.getByRole('cell', { name: '{"points":120}' }).count()).toBe(1);
    await screenshot(page, 'cabinet-records-en');

    await page.getByRole('button', { name: 'Unlink Smartpos Trade', exact: true }).click();
    // Only once the unlink is answered does the button read "Link"; the write below must come after it.
    await page.getByRole('button', { name: 'Link Smartpos Trade', exact: true }).waitFor();
    expect((await trade.put(subjectId, 'loyalty', { value: { points: 121 } })).statusCode).toBe(403);
  });

  it('grants the support team access for a time, shows each staff read, and revokes at once', async () => {
    const member = await signedInStaff(app, systemClock, ['support'], 'Nodira');
    await page.getByRole('link', { name: 'Access' }).click();
    await expect.poll(() => heading(page)).toBe('Access to my cabinet');
    await page.getByLabel('Who', { exact: true }).selectOption({ label: 'The support team' });
    await page.getByLabel('Smartpos Trade').check();
    await page.getByLabel('For how many hours (1 to 720)').fill('2');
    await page.getByLabel('Reason').fill('Points did not arrive');
    await page.getByRole('button', { name: 'Give the permission' }).click();
    await expect.poll(() => page.getByText('The permission is given.').count()).toBe(1);
    const grants = page.getByRole('region', { name: 'Permissions' });
    await expect.poll(() => grants.getByRole('cell', { name: 'Points did not arrive' }).count()).toBe(1);

    const granted = (await (await member.get('/v1/cabinet/granted')).json()) as { grants: { id: string }[] };
    expect(granted.grants).toHaveLength(1);
    const grantId = granted.grants[0]?.id ?? '';
    expect((await member.get(`/v1/cabinet/granted/${grantId}/records`)).statusCode).toBe(200);
    await page.reload();
    const log = page.getByRole('region', { name: 'Who looked at my data' });
    await expect.poll(() => log.getByRole('rowheader', { name: member.displayName }).count()).toBe(1);
    await screenshot(page, 'cabinet-access-en');

    await page.getByRole('button', { name: 'Take back the permission of The support team' }).click();
    await expect.poll(() => grants.getByText('Ended').count()).toBe(1);
    expect((await member.get(`/v1/cabinet/granted/${grantId}/records`)).statusCode).toBe(403);
  });
});

describe('the cabinet: second factors', () => {
  it('adds an authenticator app, and sign-in then asks for its code', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = page.getByTestId('totp-secret');
    // Scanned from the screen, as the customer's phone would.
    const key = new URL(await scanQr(page)).searchParams.get('secret') ?? '';
    expect(key).toBe(((await secret.textContent()) ?? '').trim());
    await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(key));
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => page.getByText('Unused recovery codes: 10').count()).toBe(1);

    await signOut();
    await signInWith(PASSWORD);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByLabel('Code').fill(authenticator.clone({ epoch: Date.now() + 30_000 }).generate(key));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/profile');
    await page.getByRole('link', { name: 'Security' }).click();
    const history = page.getByRole('region', { name: 'Sign-in history' });
    await expect.poll(() => history.getByRole('cell', { name: 'Password and code' }).count()).toBe(1);
  });

  it('adds a passkey, which then signs in alone', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => page.getByRole('button', { name: /^Remove .+/ }).count()).toBeGreaterThan(1);
    await screenshot(page, 'cabinet-factors-en');
    await signOut();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('**/profile');
  });

  it('saw no console error and no unexpected failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});

describe('the signed-in cabinet in every language', () => {
  it.each(LANGS)('%s: every page is translated and passes the accessibility smoke check', async (lang) => {
    await page.evaluate((value) => localStorage.setItem('maxfiy.lang', value), lang);
    for (const [path, key] of [
      ['/profile', 'cabinet.profile.title'],
      ['/security', 'cabinet.security.title'],
      ['/agreement', 'cabinet.agreement.title'],
      ['/data', 'cabinet.data.title'],
      ['/cabinet', 'cabinet.cabinet.title'],
      ['/access', 'cabinet.access.title'],
      ['/apps', 'cabinet.apps.title'],
    ] as const) {
      await page.goto(path);
      expect(await heading(page)).toBe(text(lang, key));
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect((await landmarks(page)).sort()).toEqual(['banner', 'contentinfo', 'main', 'navigation']);
      expect(await unnamedControls(page), path).toEqual([]);
      expect(await lowContrastText(page), path).toEqual([]);
    }
    await screenshot(page, `cabinet-access-${lang}`);
    expect(tab.problems).toEqual([]);
  });
});
