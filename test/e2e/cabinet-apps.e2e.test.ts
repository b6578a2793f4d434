import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lastCode } from '../../src/modules/identity/identity.testkit.js';
import type { TestApp } from '../helpers/app.js';
import type { OpenPage } from '../helpers/browser.js';
import { lowContrastText, unnamedControls } from './a11y.js';
import { logFailure, startJourney, stopJourney } from './journeys.js';
import { heading, LANGS, type Lang, preferLanguage, screenshot, text } from './support.js';

/**
 * "You can take this back at any time in your cabinet", in Chromium against
 * the whole app, in Russian: the customer signs in to an app through the
 * cabinet, allows it on the consent screen, finds it on the cabinet's Apps
 * page (drawn in each of the four languages) and takes its access back after
 * a confirmation, by keyboard; the app's next sign-in asks again. Steps run in
 * order and share one tab.
 */

const EMAIL = 'dilfuza@example.uz';
const PASSWORD = 'Ertalab tong otdi, qushlar sayradi 4';
const LANG: Lang = 'ru';

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;
let subjectId: string;
/** The app's own site: where the provider sends the browser back with a code. */
let site: Server;
let callback: string;

/** The session probe of a signed-out page answers 401: the contract, not an error. */
const allowed = (path: string, status: number) => status === 401 && path === '/v1/me/profile';

const t = (key: string, vars: Record<string, string> = {}) => text(LANG, key, vars);

