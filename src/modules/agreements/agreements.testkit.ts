/** Test helpers: the whole app with version 1 seeded and staff of every role the agreement needs, signed in. */

import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import type { Clock } from '../../clock.js';
import type { Options } from '../../config/options.js';
import type { DatabaseKind } from '../../db/database.js';
import type { StaffRole } from '../staff/staff.table.js';
import { addStaffDirectly, browser, sessionCookie } from '../staff/staff.testkit.js';

export interface AgreementTestApp extends TestApp {
  /** Session cookies by member name. */
  cookie: Record<'dpo' | 'legal' | 'support' | 'dpo2', string>;
}

const MEMBERS: { name: 'dpo' | 'legal' | 'support' | 'dpo2'; roles: StaffRole[] }[] = [
  { name: 'dpo', roles: ['dpo'] },
  { name: 'legal', roles: ['legal'] },
  { name: 'support', roles: ['support'] },
  { name: 'dpo2', roles: ['dpo'] },
];

export async function agreementTestApp(
  kind: DatabaseKind,
  opts: { clock?: Clock; options?: Partial<Options> } = {},
): Promise<AgreementTestApp> {
  const t = await createTestApp(kind, opts);
  await t.services.agreements.seed();
  for (const m of MEMBERS) {
    await addStaffDirectly(t.services.database, t.services.keyring, {
      id: `staff-${m.name}`,
      email: `${m.name}@cdti.uz`,
      password: `password of ${m.name} 123`,
      displayName: m.name,
      roles: m.roles,
    });
  }
  const app = { ...t, cookie: {} as AgreementTestApp['cookie'] };
  await signInAll(app);
  return app;
}

/** Signs every member in again (after a test moved the clock past the sessions' lifetime). */
export async function signInAll(t: AgreementTestApp): Promise<void> {
  const b = browser(t.app);
  for (const m of MEMBERS)
    t.cookie[m.name] = sessionCookie(await b.login(`${m.name}@cdti.uz`, `password of ${m.name} 123`));
}

/** A JSON request with a member's session. */
export function as(t: AgreementTestApp, who: keyof AgreementTestApp['cookie']) {
  return (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { cookie: t.cookie[who] },
      ...(payload ? { payload } : {}),
    });
}

/**
 * Records one acceptance of version 1 as an app's support staff would (by
 * default customer-42, in uz-Latn, on silen.uz) and fetches its receipt:
 * the receipt id and the receipt file's exact text.
 */
export async function issueReceipt(
  t: AgreementTestApp,
  over: { subjectId?: string; language?: string; siteId?: string } = {},
): Promise<{ receiptId: string; text: string }> {
  const accepted = await as(t, 'support')('POST', '/v1/agreements/acceptances', {
    subjectId: 'customer-42',
    version: 1,
    language: 'uz-Latn',
    siteId: 'silen.uz',
    ...over,
  });
  if (accepted.statusCode !== 201)
    throw new Error(`acceptance answered ${accepted.statusCode}: ${accepted.body}`);
  const receiptId = accepted.json().receiptId as string;
  const res = await t.app.inject({ url: `/v1/agreements/receipts/${receiptId}` });
  if (res.statusCode !== 200) throw new Error(`receipt answered ${res.statusCode}`);
  return { receiptId, text: res.body };
}

/**
 * Publishes the next version as the console does: the DPO drafts `draft` and
 * asks, legal approves. Returns its number; a refused step throws with its answer.
 */
export async function publishNextVersion(t: AgreementTestApp, draft: object): Promise<number> {
  const step = async (who: 'dpo' | 'legal', url: string, payload?: object) => {
    const res = await as(t, who)('POST', url, payload);
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const n: number = (await step('dpo', '/v1/agreements/versions', draft)).version.number;
  await step('dpo', `/v1/agreements/versions/${n}/publication-request`);
  await step('legal', `/v1/agreements/versions/${n}/publication-approval`);
  return n;
}
