import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { heading, LANGS, type Lang, preferLanguage, screenshot, signedOutIsFine, text } from './support.js';
import { startTarget, type Target } from './target.js';

/** Both shells, as a visitor first meets them: the cabinet's home and the console's sign-in page. */
const SHELLS = [
  { shell: 'cabinet', path: '/', title: 'cabinet.home.title' },
  { shell: 'admin', path: '/admin/', title: 'admin.signin.title' },
] as const;

const SITE_IDS = ['cdti.uz', 'smartpos.uz', 'silen.uz', 'a-pay.uz', 'x-file.uz'];

let target: Target;
let browser: Browser;

beforeAll(async () => {
  [target, browser] = await Promise.all([startTarget(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await target?.close();
});

const open = () => openPage(browser, { baseURL: target.baseUrl, allowHttpError: signedOutIsFine });

/** The switcher, whatever language it currently speaks. */
const switcher = (lang: Lang) => ({ name: text(lang, 'common.language') });

describe.each(SHELLS)('the $shell shell', ({ shell, path, title }) => {
  it.each(LANGS)(`loads in %s with no console error and no failed request`, async (lang) => {
    const { page, problems, close } = await open();
    try {
      await preferLanguage(page, lang);
      const apiLanguages: string[] = [];
      page.on('request', (request) => {
        const { pathname } = new URL(request.url());
        if (pathname.startsWith('/v1/'))
          apiLanguages.push(`${pathname} ${request.headers()['accept-language']}`);
      });
      await page.goto(path);
      expect(await heading(page)).toBe(text(lang, title));
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await page.waitForLoadState('networkidle');
      await screenshot(page, `${shell}-${lang}`);

      if (shell === 'cabinet') {
        // The privacy page lists the five sites, each linking to the agreement in this language.
        await page
          .getByRole('navigation')
          .getByRole('link', { name: text(lang, 'cabinet.nav.privacy'), exact: true })
          .click();
        expect(await heading(page)).toBe(text(lang, 'cabinet.privacy.title'));
        for (const site of SITE_IDS) {
          const link = page.getByRole('link', { name: text(lang, 'cabinet.privacy.read', { site }) });
          expect(await link.getAttribute('href')).toBe(`/sites/${site}/agreement?lang=${lang}`);
        }
        if (lang === 'en') await screenshot(page, 'cabinet-privacy-en');
      }

      // Every API request spoke the UI language, so server messages come back in it.
      expect(apiLanguages.length).toBeGreaterThan(0);
      for (const line of apiLanguages) expect(line).toMatch(new RegExp(` ${lang}$`));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('switches language from the header, and the choice survives a reload', async () => {
    const { page, problems, close } = await open();
    try {
      await page.goto(path);
      expect(await page.locator('html').getAttribute('lang')).toBe('uz-Cyrl'); // the default
      expect(await heading(page)).toBe(text('uz-Cyrl', title));

      await page.getByRole('combobox', switcher('uz-Cyrl')).selectOption('uz-Latn');
      await expect.poll(() => heading(page)).toBe(text('uz-Latn', title));
      expect(await page.locator('html').getAttribute('lang')).toBe('uz-Latn');
      expect(await page.evaluate(() => localStorage.getItem('maxfiy.lang'))).toBe('uz-Latn');

      await page.reload();
      expect(await heading(page)).toBe(text('uz-Latn', title));
      expect(await page.locator('html').getAttribute('lang')).toBe('uz-Latn');
      expect(await page.getByRole('combobox', switcher('uz-Latn')).inputValue()).toBe('uz-Latn');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('honours ?lang=ru, remembers it, and drops it from the address once the switcher is used', async () => {
    const { page, problems, close } = await open();
    try {
      await page.goto(`${path}?lang=ru`);
      expect(await heading(page)).toBe(text('ru', title));
      expect(await page.locator('html').getAttribute('lang')).toBe('ru');

      await page.goto(path); // no parameter: the choice was kept
      expect(await heading(page)).toBe(text('ru', title));

      await page.goto(`${path}?lang=ru`);
      await heading(page);
      await page.getByRole('combobox', switcher('ru')).selectOption('en');
      await expect.poll(() => heading(page)).toBe(text('en', title));
      expect(page.url()).not.toContain('lang=');
      await page.reload();
      expect(await heading(page)).toBe(text('en', title));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('fallbacks', () => {
  it('serves deep links of both shells and shows a page-not-found in the right shell', async () => {
    const { page, problems, close } = await open();
    try {
      await preferLanguage(page, 'en');
      await page.goto('/privacy');
      expect(await heading(page)).toBe(text('en', 'cabinet.privacy.title'));
      await page.goto('/no/such/page');
      expect(await heading(page)).toBe(text('en', 'common.notFoundTitle'));
      await page.getByRole('link', { name: text('en', 'common.backHome') }).click();
      expect(await heading(page)).toBe(text('en', 'cabinet.home.title'));
      await page.goto('/admin/signin');
      expect(await heading(page)).toBe(text('en', 'admin.signin.title'));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
