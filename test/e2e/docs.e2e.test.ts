import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../helpers/browser.js';
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

describe('the API reference', () => {
  it('renders /openapi.json at /docs under the strict content security policy, with no console error', async () => {
    const tab = await openPage(browser, { baseURL: target.baseUrl });
    try {
      await tab.page.goto('/docs');
      await tab.page.getByText('maxfiy API').first().waitFor({ timeout: 60_000 });
      await expect
        .poll(() => tab.page.getByText('/v1/org/sites').count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      mkdirSync('test-artifacts/screenshots', { recursive: true });
      await tab.page.screenshot({ path: 'test-artifacts/screenshots/docs-en.png' });
      expect(tab.problems).toEqual([]);
    } finally {
      await tab.close();
    }
  });
});
