import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';

export const LANGS = ['uz-Cyrl', 'uz-Latn', 'ru', 'en'] as const;
export type Lang = (typeof LANGS)[number];

type Tree = { [key: string]: string | Tree };

const I18N_DIR = fileURLToPath(new URL('../../web/src/i18n/', import.meta.url));

function merge(into: Tree, from: Tree): Tree {
  for (const [key, value] of Object.entries(from)) {
    const have = into[key];
    into[key] = typeof value === 'object' && typeof have === 'object' ? merge(have, value) : value;
  }
  return into;
}

/** One language's strings as the shells see them: the shared file with each area's file (`<area>/<lang>.json`) merged in. */
export function translations(lang: Lang): Tree {
  const read = (file: string) => JSON.parse(readFileSync(path.join(I18N_DIR, file), 'utf8')) as Tree;
  const areas = readdirSync(I18N_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return areas.reduce((tree, area) => merge(tree, read(`${area}/${lang}.json`)), read(`${lang}.json`));
}

/** The UI string at `key` in `lang`, with `{{vars}}` filled in. */
export function text(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  let node: string | Tree | undefined = translations(lang);
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  if (typeof node !== 'string') throw new Error(`no string ${key} in ${lang}`);
  return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(vars[name] ?? `{{${name}}}`));
}

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Before any page script runs, stores a language choice as the switcher would. */
export async function preferLanguage(page: Page, lang: Lang): Promise<void> {
  await page.addInitScript((value) => {
    // Init scripts run in every frame; a sandboxed one (the mail view) has no storage.
    if (window !== window.top) return;
    if (!localStorage.getItem('maxfiy.lang')) localStorage.setItem('maxfiy.lang', value);
  }, lang);
}

/** The page's one h1, once it is there. */
export async function heading(page: Page): Promise<string> {
  const h1 = page.locator('h1');
  await h1.first().waitFor();
  return ((await h1.first().textContent()) ?? '').trim();
}

/** `GET /v1/staff/me` answers 401 to anyone not signed in: that is the contract, not an error. */
export const signedOutIsFine = (pathname: string, status: number) =>
  status === 401 && pathname === '/v1/staff/me';

export const ADMIN = {
  displayName: 'Dilnoza Karimova',
  email: 'dilnoza@cdti.uz',
  password: 'quiet-harbour-lantern-47',
};

/** Fills the first-administrator form (in English) and waits for the console. */
export async function createFirstAdmin(page: Page, baseUrl: string, setupToken: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/setup?token=${setupToken}&lang=en`);
  await page.getByLabel('Display name').fill(ADMIN.displayName);
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Repeat the password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.waitForURL('**/admin/org');
}

/** Signs in through the form (English UI) and waits to leave the sign-in page. */
export async function signIn(page: Page, password = ADMIN.password): Promise<void> {
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
}

/** jsQR is CommonJS: under Node's ESM its function is the module itself, which also carries it as `default`. */
const jsQR = jsQRModule.default;

/**
 * Reads the QR code on the page as a phone's camera would: from a screenshot
 * of what Chromium drew, decoded by an independent reader (jsQR). Returns the
 * text it carries.
 */
export async function scanQr(page: Page): Promise<string> {
  const code = page.getByTestId('qr-code');
  await code.waitFor();
  const png = (await code.screenshot()).toString('base64');
  const image = await page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    context.drawImage(bitmap, 0, 0);
    return {
      width: bitmap.width,
      height: bitmap.height,
      pixels: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data),
    };
  }, png);
  const found = jsQR(Uint8ClampedArray.from(image.pixels), image.width, image.height);
  if (!found) throw new Error('the QR code on the page does not read');
  return found.data;
}
