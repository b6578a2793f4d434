import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; `node scripts/ensure-chromium.mjs` installs it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run "node scripts/ensure-chromium.mjs" (as root it installs it)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface PageOptions {
  baseURL: string;
  viewport?: { width: number; height: number };
  /**
   * HTTP error answers that are part of the contract, e.g. `GET /v1/staff/me` → 401
   * when nobody is signed in.
   */
  allowHttpError?: (path: string, status: number) => boolean;
}

export interface OpenPage {
  page: Page;
  context: BrowserContext;
  /** What went wrong while the page was open: console errors, uncaught exceptions, failed requests. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh context (own storage and cookies) and page that records every problem it sees. */
export async function openPage(browser: Browser, options: PageOptions): Promise<OpenPage> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    viewport: options.viewport ?? { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];

  page.on('response', (response) => {
    if (response.status() < 400) return;
    const { pathname } = new URL(response.url());
    if (options.allowHttpError?.(pathname, response.status())) return;
    problems.push(`HTTP ${response.status()} ${response.request().method()} ${pathname}`);
  });
  page.on('requestfailed', (request) => {
    // Aborted on purpose: a page left mid-request, or a fetch cancelled by its component.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(
      `request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? '?'})`,
    );
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    // Chromium's own line for an HTTP error answer: judged above, by status and path.
    if (message.text().startsWith('Failed to load resource')) return;
    problems.push(`console ${message.type()}: ${message.text()}`);
  });

  return { page, context, problems, close: () => context.close() };
}