beforeAll(async () => {
  site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Shop</p>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${(site.address() as AddressInfo).port}/callback`;
  ({ app, baseUrl, browser, tab, page } = await startJourney({
    allowHttpError: allowed,
    timeout: 60_000,
    prepare: async (target) => {
      await target.services.oidc.registerClient('system', {
        clientId: 'shop',
        name: 'Shop',
        redirectUris: [callback],
      });
    },
  }));
  await preferLanguage(page, LANG);
  // The consent screen is the provider's page: it takes the browser's language.
  await page.setExtraHTTPHeaders({ 'accept-language': LANG });
});

afterEach(async (ctx) => logFailure(ctx.task.result?.state === 'fail', { page, tab }));

afterAll(async () => {
  await stopJourney({ tab, browser, app });
  await new Promise((resolve) => site?.close(resolve));
});

/** The app sends the browser to the provider, as its "Sign in with maxfiy" button would. */
function appSignIn(): string {
  const verifier = randomBytes(32).toString('base64url');
  const u = new URL('/oidc/auth', baseUrl);
  for (const [k, v] of Object.entries({
    client_id: 'shop',
    response_type: 'code',
    redirect_uri: callback,
    scope: 'openid email',
    state: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    u.searchParams.set(k, v);
  return u.href;
}

const appRow = () => page.getByRole('row', { name: /^Shop\b/ });

describe('the cabinet: the apps I allowed', () => {
  it('signs in to an app through the cabinet and allows it on the consent screen, in Russian', async () => {
    await page.goto('/signup');
    await page.getByLabel(t('cabinet.fields.contact')).fill(EMAIL);
    await page.getByRole('button', { name: t('cabinet.signup.sendCode') }).click();
    await page.getByLabel(t('cabinet.fields.code')).waitFor();
    await page.getByLabel(t('cabinet.fields.code')).fill(await lastCode(app, EMAIL));
    await page.getByLabel(t('cabinet.fields.password'), { exact: true }).fill(PASSWORD);
    await page.getByLabel(t('cabinet.fields.repeat')).fill(PASSWORD);
    await page.getByRole('button', { name: t('cabinet.signup.submit') }).click();
    await page.waitForURL('**/profile');
    subjectId = (
      (await (await page.request.get('/v1/me/profile')).json()) as { profile: { subjectId: string } }
    ).profile.subjectId;
    await page.getByRole('button', { name: t('cabinet.nav.signout') }).click();
    await page.waitForURL('**/signin');

    // Signed out: the app's sign-in goes through the cabinet's sign-in page, then the consent screen.
    await page.goto(appSignIn());
    await page.waitForURL((url) => url.pathname === '/signin');
    await page.getByLabel(t('cabinet.fields.contact')).fill(EMAIL);
    await page.getByLabel(t('cabinet.fields.password'), { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: t('cabinet.signin.submit'), exact: true }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/oidc/interaction/'));
    expect(await heading(page)).toBe('Доступ для приложения');
    expect(await page.locator('main').innerText()).toContain('Доступ можно отозвать в личном кабинете');
    await page.getByRole('button', { name: 'Разрешить' }).click();
    await page.waitForURL((url) => url.href.startsWith(callback));
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect((await app.services.oidc.apps.list(subjectId)).map((a) => a.clientId)).toEqual(['shop']);
  });

  it('shows the app on the Apps page in each language: its name, what it may see, a named button', async () => {
    await page.goto('/profile');
    await page.getByRole('link', { name: t('cabinet.nav.apps') }).click();
    await expect.poll(() => heading(page)).toBe(t('cabinet.apps.title'));
    for (const lang of LANGS) {
      await page.evaluate((value) => localStorage.setItem('maxfiy.lang', value), lang);
      await page.reload();
      await expect.poll(() => heading(page)).toBe(text(lang, 'cabinet.apps.title'));
      await appRow().waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
      const headers = (await page.getByRole('columnheader').allTextContents()).map((s) => s.trim());
      expect(headers).toEqual(
        ['apps.app', 'apps.sees', 'apps.allowedAt', 'apps.lastUsed', 'common.actions'].map((k) =>
          text(lang, `cabinet.${k}`),
        ),
      );
      const sees = await appRow().getByRole('listitem').allTextContents();
      expect(sees).toContain(text(lang, 'cabinet.apps.scopes.openid'));
      expect(sees).toContain(text(lang, 'cabinet.apps.scopes.email'));
      await appRow()
        .getByRole('button', { name: text(lang, 'cabinet.apps.revokeNamed', { name: 'Shop' }) })
        .waitFor();
      expect(
        await page
          .getByRole('navigation')
          .getByRole('link', { name: text(lang, 'cabinet.nav.apps') })
          .count(),
      ).toBe(1);
      // i18next shows the key itself for a string it lacks.
      expect(await page.locator('body').innerText()).not.toMatch(/\bcabinet\.(apps|nav)\.\w+/);
      expect(await unnamedControls(page), `${lang}: controls without an accessible name`).toEqual([]);
      expect(await lowContrastText(page), `${lang}: text below WCAG AA contrast`).toEqual([]);
      await screenshot(page, `cabinet-apps-${lang}`);
    }
  });

  it('takes the access back after a confirmation, by keyboard; focus goes to what happened', async () => {
    await page.evaluate((value) => localStorage.setItem('maxfiy.lang', value), LANG);
    await page.reload();
    const revoke = appRow().getByRole('button', { name: t('cabinet.apps.revokeNamed', { name: 'Shop' }) });
    await revoke.focus();
    await page.keyboard.press('Enter');
    // The question is asked, and focus is on its "yes"; cancelling brings focus back.
    await page.getByText(t('cabinet.apps.confirm', { name: 'Shop' })).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    await expect.poll(focused).toBe(t('cabinet.apps.revokeYes'));
    await page.keyboard.press('Tab');
    expect(await focused()).toBe(t('cabinet.common.cancel'));
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe(t('cabinet.apps.revoke'));
    expect((await app.services.oidc.apps.list(subjectId)).length).toBe(1);

    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe(t('cabinet.apps.revokeYes'));
    await page.keyboard.press('Enter');
    const done = t('cabinet.apps.revoked', { name: 'Shop' });
    await page.getByText(done).waitFor();
    await expect.poll(focused).toBe(done);
    await page.getByText(t('cabinet.apps.none')).waitFor();
    expect(await appRow().count()).toBe(0);
    await screenshot(page, `cabinet-apps-revoked-${LANG}`);

    expect(await app.services.oidc.apps.list(subjectId)).toEqual([]);
    const audited = (await app.services.audit.entries({ limit: 1000 })).filter(
      (e) => e.action === 'oidc.grant.revoked',
    );
    expect(audited.map((e) => [e.subjectId, e.target])).toEqual([[subjectId, 'oidc-client:shop']]);
  });

  it('asks for consent again at the app’s next sign-in', async () => {
    await page.goto(appSignIn());
    await page.waitForURL((url) => url.pathname.startsWith('/oidc/interaction/'));
    expect(await heading(page)).toBe('Доступ для приложения');
    await page.getByRole('button', { name: 'Разрешить' }).click();
    await page.waitForURL((url) => url.href.startsWith(callback));
    expect((await app.services.oidc.apps.list(subjectId)).map((a) => a.clientId)).toEqual(['shop']);
  });

  it('saw no console error and no unexpected failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});
