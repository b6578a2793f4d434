import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inboxFor, lastCode } from '../../src/modules/identity/identity.testkit.js';
import type { TestApp } from '../helpers/app.js';
import { type OpenPage, openPage } from '../helpers/browser.js';
import { landmarks, lowContrastText, unnamedControls } from './a11y.js';
import { logFailure, startJourney, stopJourney } from './journeys.js';
import { heading, LANGS, preferLanguage, screenshot, text } from './support.js';

/**
 * The cabinet's sign-up, sign-in, reset and security journeys in Chromium,
 * against the whole server. The first journey records every request the page
 * sends and proves the password is in none of them, in any usual encoding.
 */

const EMAIL = 'malika@example.uz';
/** Spaces, a slash, a plus and Cyrillic: each encoding below then differs from the others. */
const PASSWORD = 'Tong otdi / qushlar+uchdi ёз 2026';
const NEW_PASSWORD = 'Kuz keldi, barglar sargʻaydi 7';
const RESET_PASSWORD = 'Qish chillasi: qor yogʻdi 9';

let app: TestApp;
let baseUrl: string;
let browser: Browser;
let tab: OpenPage;
let page: Page;

/**
 * Answers that are the contract, not failures: the session probe of a signed-out
 * page (401), a blocked account at sign-in (403), and the OIDC provider's own
 * answers to the made-up authorization request that `?return=` leads to.
 */
const allowed = (path: string, status: number) =>
  (status === 401 && path === '/v1/me/profile') ||
  (status === 403 && path === '/v1/signin/start') ||
  (status === 403 && path === '/v1/signin/finish') ||
  path.startsWith('/oidc/');

// --- the password detector ---------------------------------------------------

/**
 * The base64 characters that depend only on the password's bytes, when it sits
 * at each of the three byte alignments inside a longer encoded value.
 */
function base64Cores(bytes: Buffer, url: boolean): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(url ? 'base64url' : 'base64');
    return encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
  });
}

/** Every form in which a password could ride in a URL, a header or a body. */
function encodings(password: string): string[] {
  const bytes = Buffer.from(password, 'utf8');
  return [
    password,
    JSON.stringify(password).slice(1, -1),
    encodeURIComponent(password),
    new URLSearchParams({ p: password }).toString().slice(2),
    ...base64Cores(bytes, false),
    ...base64Cores(bytes, true),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ];
}

interface Sent {
  url: string;
  headers: string;
  body: string;
}

/**
 * Records every request a browser context sends: URL, all headers, body (as
 * text and as raw bytes). Headers arrive later than the request event:
 * `settled` waits for every one read so far, so a check never sees one blank.
 */
function recordRequests(context: BrowserContext): Sent[] & { settled(): Promise<unknown> } {
  const pending: Promise<unknown>[] = [];
  const sent = Object.assign([] as Sent[], { settled: () => Promise.allSettled(pending) });
  context.on('request', (request: Request) => {
    const entry: Sent = { url: request.url(), headers: '', body: '' };
    sent.push(entry);
    const buffer = request.postDataBuffer();
    entry.body = buffer ? buffer.toString('utf8') + buffer.toString('latin1') : '';
    pending.push(
      request.allHeaders().then(
        (headers) => {
          entry.headers = JSON.stringify(headers);
        },
        () => {
          entry.headers = JSON.stringify(request.headers());
        },
      ),
    );
  });
  return sent;
}

function carriers(sent: Sent[], secret: string): string[] {
  const forms = encodings(secret);
  return sent
    .filter((r) =>
      forms.some((form) => r.url.includes(form) || r.headers.includes(form) || r.body.includes(form)),
    )
    .map((r) => r.url);
}

// --- setup ---------------------------------------------------------------------

beforeAll(async () => {
  // Two cores shared with other work: OPAQUE's key stretching in the page can take a while.
  ({ app, baseUrl, browser, tab, page } = await startJourney({ allowHttpError: allowed, timeout: 60_000 }));
  await preferLanguage(page, 'en');
});

/** A failed step says where the page was and what it showed. */
afterEach(async (ctx) => logFailure(ctx.task.result?.state === 'fail', { page, tab }));

afterAll(() => stopJourney({ tab, browser, app }));

