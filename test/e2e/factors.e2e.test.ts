import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import type { OpenPage } from '../helpers/browser.js';
import { addVirtualAuthenticator, startJourney, stopJourney } from './journeys.js';
import {
  createFirstAdmin,
  heading,
  preferLanguage,
  scanQr,
  screenshot,
  signedOutIsFine,
  signIn,
} from './support.js';

/**
 * Passkeys and the authenticator app in the console, with Chromium's virtual
 * authenticator (DevTools protocol) playing a platform authenticator with
 * user verification. WebAuthn binds a passkey to the public URL's host, so this
 * target listens on the port its public URL names, at `localhost`.
 */

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;

/** 403 MXF_STAFF_PASSKEY_REQUIRED is the contract for a password sign-in of a passkey-only member. */
const allowed = (path: string, status: number) =>
  signedOutIsFine(path, status) || (path === '/v1/staff/login/finish' && status === 403);

beforeAll(async () => {
  ({ app, baseUrl, browser, tab, page } = await startJourney({ allowHttpError: allowed }));
  await preferLanguage(page, 'en');
  await addVirtualAuthenticator(tab);
});

afterAll(() => stopJourney({ tab, browser, app }));

async function signInsBy(method: string): Promise<number> {
  const entries = await app.services.audit.entries({ limit: 1000 });
  return entries.filter((e) => e.action === 'staff.signin' && e.details?.method === method).length;
}

describe('staff passkeys and authenticator app in the console', () => {
  it('leads the first administrator to add a passkey, made by the device, and then opens the console', async () => {
    const link = await app.services.staff.ensureSetupLink();
    await createFirstAdmin(page, baseUrl, new URL(link ?? '').searchParams.get('token') ?? '');
    await expect.poll(() => heading(page)).toBe('Protect your account');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => heading(page)).toBe('Organisation');

    await page.getByRole('link', { name: 'Security' }).click();
    await expect.poll(() => heading(page)).toBe('Security');
    await expect.poll(() => page.getByRole('rowheader', { name: 'Passkey' }).count()).toBe(1);
    await screenshot(page, 'admin-security-en');
  });

  it('signs in with the passkey alone, and refuses the password alone for a passkey-only member', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/admin/signin');
    await signIn(page);
    await expect.poll(() => page.getByText('Sign in with your passkey.').count()).toBe(1);

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('**/admin/org');
    await expect.poll(() => heading(page)).toBe('Organisation');
    expect(await signInsBy('passkey')).toBe(1);
  });

  it('adds an authenticator app from the Security page and signs in with the password and a code', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = page.getByTestId('totp-secret');
    await secret.waitFor();
    // The app scans the code on screen: it carries the key shown beside it.
    const scanned = new URL(await scanQr(page));
    const key = scanned.searchParams.get('secret') ?? '';
    expect(key).toBe(((await secret.textContent()) ?? '').trim());
    expect(scanned.protocol).toBe('otpauth:');
    await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(key));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => page.getByRole('rowheader', { name: 'Authenticator app' }).count()).toBe(1);
    expect(await page.getByText('Unused recovery codes: 10').count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/admin/signin');
    await signIn(page);
    await expect.poll(() => heading(page)).toBe('Enter your code');
    await page.getByLabel('Code').fill(authenticator.clone({ epoch: Date.now() + 30_000 }).generate(key));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/admin/org');
    expect(await signInsBy('password+totp')).toBe(1);
  });

  it('saw no console error and no failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});
