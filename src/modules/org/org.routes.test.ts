import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { catalogue } from '../../errors.js';
import { addStaffDirectly, browser, sessionCookie } from '../staff/staff.testkit.js';
import * as store from './org.store.js';

const CONTACT = { email: 'dpo@company.example', phone: '+998712000000', address: 'Example street 1, 100000' };

describe.each(databaseKinds())('the company’s contact details over HTTP on %s', (kind) => {
  let t: TestApp;
  const cookie: Record<'admin' | 'support', string> = { admin: '', support: '' };
  beforeAll(async () => {
    t = await createTestApp(kind);
    for (const role of ['admin', 'support'] as const) {
      const member = { email: `${role}@cdti.uz`, password: `password of ${role} 123` };
      await addStaffDirectly(t.services.database, t.services.keyring, {
        id: `staff-${role}`,
        displayName: role,
        roles: [role],
        ...member,
      });
      cookie[role] = sessionCookie(await browser(t.app).login(member.email, member.password));
    }
  }, 120_000);
  afterAll(async () => t?.close());

  const patch = (payload: unknown, who: keyof typeof cookie = 'admin') =>
    t.app.inject({
      method: 'PATCH',
      url: '/v1/org/company',
      headers: { cookie: cookie[who], 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  const company = async () =>
    (await t.app.inject({ url: '/v1/org', headers: { cookie: cookie.admin } })).json().company;

  it('ships none: the company has to fill them in', async () => {
    expect(await company()).toMatchObject({ email: null, phone: null, address: null });
  });

  it('keeps what an administrator sets, clears a field set to null, and audits which fields changed', async () => {
    const size = await t.services.audit.size();
    const set = await patch(CONTACT);
    expect(set.statusCode).toBe(200);
    expect(set.json().company).toMatchObject(CONTACT);
    expect(await company()).toMatchObject(CONTACT);
    expect(await store.findCompany(t.services.database.db)).toMatchObject(CONTACT);
    const entries = await t.services.audit.entries({ after: size - 1, limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'org.company.updated',
      target: 'company:cdti',
      details: { fields: ['address', 'email', 'phone'] },
    });
    // The entry names the fields, never the values.
    expect(JSON.stringify(entries[0])).not.toContain(CONTACT.phone);

    const cleared = await patch({ phone: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().company).toMatchObject({ ...CONTACT, phone: null });
    expect(await store.findCompany(t.services.database.db)).toMatchObject({ ...CONTACT, phone: null });

    expect((await patch({ email: null, address: null })).statusCode).toBe(200);
    expect(await company()).toMatchObject({ email: null, phone: null, address: null });
    // The rest of the company is as it was.
    expect(await company()).toMatchObject({ id: 'cdti', city: 'Tashkent', country: 'UZ', tin: null });
  });

  it('refuses a malformed e-mail, phone or address with a catalogued 400, changing nothing', async () => {
    expect((await patch(CONTACT)).statusCode).toBe(200);
    const before = await store.findCompany(t.services.database.db);
    const size = await t.services.audit.size();
    const bad: Record<string, unknown>[] = [
      { email: 'not an address' },
      { email: 'dpo@company' },
      { email: 'dpo company.example' },
      { email: ' dpo@company.example' },
      { email: 'dpo@@company.example' },
      { email: `${'d'.repeat(245)}@company.example` },
      { email: '' },
      { email: 42 },
      { phone: '998712000000' },
      { phone: '+0712000000' },
      { phone: '+998 71 200 00 00' },
      { phone: '+12345' },
      { phone: '+1234567890123456' },
      { phone: '+99871200000x' },
      { phone: 998712000000 },
      { phone: '' },
      { address: '' },
      { address: '   ' },
      { address: 'x'.repeat(301) },
      { address: 'first line\nsecond line' },
      { address: 'tab\there' },
      // A control character next to text (the old pattern let its "something besides spaces" be one).
      { address: 'Street 1\u0000' },
      { address: 'Street\u001b[31m 1' },
      { address: '\u0007Street 1' },
      // Long inputs that fail at the very end: the old patterns backtracked quadratically
      // (64,000 characters took 2.8 s); these take milliseconds, or run past the test's timeout.
      { address: `${'a'.repeat(200_000)}\u0001\u0001` },
      { email: `a@${'.'.repeat(200_000)} ` },
      { email: `a@${'b.'.repeat(100_000)}` },
      { email: 'dpo@company.example', phone: 'call us' },
      { fax: '+998712000001' },
      {},
    ];
    for (const payload of bad) {
      const res = await patch(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const { code, message } = res.json().error;
      expect(code, JSON.stringify(payload)).toBe('MXF_REQUEST_INVALID');
      expect(Object.keys(catalogue)).toContain(code);
      // The answer names the field at most, never the value sent.
      for (const value of Object.values(payload))
        if (typeof value === 'string' && value.trim()) expect(res.body).not.toContain(value.trim());
      expect(message).toBeTruthy();
    }
    expect(await store.findCompany(t.services.database.db)).toEqual(before);
    expect(await t.services.audit.size()).toBe(size);
    // At the limits, accepted.
    const longest = { email: `${'d'.repeat(238)}@company.example`, address: 'x'.repeat(300) };
    expect(longest.email).toHaveLength(254);
    expect((await patch({ ...longest, phone: '+123456789012345' })).statusCode).toBe(200);
    expect((await patch({ phone: '+1234567' })).statusCode).toBe(200);
  });

  it('lets administrators only change them', async () => {
    const before = await store.findCompany(t.services.database.db);
    const res = await patch({ phone: '+998712000009' }, 'support');
    expect(res.statusCode).toBe(403);
    const anonymous = await t.app.inject({
      method: 'PATCH',
      url: '/v1/org/company',
      payload: { phone: '+998712000009' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(await store.findCompany(t.services.database.db)).toEqual(before);
  });
});