async function signInWith(target: Page, contact: string, password: string) {
  await target.getByLabel('E-mail or phone').fill(contact);
  await target.getByLabel('Password', { exact: true }).fill(password);
  await target.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(target: Page) {
  await target.getByRole('button', { name: 'Sign out' }).click();
  await target.waitForURL('**/signin');
}

/** Another browser (its own cookies, so a new device to the server), signed in. */
async function otherDevice(password: string): Promise<OpenPage> {
  const other = await openPage(browser, { baseURL: baseUrl, allowHttpError: allowed });
  other.context.setDefaultTimeout(60_000);
  await preferLanguage(other.page, 'en');
  await other.page.goto('/signin');
  await signInWith(other.page, EMAIL, password);
  await other.page.waitForURL('**/profile');
  return other;
}

describe('the cabinet: sign-up and sign-in with OPAQUE', () => {
  let sent: ReturnType<typeof recordRequests>;

  it('signs up with a code from the inbox and a password, and is signed in', async () => {
    sent = recordRequests(tab.context);
    await page.goto('/signup');
    expect(await heading(page)).toBe('Create your account');
    await page.getByLabel('E-mail or phone').fill(EMAIL);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Six-digit code').waitFor();
    await page.getByLabel('Six-digit code').fill(await lastCode(app, EMAIL));
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.waitForURL('**/profile');
    await expect.poll(() => heading(page)).toBe('Profile');
    await expect.poll(() => page.getByText(`${EMAIL} (verified)`).count()).toBe(1);
    await screenshot(page, 'cabinet-profile-en');
  });

  it('signs out and signs in again with the password', async () => {
    await signOut(page);
    await signInWith(page, EMAIL, PASSWORD);
    await page.waitForURL('**/profile');
    await expect.poll(() => heading(page)).toBe('Profile');
  });

  it('sent the password in no request: not raw, URL-encoded, base64, base64url or hex', async () => {
    const paths = sent.map((r) => new URL(r.url).pathname);
    // The recording saw the whole journey: the OPAQUE messages went out and the contact is in them.
    for (const path of [
      '/v1/signup/start',
      '/v1/signup/verify',
      '/v1/signup/finish',
      '/v1/signin/start',
      '/v1/signin/finish',
    ])
      expect(paths).toContain(path);
    await sent.settled();
    expect(carriers(sent, EMAIL).length).toBeGreaterThan(0);
    // The detector finds the password in each form it claims to cover.
    for (const form of encodings(PASSWORD))
      expect(
        carriers([{ url: 'http://x/', headers: '', body: `{"x":"..${form}.."}` }], PASSWORD),
      ).toHaveLength(1);
    const padded = Buffer.from(`ab${PASSWORD}cd`).toString('base64');
    expect(carriers([{ url: `http://x/?q=${padded}`, headers: '', body: '' }], PASSWORD)).toHaveLength(1);

    await sent.settled();
    expect(carriers(sent, PASSWORD)).toEqual([]);
  });

  it('says so when the password is wrong', async () => {
    await signOut(page);
    await signInWith(page, EMAIL, 'not the password at all');
    await expect.poll(() => page.getByText('The e-mail, phone or password is not right.').count()).toBe(1);
    expect(page.url()).toMatch(/\/signin$/);
  });

  it('goes back to ?return= after sign-in only when it leads into /oidc/', async () => {
    await page.goto('/signin?return=https%3A%2F%2Fevil.example%2F');
    await signInWith(page, EMAIL, PASSWORD);
    await page.waitForURL('**/profile');
    await signOut(page);

    await page.goto('/signin?return=%2F%2Fevil.example%2Foidc%2F');
    await signInWith(page, EMAIL, PASSWORD);
    await page.waitForURL('**/profile');
    await signOut(page);

    await page.goto('/signin?return=%2Foidc%2Fauth%3Fclient_id%3Dtrade');
    await signInWith(page, EMAIL, PASSWORD);
    await page.waitForURL((url) => url.pathname === '/oidc/auth' && url.search === '?client_id=trade');
    await page.goto('/profile');
    await expect.poll(() => heading(page)).toBe('Profile');
  });
});

describe('the cabinet: profile and security', () => {
  it('corrects the name and shows the change in the history', async () => {
    await page.getByLabel('Name').fill('Malika Yusupova');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Saved.').count()).toBe(1);
    const history = page.getByRole('region', { name: 'Change history' });
    await expect.poll(() => history.getByRole('cell', { name: 'Malika Yusupova' }).count()).toBe(1);
  });

  it('changes the e-mail only with the code sent to the new address', async () => {
    const next = 'malika.yusupova@example.uz';
    await page.getByLabel('New e-mail or phone').fill(next);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Six-digit code').waitFor();
    await page.getByLabel('Six-digit code').fill(await lastCode(app, next));
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await expect.poll(() => page.getByText(`${next} (verified)`).count()).toBe(1);
    // Back to the first address, the same way, so the other tests sign in with it.
    await page.getByLabel('New e-mail or phone').fill(EMAIL);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Six-digit code').waitFor();
    await page.getByLabel('Six-digit code').fill(await lastCode(app, EMAIL));
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await expect.poll(() => page.getByText(`${EMAIL} (verified)`).count()).toBe(1);
  });

  it('lists sessions with a new device notice, and ends the other one', async () => {
    const other = await otherDevice(PASSWORD);
    await page.getByRole('link', { name: 'Security' }).click();
    await expect.poll(() => heading(page)).toBe('Security');
    const sessions = page.getByRole('region', { name: 'Sessions' });
    await expect.poll(() => sessions.getByRole('row').count()).toBe(3); // header + 2
    await expect.poll(() => page.getByText(/a sign-in from a new device/).count()).toBeGreaterThan(0);
    const history = page.getByRole('region', { name: 'Sign-in history' });
    // The history is a request of its own, answered after the sessions and notices may be.
    await expect.poll(() => history.getByText('new device').count()).toBeGreaterThan(0);
    await screenshot(page, 'cabinet-security-en');

    await sessions.getByRole('button', { name: 'End all other sessions' }).click();
    await expect.poll(() => sessions.getByRole('row').count()).toBe(2);
    // The other device is signed out: its next page asks it to sign in.
    await other.page.goto('/security');
    await other.page.waitForURL('**/signin');
    expect(other.problems).toEqual([]);
    await other.close();
  });

  it('changes the password; the new one signs in and the old one no longer does', async () => {
    const form = page.getByRole('region', { name: 'Change the password' });
    await form.getByLabel('New password').fill(NEW_PASSWORD);
    await form.getByLabel('Repeat the password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change the password' }).click();
    await expect
      .poll(() => page.getByText('The password is changed and your other sessions have ended.').count())
      .toBe(1);
    await signOut(page);
    await signInWith(page, EMAIL, PASSWORD);
    await expect.poll(() => page.getByText('The e-mail, phone or password is not right.').count()).toBe(1);
    await signInWith(page, EMAIL, NEW_PASSWORD);
    await page.waitForURL('**/profile');
  });
});

