import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { INVITE_TTL_MS } from './staff.invites.js';
import type { StaffRole } from './staff.table.js';
import { addStaffDirectly, type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

const ADMIN = { email: 'admin@example.uz', password: 'admin password' };
const INVITEE = {
  email: 'Nodira.DPO@Example.uz',
  displayName: 'Nodira Yusupova',
  password: 'dpo password 1',
};
const SUPPORT = {
  id: '01900000-0000-7000-8000-0000000000aa',
  email: 'support@example.uz',
  password: 'support password',
  displayName: 'Support',
  roles: ['support'] as StaffRole[],
};

describe.each(databaseKinds())('staff invitations on %s', (kind) => {
  let env: StaffEnv;
  let admin: { id: string; cookie: string };

  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
    const created = await env.browser.setUpAdmin(
      tokenOf(await env.staff.ensureSetupLink()),
      ADMIN.email,
      ADMIN.password,
    );
    admin = { id: created.json().staff.id, cookie: sessionCookie(created) };
  });
  afterEach(async () => {
    await env.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, cookie?: string, body?: object) =>
    env.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(body ? { payload: body } : {}) });
  const invite = (roles: StaffRole[] = ['dpo'], who = INVITEE, cookie = admin.cookie) =>
    call('POST', '/v1/staff/invites', cookie, {
      email: who.email,
      displayName: who.displayName,
      roles,
      language: 'en',
    });
  const codeOf = (res: { statusCode: number; json(): { error: { code: string } } }) => [
    res.statusCode,
    res.json().error.code,
  ];

  it('invites by mail, and the invitee sets a password, must enrol a factor, then signs in with the roles', async () => {
    const res = await invite(['dpo', 'legal']);
    expect(res.statusCode).toBe(201);
    const { invite: sent, link } = res.json() as { invite: { id: string }; link: string };
    expect(sent).toMatchObject({
      email: 'nodira.dpo@example.uz',
      displayName: INVITEE.displayName,
      roles: ['dpo', 'legal'],
      invitedBy: admin.id,
      expiresAt: env.clock.now() + INVITE_TTL_MS,
    });
    expect(link).toMatch(/^http:\/\/localhost:8080\/admin\/invite\?token=[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(link);

    // The same link went out by mail, through the outbox.
    const mails = await env.deliverMail();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toBe('nodira.dpo@example.uz');
    expect(mails[0]?.text).toContain(link);

    const pending = await call('GET', '/v1/staff/invites', admin.cookie);
    expect(pending.json().invites.map((i: { id: string }) => i.id)).toEqual([sent.id]);
    const check = await call('POST', '/v1/staff/invite/check', undefined, { token });
    expect(check.json()).toEqual({
      email: 'nodira.dpo@example.uz',
      displayName: INVITEE.displayName,
      roles: ['dpo', 'legal'],
    });

    const accepted = await env.browser.acceptInvite(token, INVITEE.password);
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toEqual({
      staff: { id: sent.id, displayName: INVITEE.displayName, roles: ['dpo', 'legal'] },
      factorRequired: true,
    });
    // Until a factor is enrolled the session opens nothing else.
    const limited = sessionCookie(accepted);
    expect((await call('GET', '/v1/staff/me', limited)).json().factorRequired).toBe(true);
    const refused = await call('PUT', `/v1/staff/${sent.id}/roles`, limited, { roles: ['admin'] });
    expect(codeOf(refused)).toEqual([403, 'MXF_STAFF_FACTOR_REQUIRED']);
    await env.browser.enrolTotp(limited, INVITEE.email);
    expect((await call('GET', '/v1/staff/me', limited)).json()).toEqual({
      staff: { id: sent.id, displayName: INVITEE.displayName, roles: ['dpo', 'legal'] },
    });

    const signedIn = await env.browser.login(INVITEE.email, INVITEE.password);
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().staff.roles).toEqual(['dpo', 'legal']);

    // Accepted: no longer pending, listed as staff, and the password never left the browser.
    expect((await call('GET', '/v1/staff/invites', admin.cookie)).json().invites).toEqual([]);
    const list = (await call('GET', '/v1/staff', admin.cookie)).json().staff as { id: string }[];
    expect(list.map((m) => m.id)).toContain(sent.id);
    for (const body of env.browser.sent) expect(body).not.toContain(INVITEE.password);

    const entries = env.audit.entries.filter(
      (e) => e.action === 'staff.invited' || e.action === 'staff.created',
    );
    expect(entries.slice(-2)).toEqual([
      {
        actor: `staff:${admin.id}`,
        action: 'staff.invited',
        target: `staff:${sent.id}`,
        details: { roles: ['dpo', 'legal'], expiresAt: env.clock.now() + INVITE_TTL_MS },
      },
      {
        actor: `staff:${sent.id}`,
        action: 'staff.created',
        target: `staff:${sent.id}`,
        // A DPO and legal member joined; nobody else here publishes or audits, so nobody was told.
        details: {
          roles: ['dpo', 'legal'],
          via: 'invitation',
          invitedBy: `staff:${admin.id}`,
          publishersTold: 0,
        },
      },
    ]);
    expect(JSON.stringify(env.audit.entries)).not.toMatch(/example\.uz|Nodira/i);
  });

  it('refuses a used, expired, revoked or forged link alike, and changes nothing', async () => {
    const used = tokenOf((await invite()).json().link);
    expect((await env.browser.acceptInvite(used, INVITEE.password)).statusCode).toBe(201);
    const again = await env.browser.acceptInvite(used, 'another password');
    expect(codeOf(again)).toEqual([400, 'MXF_STAFF_INVITE_INVALID']);

    const other = { ...INVITEE, email: 'late@example.uz' };
    const expired = tokenOf((await invite(['legal'], other)).json().link);
    env.clock.advance(INVITE_TTL_MS);
    expect(codeOf(await env.browser.acceptInvite(expired, 'late password'))).toEqual([
      400,
      'MXF_STAFF_INVITE_INVALID',
    ]);
    expect(codeOf(await call('POST', '/v1/staff/invite/check', undefined, { token: expired }))).toEqual([
      400,
      'MXF_STAFF_INVITE_INVALID',
    ]);

    // Three days on, the administrator's session has long ended: sign in again.
    admin.cookie = sessionCookie(await env.browser.login(ADMIN.email, ADMIN.password));
    const third = { ...INVITEE, email: 'revoked@example.uz' };
    const made = (await invite(['support'], third)).json() as { invite: { id: string }; link: string };
    const revoked = await call('DELETE', `/v1/staff/invites/${made.invite.id}`, admin.cookie);
    expect(revoked.statusCode).toBe(204);
    expect(codeOf(await call('DELETE', `/v1/staff/invites/${made.invite.id}`, admin.cookie))).toEqual([
      404,
      'MXF_STAFF_INVITE_NOT_FOUND',
    ]);
    expect(codeOf(await env.browser.acceptInvite(tokenOf(made.link), 'revoked password'))).toEqual([
      400,
      'MXF_STAFF_INVITE_INVALID',
    ]);

    const forged = `${tokenOf(made.link).slice(0, -2)}AA`;
    expect(codeOf(await env.browser.acceptInvite(forged, 'forged password'))).toEqual([
      400,
      'MXF_STAFF_INVITE_INVALID',
    ]);
    const malformed = await call('POST', '/v1/staff/invite/check', undefined, { token: 'short' });
    expect(codeOf(malformed)).toEqual([400, 'MXF_REQUEST_INVALID']);

    // Only the first acceptance created anyone.
    const staff = (await call('GET', '/v1/staff', admin.cookie)).json().staff as { email: string }[];
    expect(staff.map((m) => m.email).sort()).toEqual([ADMIN.email, 'nodira.dpo@example.uz']);
    expect(env.audit.entries.filter((e) => e.action === 'staff.invite.revoked')).toEqual([
      { actor: `staff:${admin.id}`, action: 'staff.invite.revoked', target: `staff:${made.invite.id}` },
    ]);
  });

  it('lets only administrators invite, and refuses a second invitation or an existing member', async () => {
    await addStaffDirectly(env.database, env.keyring, SUPPORT);
    const support = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    expect(codeOf(await invite(['dpo'], INVITEE, support))).toEqual([403, 'MXF_AUTH_FORBIDDEN']);
    expect((await call('GET', '/v1/staff/invites', support)).statusCode).toBe(403);
    expect((await call('GET', '/v1/staff/invites')).statusCode).toBe(401);

    expect((await invite()).statusCode).toBe(201);
    expect(codeOf(await invite())).toEqual([409, 'MXF_STAFF_ALREADY_INVITED']);
    expect(codeOf(await invite(['dpo'], { ...INVITEE, email: SUPPORT.email }))).toEqual([
      409,
      'MXF_STAFF_EMAIL_TAKEN',
    ]);
    expect(codeOf(await invite([]))).toEqual([400, 'MXF_REQUEST_INVALID']);
    expect(codeOf(await invite(['root' as StaffRole]))).toEqual([400, 'MXF_REQUEST_INVALID']);
    // An address that could be stored but never mailed (the mail module refuses these characters).
    for (const email of ['boss,x@example.uz', 'a;b@example.uz', '"a"@example.uz', 'a@[10.0.0.1].uz'])
      expect(codeOf(await invite(['dpo'], { ...INVITEE, email })), email).toEqual([
        400,
        'MXF_REQUEST_INVALID',
      ]);
    expect(await env.deliverMail()).toHaveLength(1);
  });

  it('deactivates a member: their sessions end, they cannot sign in; never oneself or the last administrator', async () => {
    await addStaffDirectly(env.database, env.keyring, SUPPORT);
    const support = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    expect((await call('GET', '/v1/staff/me', support)).statusCode).toBe(200);

    expect(codeOf(await call('POST', `/v1/staff/${SUPPORT.id}/deactivate`, support))).toEqual([
      403,
      'MXF_AUTH_FORBIDDEN',
    ]);
    expect(codeOf(await call('POST', `/v1/staff/${admin.id}/deactivate`, admin.cookie))).toEqual([
      409,
      'MXF_STAFF_SELF_DEACTIVATE',
    ]);
    const unknown = '01900000-0000-7000-8000-0000000000ff';
    expect(codeOf(await call('POST', `/v1/staff/${unknown}/deactivate`, admin.cookie))).toEqual([
      404,
      'MXF_STAFF_NOT_FOUND',
    ]);
    // Straight to the service, past the guard: even so the last administrator stays.
    await expect(env.staff.deactivate(SUPPORT.id, admin.id)).rejects.toMatchObject({
      code: 'MXF_STAFF_LAST_ADMIN',
    });

    expect((await call('POST', `/v1/staff/${SUPPORT.id}/deactivate`, admin.cookie)).statusCode).toBe(204);
    expect(codeOf(await call('GET', '/v1/staff/me', support))).toEqual([401, 'MXF_AUTH_REQUIRED']);
    const started = await env.browser.startLogin(SUPPORT.email, SUPPORT.password);
    const finished = await env.browser.finishLoginOnly(started.loginId ?? '', started.finishRequest ?? '');
    expect(codeOf(finished)).toEqual([401, 'MXF_STAFF_SIGNIN_FAILED']);
    const list = (await call('GET', '/v1/staff', admin.cookie)).json().staff as {
      id: string;
      status: string;
    }[];
    expect(list.find((m) => m.id === SUPPORT.id)?.status).toBe('disabled');
    // Again: nothing more to do, nothing more audited.
    expect((await call('POST', `/v1/staff/${SUPPORT.id}/deactivate`, admin.cookie)).statusCode).toBe(204);
    expect(env.audit.entries.filter((e) => e.action === 'staff.deactivated')).toEqual([
      {
        actor: `staff:${admin.id}`,
        action: 'staff.deactivated',
        target: `staff:${SUPPORT.id}`,
        details: { sessionsEnded: 1 },
      },
    ]);
    // The first administrator cannot give up the role: no one changes their own roles.
    const demote = await call('PUT', `/v1/staff/${admin.id}/roles`, admin.cookie, { roles: ['support'] });
    expect(codeOf(demote)).toEqual([409, 'MXF_STAFF_SELF_ROLES']);
    // Nor can anyone else leave none, straight at the service past the guard.
    await expect(env.staff.setRoles(SUPPORT.id, admin.id, ['support'])).rejects.toMatchObject({
      code: 'MXF_STAFF_LAST_ADMIN',
    });
  });

  it('reactivates a deactivated member: they sign in again afresh, and no old session comes back', async () => {
    await addStaffDirectly(env.database, env.keyring, SUPPORT);
    const before = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    expect((await call('POST', `/v1/staff/${SUPPORT.id}/deactivate`, admin.cookie)).statusCode).toBe(204);

    expect(codeOf(await call('POST', `/v1/staff/${SUPPORT.id}/reactivate`, before))).toEqual([
      401,
      'MXF_AUTH_REQUIRED',
    ]);
    const unknown = '01900000-0000-7000-8000-0000000000ff';
    expect(codeOf(await call('POST', `/v1/staff/${unknown}/reactivate`, admin.cookie))).toEqual([
      404,
      'MXF_STAFF_NOT_FOUND',
    ]);
    expect(codeOf(await call('POST', '/v1/staff/not-an-id/reactivate', admin.cookie))).toEqual([
      400,
      'MXF_REQUEST_INVALID',
    ]);

    expect((await call('POST', `/v1/staff/${SUPPORT.id}/reactivate`, admin.cookie)).statusCode).toBe(204);
    // The session ended at deactivation stays ended; a new sign-in works.
    expect(codeOf(await call('GET', '/v1/staff/me', before))).toEqual([401, 'MXF_AUTH_REQUIRED']);
    const after = sessionCookie(await env.browser.login(SUPPORT.email, SUPPORT.password));
    expect((await call('GET', '/v1/staff/me', after)).statusCode).toBe(200);
    // A support member cannot reactivate anyone.
    expect(codeOf(await call('POST', `/v1/staff/${SUPPORT.id}/reactivate`, after))).toEqual([
      403,
      'MXF_AUTH_FORBIDDEN',
    ]);
    // Again: already active, nothing more audited.
    expect((await call('POST', `/v1/staff/${SUPPORT.id}/reactivate`, admin.cookie)).statusCode).toBe(204);
    expect(env.audit.entries.filter((e) => e.action === 'staff.reactivated')).toEqual([
      {
        actor: `staff:${admin.id}`,
        action: 'staff.reactivated',
        target: `staff:${SUPPORT.id}`,
        details: { roles: SUPPORT.roles },
      },
    ]);
  });
});
