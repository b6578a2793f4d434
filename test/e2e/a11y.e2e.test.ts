import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { focusWithoutIndicator, landmarks, lowContrastText, unnamedControls } from './a11y.js';
import { createFirstAdmin, LANGS, preferLanguage, screenshot, signedOutIsFine } from './support.js';
import { startTarget, type Target } from './target.js';

let target: Target;
let browser: Browser;

beforeAll(async () => {
  [target, browser] = await Promise.all([startTarget(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

/** The smoke check every page passes: language, one h1, landmarks, names, contrast, focus. */
async function expectAccessible(page: Page, { nav = true } = {}) {
  await page.locator('h1').first().waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' });
  expect(LANGS).toContain(await page.locator('html').getAttribute('lang'));
  expect(await page.locator('h1').count(), 'exactly one h1').toBe(1);
  expect((await landmarks(page)).sort()).toEqual(
    nav ? ['banner', 'contentinfo', 'main', 'navigation'] : ['banner', 'contentinfo', 'main'],
  );
  expect(await unnamedControls(page), 'controls without an accessible name').toEqual([]);
  expect(await lowContrastText(page), 'text below WCAG AA contrast').toEqual([]);
  expect(await focusWithoutIndicator(page), 'focus stops without a visible indicator').toEqual([]);
}

/** Tab once on a fresh page: the skip link comes first and moves focus to the main content. */
async function expectSkipLink(page: Page) {
  await page.locator('h1').first().waitFor();
  await page.keyboard.press('Tab');
  const first = page.locator(':focus');
  expect(await first.getAttribute('href')).toBe('#main');
  expect(await first.isVisible()).toBe(true);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
}

describe('the cabinet', () => {
  it.each([
    ['home', '/'],
    ['privacy', '/privacy'],
    ['page not found', '/nowhere'],
  ])('%s passes the accessibility smoke check', async (_name, path) => {
    const { page, problems, close } = await openPage(browser, { baseURL: target.baseUrl });
    try {
      await page.goto(path);
      await expectSkipLink(page);
      await expectAccessible(page);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('both shells are usable at phone width', async () => {
    const { page, problems, close } = await openPage(browser, {
      baseURL: target.baseUrl,
      viewport: { width: 375, height: 740 },
      allowHttpError: signedOutIsFine,
    });
    try {
      await preferLanguage(page, 'uz-Cyrl');
      await page.goto('/');
      await expectAccessible(page);
      // Nothing wider than the screen: no sideways scrolling.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, 'cabinet-phone-uz-Cyrl');
      await page.goto('/admin/signin');
      await expectAccessible(page, { nav: false });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, 'admin-phone-uz-Cyrl');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('the console', () => {
  it('sign-in and setup pages pass the accessibility smoke check', async () => {
    const { page, problems, close } = await openPage(browser, {
      baseURL: target.baseUrl,
      allowHttpError: signedOutIsFine,
    });
    try {
      await page.goto('/admin/signin');
      await expectSkipLink(page);
      await expectAccessible(page, { nav: false });
      await page.goto(`/admin/setup?token=${target.setupToken}`);
      await page.getByRole('button').last().waitFor();
      await expectAccessible(page, { nav: false });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('signed-in pages pass the accessibility smoke check', async () => {
    const { page, problems, close } = await openPage(browser, {
      baseURL: target.baseUrl,
      allowHttpError: signedOutIsFine,
    });
    try {
      await createFirstAdmin(page, target.baseUrl, target.setupToken);
      // Staff must enrol a second factor first: the enrolment page is a signed-in page too.
      await page.getByTestId('totp-secret').waitFor();
      await expectAccessible(page, { nav: false });
      const key = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
      await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(key));
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('button', { name: 'I have saved them' }).waitFor();
      await expectAccessible(page, { nav: false });
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.getByRole('navigation', { name: 'Console menu' }).waitFor();
      for (const path of ['/admin/org', '/admin/inbox', '/admin/audit', '/admin/security']) {
        await page.goto(path);
        await expectAccessible(page);
      }
      await page.getByRole('link', { name: 'Development inbox' }).click();
      await page.locator('tbody a').first().click();
      await page.locator('iframe').waitFor();
      await expectAccessible(page);
      await page.goto('/admin/org');
      await page.getByRole('button', { name: 'Edit site Silen' }).click();
      await expectAccessible(page);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