describe('the cabinet: "this wasn’t me" and the password reset', () => {
  it('the link in the new-device mail secures the account without signing in', async () => {
    const other = await otherDevice(NEW_PASSWORD);
    await other.close();
    const mail = (await inboxFor(app, EMAIL)).filter(
      (m) => m.subject === 'New sign-in to your maxfiy account',
    );
    const link = mail.at(-1)?.text.match(/https?:\/\/\S+\/compromise\?token=[\w-]+/)?.[0];
    expect(link).toBeDefined();

    const stranger = await openPage(browser, { baseURL: baseUrl, allowHttpError: allowed });
    await preferLanguage(stranger.page, 'en');
    await stranger.page.goto(link ?? '');
    expect(await heading(stranger.page)).toBe('This wasn’t me');
    await stranger.page.getByRole('button', { name: 'Secure my account now' }).click();
    await expect.poll(() => stranger.page.getByText('Done. Your account is secured:').count()).toBe(1);
    expect(new URL(stranger.page.url()).search).toBe('');
    await screenshot(stranger.page, 'cabinet-compromise-en');
    expect(stranger.problems).toEqual([]);
    await stranger.close();

    // This tab's session ended with the others, and the password alone no longer gets in.
    await page.goto('/security');
    await page.waitForURL('**/signin');
    await signInWith(page, EMAIL, NEW_PASSWORD);
    await expect.poll(() => page.getByRole('alert').count()).toBeGreaterThan(0);
    expect(page.url()).toMatch(/\/signin$/);
  });

  it('resets the password through a code, which lifts the block', async () => {
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    expect(await heading(page)).toBe('Reset your password');
    await page.getByLabel('E-mail or phone').fill(EMAIL);
    await page.getByRole('button', { name: 'Send the code' }).click();
    await page.getByLabel('Six-digit code').waitFor();
    await page.getByLabel('Six-digit code').fill(await lastCode(app, EMAIL));
    await page.getByLabel('New password').fill(RESET_PASSWORD);
    await page.getByLabel('Repeat the password').fill(RESET_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await expect.poll(() => page.getByText(/Your new password is set/).count()).toBe(1);
    await page.getByRole('link', { name: 'Sign in' }).last().click();
    await signInWith(page, EMAIL, RESET_PASSWORD);
    // Back to the page first asked for when the session had ended.
    await page.waitForURL('**/security');
  });

  it('reports a compromise from the Security page and says what was done', async () => {
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Report a compromise' }).click();
    await page.getByRole('button', { name: 'Secure my account now' }).click();
    await page.waitForURL('**/compromise');
    await expect.poll(() => page.getByText('Done. Your account is secured:').count()).toBe(1);
    await page.goto('/profile');
    await page.waitForURL('**/signin');
  });

  it('saw no console error and no unexpected failed request along the way', () => {
    expect(tab.problems).toEqual([]);
  });
});

describe('the cabinet screens in every language', () => {
  it.each(LANGS)(
    '%s: sign-in, sign-up, reset and the report link page are translated and accessible',
    async (lang) => {
      const view = await openPage(browser, { baseURL: baseUrl, allowHttpError: allowed });
      try {
        await preferLanguage(view.page, lang);
        for (const [path, key] of [
          ['/signin', 'cabinet.signin.title'],
          ['/signup', 'cabinet.signup.title'],
          ['/reset', 'cabinet.reset.title'],
          ['/compromise?token=x', 'cabinet.compromise.title'],
        ] as const) {
          await view.page.goto(path);
          expect(await heading(view.page)).toBe(text(lang, key));
          expect(await view.page.locator('html').getAttribute('lang')).toBe(lang);
          expect((await landmarks(view.page)).sort()).toEqual([
            'banner',
            'contentinfo',
            'main',
            'navigation',
          ]);
          expect(await unnamedControls(view.page)).toEqual([]);
          expect(await lowContrastText(view.page)).toEqual([]);
        }
        await screenshot(view.page, `cabinet-compromise-${lang}`);
        expect(view.problems).toEqual([]);
      } finally {
        await view.close();
      }
    },
  );
});
