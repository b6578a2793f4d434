import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import type { StaffRole } from './staff.table.js';
import { addStaffDirectly, type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

/**
 * One administrator can make a DPO or a legal member out of an address of
 * their own (an invitation, a role, a reactivation) or take an existing one
 * over (a sign-in reset whose link they were shown). The other DPOs, legal
 * members and auditors hear of each at once, by mail, so the two-person rule
 * for publishing the agreement is not only as strong as one administrator.
 */
const member = (name: string, n: number, roles: StaffRole[]) => ({
  id: `01900000-0000-7000-8000-0000000000${n}`,
  email: `${name}@example.uz`,
  password: `${name} password`,
  displayName: `${name[0]?.toUpperCase()}${name.slice(1)} Karimova`,
  roles,
});
const DPO = member('dpo', 11, ['dpo']);
const LEGAL = member('legal', 12, ['legal']);
const AUDITOR = member('auditor', 13, ['auditor']);
const SUPPORT = member('support', 14, ['support']);
const NEWBIE = member('newbie', 15, ['marketing']);
const WATCHERS = ['auditor@example.uz', 'dpo@example.uz', 'legal@example.uz'];

describe.each(databaseKinds())('the watch on accounts that publish the agreement, on %s', (kind) => {
  let env: StaffEnv;
  let admin: { id: string; cookie: string };
  let seen = 0;
  /** The mails delivered since the last call. */
  const newMail = async () => {
    const all = await env.deliverMail();
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  const toWatchers = async () =>
    (await newMail())
      .filter((m) => m.subject.includes('publishes the agreement'))
      .map((m) => m.to)
      .sort();

  beforeEach(async () => {
    seen = 0;
    env = await staffEnv(await openTestDatabase(kind));
    const created = await env.browser.setUpAdmin(
      tokenOf(await env.staff.ensureSetupLink()),
      'admin@example.uz',
      'admin password',
    );
    admin = { id: created.json().staff.id, cookie: sessionCookie(created) };
    for (const m of [DPO, LEGAL, AUDITOR, SUPPORT, NEWBIE])
      await addStaffDirectly(env.database, env.keyring, m);
    await newMail();
  });
  afterEach(async () => env.close());

  it('tells every other DPO, legal member and auditor when a member is given a role that publishes', async () => {
    await env.staff.setRoles(admin.id, NEWBIE.id, ['marketing', 'legal']);
    const mails = await newMail();
    expect(mails.map((m) => m.to).sort()).toEqual(WATCHERS);
    const text = mails[0]?.text ?? '';
    expect(text).toContain('Newbie Karimova (legal) was given a new role');
    expect(text).toContain('Newbie Karimova (legal) получил(а) новую роль');
    expect(text).toContain('http://localhost:8080/admin/audit');
    const changed = env.audit.entries.filter((e) => e.action === 'staff.roles.changed').at(-1);
    expect(changed?.details).toEqual({ from: ['marketing'], to: ['legal', 'marketing'], publishersTold: 3 });

    // No role that publishes is new: nobody is told, and the audit entry says nothing of it.
    await env.staff.setRoles(admin.id, NEWBIE.id, ['marketing', 'legal', 'support']);
    await env.staff.setRoles(admin.id, SUPPORT.id, ['marketing']);
    expect(await toWatchers()).toEqual([]);
    expect(env.audit.entries.filter((e) => e.action === 'staff.roles.changed').at(-1)?.details).toEqual({
      from: ['support'],
      to: ['marketing'],
    });
  });

  it('tells them when a member who can publish is reactivated, or sets a password after a sign-in reset', async () => {
    await env.staff.deactivate(admin.id, DPO.id);
    expect(await toWatchers()).toEqual([]);
    await env.staff.reactivate(admin.id, DPO.id);
    // The member themself is not told of their own change.
    expect(await toWatchers()).toEqual(['auditor@example.uz', 'legal@example.uz']);

    const reset = await env.app.inject({
      method: 'POST',
      url: `/v1/staff/${LEGAL.id}/reset`,
      headers: { cookie: admin.cookie },
      payload: { language: 'en' },
    });
    expect(reset.statusCode).toBe(201);
    // Issued: the member hears of it at their own address; the others when a password is set with the link.
    expect((await newMail()).map((m) => m.to)).toEqual(['legal@example.uz']);
    const done = await env.browser.resetSignIn(tokenOf(reset.json().link), 'the administrator chose this');
    expect(done.statusCode).toBe(201);
    const mails = await newMail();
    expect(mails.map((m) => m.to).sort()).toEqual(['auditor@example.uz', 'dpo@example.uz']);
    expect(mails[0]?.text).toContain('Legal Karimova (legal) had a new password set after a sign-in reset');
  });

  it('tells them when an invited DPO or legal member joins, and tells nobody of other roles', async () => {
    const invite = async (email: string, roles: StaffRole[]) => {
      const res = await env.app.inject({
        method: 'POST',
        url: '/v1/staff/invites',
        headers: { cookie: admin.cookie },
        payload: { email, displayName: 'Invited Member', roles, language: 'uz-Latn' },
      });
      expect(res.statusCode, res.body).toBe(201);
      await newMail();
      const accepted = await env.browser.acceptInvite(tokenOf(res.json().link), `${email} password`);
      expect(accepted.statusCode, accepted.body).toBe(201);
    };
    await invite('second-dpo@example.uz', ['dpo']);
    expect(await toWatchers()).toEqual(WATCHERS);
    await invite('helper@example.uz', ['support']);
    expect(await toWatchers()).toEqual([]);
  });
});
