import { authenticator } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser, type OpenPage, openPage } from '../helpers/browser.js';
import { PG_URL } from '../helpers/db.js';
import { createFirstAdmin, heading, preferLanguage, screenshot, signedOutIsFine } from './support.js';

/**
 * Staff invitations end to end in Chromium: the administrator (signed in
 * through the set-up link) invites a data protection officer, who opens the
 * link in a second browser context, sets a password, enrols an authenticator
 * app and lands in the console. Steps run in order.
 */

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let adminTab: OpenPage;
let admin: Page;
let dpoTab: OpenPage | undefined;

const DPO = {
  displayName: 'Nodira Yusupova',
  email: 'nodira.dpo@cdti.uz',
  password: 'amber-valley-compass-62',
};
/** What the journey learns on the way. */
const seen = { link: '', dpoSent: [] as string[] };

beforeAll(async () => {
  [t, browser] = await Promise.all([
    createTestApp(PG_URL ? 'postgres' : 'sqlite', { listen: true }),
    launchBrowser(),
  ]);
  const address = t.app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  adminTab = await openPage(browser, { baseURL: baseUrl, allowHttpError: signedOutIsFine });
  admin = adminTab.page;
  await preferLanguage(admin, 'en');
});

afterAll(async () => {
  await dpoTab?.close();
  await adminTab?.close();
  await browser?.close();
  await t?.close();
});

