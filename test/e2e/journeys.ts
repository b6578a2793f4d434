import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { sessionCookie, browser as staffBrowser } from '../../src/modules/staff/staff.testkit.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser, type OpenPage, openPage } from '../helpers/browser.js';
import { PG_URL } from '../helpers/db.js';
import { type Lang, preferLanguage } from './support.js';

/** A journey's server, browser and the one tab it walks in. */
export interface Journey {
  app: TestApp;
  baseUrl: string;
  browser: Browser;
  tab: OpenPage;
  page: Page;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The whole server with a fresh database, listening on the port its public URL
 * names at `localhost` (WebAuthn binds passkeys to that host), and one tab on it.
 * `prepare` runs before the server listens; `timeout` is the tab's default.
 */
export async function startJourney(options: {
  allowHttpError: (path: string, status: number) => boolean;
  prepare?: (app: TestApp) => Promise<void>;
  timeout?: number;
}): Promise<Journey> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const [app, browser] = await Promise.all([
    createTestApp(PG_URL ? 'postgres' : 'sqlite', { options: { publicUrl: baseUrl } }),
    launchBrowser(),
  ]);
  await options.prepare?.(app);
  await app.app.listen({ port, host: '127.0.0.1' });
  const tab = await openPage(browser, { baseURL: baseUrl, allowHttpError: options.allowHttpError });
  if (options.timeout) tab.context.setDefaultTimeout(options.timeout);
  return { app, baseUrl, browser, tab, page: tab.page };
}

/** Closes what `startJourney` opened, whatever part of it was opened. */
export async function stopJourney(journey: Partial<Journey>): Promise<void> {
  await journey.tab?.close();
  await journey.browser?.close();
  await journey.app?.close();
}

/** Chromium's virtual authenticator as a platform authenticator with user verification. */
export async function addVirtualAuthenticator(tab: OpenPage): Promise<void> {
  const cdp = await tab.context.newCDPSession(tab.page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}

/** For `afterEach`: a failed step says where the page was and what it showed. */
export async function logFailure(failed: boolean, journey: Pick<Journey, 'page' | 'tab'>): Promise<void> {
  if (!failed) return;
  const { page, tab } = journey;
  console.log(page.url(), (await page.locator('main').innerText()).slice(0, 1500), tab.problems);
}

/** The whole server with a fresh database on a free loopback port, and Chromium. */
export async function startServer(): Promise<Pick<Journey, 'app' | 'baseUrl' | 'browser'>> {
  const [app, browser] = await Promise.all([
    createTestApp(PG_URL ? 'postgres' : 'sqlite', { listen: true }),
    launchBrowser(),
  ]);
  const address = app.app.server.address();
  return {
    app,
    browser,
    baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  };
}

/** A tab for a staff member, signed in through the API (the sign-in form is tested elsewhere). */
export async function staffTab(
  server: Pick<Journey, 'app' | 'baseUrl' | 'browser'>,
  member: { email: string; password: string },
  options: { lang: Lang; allowHttpError?: (path: string, status: number) => boolean },
): Promise<OpenPage> {
  const cookie = sessionCookie(await staffBrowser(server.app.app).login(member.email, member.password));
  const tab = await openPage(server.browser, {
    baseURL: server.baseUrl,
    allowHttpError: options.allowHttpError,
  });
  const [name = '', value = ''] = cookie.split('=');
  await tab.context.addCookies([{ name, value, url: server.baseUrl }]);
  await preferLanguage(tab.page, options.lang);
  return tab;
}
