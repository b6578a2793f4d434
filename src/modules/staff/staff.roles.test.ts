import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/db.js';
import { MaxfiyError } from '../../errors.js';
import { requireStaff, staffActor, staffCookieOptions } from '../../http/auth.js';
import { listActiveAdminIds } from './staff.store.js';
import type { StaffRole } from './staff.table.js';
import { addStaffDirectly, type StaffEnv, sessionCookie, staffEnv, tokenOf } from './staff.testkit.js';

const ADMIN = { email: 'admin@example.uz', password: 'admin password' };
const DPO = {
  id: '01900000-0000-7000-8000-000000000001',
  email: 'DPO@Example.uz',
  password: 'dpo password',
  displayName: 'Data Protection Officer',
  roles: ['dpo'] as StaffRole[],
};

describe.each(databaseKinds())('staff roles and guards on %s', (kind) => {
  let env: StaffEnv;
  let admin: { id: string; cookie: string };
  let dpoCookie: string;

  beforeEach(async () => {
    env = await staffEnv(await openTestDatabase(kind));
    const created = await env.browser.setUpAdmin(
      tokenOf(await env.staff.ensureSetupLink()),
      ADMIN.email,
      ADMIN.password,
    );
    admin = { id: created.json().staff.id, cookie: sessionCookie(created) };
    await addStaffDirectly(env.database, env.keyring, DPO);
    dpoCookie = sessionCookie(await env.browser.login(DPO.email, DPO.password));
  });
  afterEach(async () => {
    await env.close();
  });

  const call = (method: 'GET' | 'PUT', url: string, cookie?: string, body?: object) =>
    env.app.inject({ method, url, headers: cookie ? { cookie } : {}, ...(body ? { payload: body } : {}) });
  const setRoles = (id: string, roles: string[], cookie: string) =>
    call('PUT', `/v1/staff/${id}/roles`, cookie, { roles });

  it('asks for a session (401) and then for the role (403) before the staff list answers', async () => {
    const anonymous = await call('GET', '/v1/staff');
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'MXF_AUTH_REQUIRED']);
    const forged = await call('GET', '/v1/staff', `mxf_staff=${'A'.repeat(43)}`);
    expect(forged.statusCode).toBe(401);
    const dpo = await call('GET', '/v1/staff', dpoCookie);
    expect([dpo.statusCode, dpo.json().error.code]).toEqual([403, 'MXF_AUTH_FORBIDDEN']);
    const dpoChange = await setRoles(DPO.id, ['admin'], dpoCookie);
    expect(dpoChange.statusCode).toBe(403);

    const list = await call('GET', '/v1/staff', admin.cookie);
    expect(list.statusCode).toBe(200);
    expect(list.json().staff).toEqual([
      {
        id: DPO.id,
        email: 'dpo@example.uz',
        displayName: DPO.displayName,
        roles: ['dpo'],
        status: 'active',
        createdAt: 0,
      },
      {
        id: admin.id,
        email: ADMIN.email,
        displayName: 'First Admin',
        roles: ['admin'],
        status: 'active',
        createdAt: env.clock.now(),
      },
    ]);
  });

  it('lets no administrator change their own roles, and a change of roles by another applies at once', async () => {
    // Not to leave the role as the last administrator, nor to join a team a customer granted access to.
    for (const roles of [['dpo'], ['admin', 'support']]) {
      const own = await setRoles(admin.id, roles, admin.cookie);
      expect([own.statusCode, own.json().error.code]).toEqual([409, 'MXF_STAFF_SELF_ROLES']);
    }
    expect((await call('GET', '/v1/staff/me', admin.cookie)).json().staff.roles).toEqual(['admin']);

    const promoted = await setRoles(DPO.id, ['dpo', 'admin'], admin.cookie);
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().staff.roles).toEqual(['admin', 'dpo']);
    expect((await call('GET', '/v1/staff', dpoCookie)).statusCode).toBe(200);

    expect((await setRoles(admin.id, ['security'], dpoCookie)).statusCode).toBe(200);
    expect((await call('GET', '/v1/staff/me', admin.cookie)).json().staff.roles).toEqual(['security']);
    expect((await call('GET', '/v1/staff', admin.cookie)).statusCode).toBe(403);

    const changes = env.audit.entries.filter((e) => e.action === 'staff.roles.changed');
    expect(changes).toEqual([
      {
        actor: `staff:${admin.id}`,
        action: 'staff.roles.changed',
        target: `staff:${DPO.id}`,
        details: { from: ['dpo'], to: ['admin', 'dpo'] },
      },
      {
        actor: `staff:${DPO.id}`,
        action: 'staff.roles.changed',
        target: `staff:${admin.id}`,
        details: { from: ['admin'], to: ['security'] },
      },
    ]);
  });

  it('keeps an administrator when two demote each other at the same moment', async () => {
    expect((await setRoles(DPO.id, ['admin'], admin.cookie)).statusCode).toBe(200);
    // Each change waits inside its transaction (up to a moment) for the other to
    // get as far: without the lock on the administrators' rows both would then
    // commit and leave none. Straight to the service, so both pass their guard.
    let inside = 0;
    let bothInside = () => {};
    const together = new Promise<void>((resolve) => {
      bothInside = resolve;
    });
    env.audit.hold = async (entry) => {
      if (entry.action !== 'staff.roles.changed') return;
      if (++inside === 2) bothInside();
      await Promise.race([together, new Promise((resolve) => setTimeout(resolve, 300))]);
    };
    const outcomes = await Promise.allSettled([
      env.staff.setRoles(admin.id, DPO.id, ['dpo']),
      env.staff.setRoles(DPO.id, admin.id, ['dpo']),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'MXF_STAFF_LAST_ADMIN' });
    expect(await listActiveAdminIds(env.database.db)).toHaveLength(1);
  });

  it('answers an unknown staff id with 404 and an unknown role with 400', async () => {
    const missing = await setRoles('01900000-0000-7000-8000-00000000ffff', ['dpo'], admin.cookie);
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'MXF_STAFF_NOT_FOUND']);
    expect((await setRoles(DPO.id, ['root'], admin.cookie)).json().error.code).toBe('MXF_REQUEST_INVALID');
    expect((await setRoles(DPO.id, ['dpo', 'dpo'], admin.cookie)).json().error.code).toBe(
      'MXF_REQUEST_INVALID',
    );
    expect((await setRoles('not-an-id', ['dpo'], admin.cookie)).json().error.code).toBe(
      'MXF_REQUEST_INVALID',
    );
  });

  it('keeps no e-mail in clear anywhere in the staff tables', async () => {
    const tables = ['staff', 'staff_sessions', 'setup_tokens', 'login_states'] as const;
    await env.browser.startLogin(ADMIN.email, ADMIN.password); // leaves a pending login state
    for (const table of tables) {
      const rows = await env.database.db.selectFrom(table).selectAll().execute();
      for (const row of rows) {
        for (const value of Object.values(row)) {
          const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
          for (const email of [ADMIN.email, 'dpo@example.uz', 'example.uz'])
            expect(text).not.toContain(email);
        }
      }
    }
  });

  it('lets a guard ask for any one of several roles, and names the actor for the audit log', async () => {
    const app = Fastify({ logger: false });
    await app.register(fastifyCookie);
    app.setErrorHandler((err, _request, reply) =>
      reply.status(err instanceof MaxfiyError ? err.status : 500).send({ code: (err as MaxfiyError).code }),
    );
    app.get('/privacy', { preHandler: requireStaff(env.staff, 'dpo', 'legal') }, async (request) => ({
      actor: staffActor(request),
    }));
    const ask = (cookie?: string) =>
      app.inject({ method: 'GET', url: '/privacy', headers: cookie ? { cookie } : {} });
    expect((await ask(dpoCookie)).json()).toEqual({ actor: `staff:${DPO.id}` });
    expect((await ask(admin.cookie)).json()).toEqual({ code: 'MXF_AUTH_FORBIDDEN' });
    expect((await ask()).json()).toEqual({ code: 'MXF_AUTH_REQUIRED' });
    await app.close();
  });
});

describe('the staff session cookie', () => {
  it('is HttpOnly, SameSite=Strict on path /, and Secure exactly when the public URL is https', () => {
    expect(staffCookieOptions('https://privacy.example.uz')).toMatchObject({
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: true,
    });
    expect(staffCookieOptions('http://localhost:8080').secure).toBe(false);
  });
});