/** Enrols the authenticator app on the "Protect your account" page and waits for the console. */
async function enrolTotp(page: Page): Promise<void> {
  await expect.poll(() => heading(page)).toBe('Protect your account');
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
  await page.getByLabel('Six-digit code from the app').fill(authenticator.generate(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect.poll(() => heading(page)).toBe('Organisation');
}

async function menu(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Console menu' });
  await nav.waitFor();
  return (await nav.getByRole('link').allTextContents()).map((s) => s.trim());
}

describe('staff invitations in the console', () => {
  it('lets the administrator invite a data protection officer and shows the link once', async () => {
    const link = await t.services.staff.ensureSetupLink();
    await createFirstAdmin(admin, baseUrl, new URL(link ?? '').searchParams.get('token') ?? '');
    await enrolTotp(admin);

    expect(await menu(admin)).toContain('Staff');
    await admin.getByRole('link', { name: 'Staff', exact: true }).click();
    await expect.poll(() => heading(admin)).toBe('Staff');

    // Checked in the browser first: nothing chosen, nothing sent.
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await expect.poll(() => admin.getByText('Pick at least one role.').count()).toBe(1);

    await admin.getByLabel('Display name').fill(DPO.displayName);
    await admin.getByLabel('E-mail').fill(DPO.email);
    await admin.getByLabel('data protection officer').check();
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    const shown = admin.getByTestId('invite-link');
    await shown.waitFor();
    seen.link = ((await shown.textContent()) ?? '').trim();
    expect(seen.link).toMatch(/\/admin\/invite\?token=[A-Za-z0-9_-]{43}$/);
    await screenshot(admin, 'admin-staff-invited-en');
    await admin.getByRole('button', { name: 'Done' }).click();
    // The link is gone from the page; the invitation waits in the list.
    expect(await admin.getByTestId('invite-link').count()).toBe(0);
    const row = admin.getByRole('row', { name: new RegExp(DPO.displayName) });
    await row.waitFor();
    expect(await row.textContent()).toContain('data protection officer');
  });

  it('lets the invitee set a password, enrol an authenticator app and land in the console', async () => {
    dpoTab = await openPage(browser, { baseURL: baseUrl, allowHttpError: signedOutIsFine });
    const dpo = dpoTab.page;
    dpo.on('request', (request) => seen.dpoSent.push(`${request.url()} ${request.postData() ?? ''}`));
    await preferLanguage(dpo, 'en');
    const token = new URL(seen.link).searchParams.get('token') ?? '';
    await dpo.goto(`/admin/invite?token=${token}`);
    await expect.poll(() => heading(dpo)).toBe('Accept your invitation');
    // The one-time token leaves the address bar at once.
    await expect.poll(() => dpo.url()).toBe(`${baseUrl}/admin/invite`);
    const who = dpo.getByTestId('invite-who');
    await who.waitFor();
    expect(await who.textContent()).toContain(DPO.email);

    await dpo.getByLabel('Password', { exact: true }).fill(DPO.password);
    await dpo.getByLabel('Repeat the password').fill(DPO.password);
    await dpo.getByRole('button', { name: 'Set password' }).click();
    await enrolTotp(dpo);
    await screenshot(dpo, 'admin-staff-dpo-console-en');

    // A data protection officer, not an administrator: no staff screen in the menu.
    const items = await menu(dpo);
    expect(items).toContain('Organisation');
    expect(items).not.toContain('Staff');
    const password = Buffer.from(DPO.password, 'utf8');
    for (const form of [DPO.password, password.toString('base64'), password.toString('hex')])
      for (const request of seen.dpoSent) expect(request).not.toContain(form);
  });

  it('shows the new member with the role, and no pending invitation', async () => {
    await admin.reload();
    await expect.poll(() => heading(admin)).toBe('Staff');
    const row = admin.getByRole('row', { name: new RegExp(DPO.displayName) });
    await row.waitFor();
    expect(await row.textContent()).toContain('active');
    await expect.poll(() => admin.getByText('No invitations are pending.').count()).toBe(1);
  });

  it('changes the member’s roles, then deactivates them after a confirmation, ending their session', async () => {
    const row = admin.getByRole('row', { name: new RegExp(DPO.displayName) });
    await row.getByRole('button', { name: `Change the roles of ${DPO.displayName}` }).click();
    await row.getByLabel('legal').check();
    await row.getByRole('button', { name: 'Save roles' }).click();
    await expect
      .poll(async () => (await row.textContent()) ?? '')
      .toContain('data protection officer, legal');
    const entries = await t.services.audit.entries({ limit: 1000 });
    expect(entries.filter((e) => e.action === 'staff.roles.changed').map((e) => e.details)).toEqual([
      // A role that publishes was given: the other DPOs, legal members and auditors were told (staff.watch.ts).
      { from: ['dpo'], to: ['dpo', 'legal'], publishersTold: expect.any(Number) },
    ]);

    await row.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => row.getByRole('alert').textContent()).toContain(`Deactivate ${DPO.displayName}?`);
    await row.getByRole('button', { name: 'Yes, deactivate' }).click();
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('deactivated');
    await screenshot(admin, 'admin-staff-members-en');

    // The member's console closes: their session is gone.
    const dpo = dpoTab?.page as Page;
    await dpo.reload();
    await dpo.waitForURL('**/admin/signin');
  });

  it('reactivates the member after a confirmation, and the audit log names who did it', async () => {
    const row = admin.getByRole('row', { name: new RegExp(DPO.displayName) });
    expect(await row.getByRole('button', { name: 'Deactivate' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(() => row.getByRole('alert').textContent()).toContain(`Reactivate ${DPO.displayName}?`);
    await row.getByRole('button', { name: 'Yes, reactivate' }).click();
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('active');
    await expect.poll(() => row.getByRole('button', { name: 'Deactivate' }).count()).toBe(1);
    const entries = await t.services.audit.entries({ limit: 1000 });
    expect(entries.filter((e) => e.action === 'staff.reactivated').map((e) => e.target)).toHaveLength(1);
  });

  it('resets the member’s sign-in: the link is shown once, and they set a new password and a new factor', async () => {
    const row = admin.getByRole('row', { name: new RegExp(DPO.displayName) });
    await row.getByRole('button', { name: `Reset the sign-in of ${DPO.displayName}` }).click();
    await expect
      .poll(() => row.getByRole('alert').textContent())
      .toContain(`Reset the sign-in of ${DPO.displayName}?`);
    await row.getByRole('button', { name: 'Yes, reset' }).click();
    await expect.poll(() => admin.getByRole('heading', { name: 'Sign-in reset link' }).count()).toBe(1);
    const link = ((await admin.getByTestId('invite-link').textContent()) ?? '').trim();
    expect(link).toMatch(/\/admin\/reset\?token=/);
    await admin.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('deactivated');

    const dpo = dpoTab?.page as Page;
    await dpo.goto(`/admin/reset?token=${new URL(link).searchParams.get('token') ?? ''}`);
    await expect.poll(() => heading(dpo)).toBe('Set a new password');
    await expect.poll(() => dpo.url()).toBe(`${baseUrl}/admin/reset`);
    expect(await dpo.getByTestId('invite-who').textContent()).toBe(`New password for ${DPO.displayName}.`);
    const fresh = 'river-lantern-quartz-48';
    await dpo.getByLabel('Password', { exact: true }).fill(fresh);
    await dpo.getByLabel('Repeat the password').fill(fresh);
    await dpo.getByRole('button', { name: 'Set new password' }).click();
    // The old authenticator app is gone with the old password: a new factor first.
    await enrolTotp(dpo);
    await admin.reload();
    await expect.poll(async () => (await row.textContent()) ?? '').not.toContain('deactivated');
    const actions = (await t.services.audit.entries({ limit: 1000 })).map((e) => e.action);
    expect(actions).toContain('staff.reset.issued');
    expect(actions).toContain('staff.reset.completed');
    for (const request of seen.dpoSent) expect(request).not.toContain(fresh);
  });

  it('saw no console error and no failed request along the way', () => {
    expect(adminTab.problems).toEqual([]);
    expect(dpoTab?.problems).toEqual([]);
  });
});
