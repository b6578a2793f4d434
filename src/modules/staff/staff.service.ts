import { randomBytes } from 'node:crypto';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newToken } from '../../ids.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import { createFactorService, type FactorService } from '../factors/factors.service.js';
import { createSigninThrottle, type SigninKeys, type SigninThrottle } from './signin-throttle.js';
import { normaliseEmail, once, openState, passwordMark, sealState } from './staff.crypto.js';
import { createStaffFactorFlows, type StaffFactorFlows } from './staff.factors.js';
import { createStaffInvitations, type StaffInvitations } from './staff.invites.js';
import { createOpaqueServer } from './staff.opaque.js';
import { createStaffResets, type StaffResets } from './staff.resets.js';
import { createStaffSessions, type StaffPrincipal, type StaffSessionView } from './staff.sessions.js';
import { createFirstAdminSetup, type FirstAdminSetup } from './staff.setup.js';
import * as store from './staff.store.js';
import type { StaffRole } from './staff.table.js';
import { createPublisherWatch } from './staff.watch.js';

export type { StaffPrincipal } from './staff.sessions.js';

/** The browser has this long to answer the server's login message; then the state is gone. */
export const LOGIN_STATE_TTL_MS = 2 * 60_000;

const KIND_LOGIN = 'staff-login';

/** A staff member as administrators see them. */
export interface StaffMember extends StaffPrincipal {
  email: string;
  status: 'active' | 'disabled';
  createdAt: number;
}

/** The slice of pino the service uses; never given personal data. */
export interface StaffLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface StaffServiceDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  options: { publicUrl: string };
  logger: StaffLogger;
  /** Invitation mails are queued here. */
  outbox: Outbox;
  /** Defaults to the in-memory back-off of `signin-throttle.ts`. */
  throttle?: SigninThrottle;
  /** Defaults to a factor service on the same database and keys. */
  factors?: FactorService;
}

/** What a correct password gives: a session (limited while no factor is enrolled), or a second step to take. */
export type PasswordSignin =
  | { staff: StaffPrincipal; sessionToken: string; factorRequired: boolean }
  | { pendingId: string; secondFactor: 'totp' };

export interface StaffService extends FirstAdminSetup, StaffInvitations, StaffResets {
  readonly publicUrl: string;
  startLogin(input: {
    email: string;
    startLoginRequest: string;
    ip?: string;
  }): Promise<{ loginId: string; loginResponse: string }>;
  finishLogin(input: {
    loginId: string;
    finishLoginRequest: string;
    ip?: string;
    userAgent?: string;
  }): Promise<PasswordSignin>;
  authenticate(token: string | undefined): Promise<StaffPrincipal | null>;
  /** The live session, including one limited to enrolling a factor. */
  session(token: string | undefined): Promise<StaffSessionView | null>;
  /** Second factors, passkey sign-in and enrolment for staff. */
  readonly factors: StaffFactorFlows;
  logout(token: string | undefined): Promise<void>;
  listStaff(): Promise<StaffMember[]>;
  setRoles(actorId: string, staffId: string, roles: StaffRole[]): Promise<StaffMember>;
}

/** What is kept, sealed, between the two login round trips. */
interface LoginState {
  serverLoginState: string;
  /** Null when the e-mail is unknown: the login can only fail, but must not look different. */
  staffId: string | null;
  /** The password the proof is checked against (`passwordMark`); absent when the e-mail is unknown. */
  password?: string | undefined;
  throttle: SigninKeys;
}

export function createStaffService(deps: StaffServiceDeps): StaffService {
  const { database, keyring, audit, clock, logger } = deps;
  const publicUrl = deps.options.publicUrl;
  const throttle = deps.throttle ?? createSigninThrottle({ clock });
  const opaque = createOpaqueServer(keyring);
  const sessions = createStaffSessions({ database, audit, clock });
  const factorService =
    deps.factors ?? createFactorService({ database, keyring, audit, clock, options: { publicUrl } });
  const factors = createStaffFactorFlows({
    database,
    audit,
    clock,
    factors: factorService,
    sessions,
    throttle,
  });
  const stateKey = once(() => keyring.secret('login-state-key', () => randomBytes(32)));
  const emailIndex = (normalised: string) => keyring.blindIndex('staff-email', normalised);
  const setup = createFirstAdminSetup({
    database,
    keyring,
    audit,
    clock,
    publicUrl,
    opaque,
    sessions,
    stateKey,
    emailIndex,
    logger,
  });
  // Invitations and sign-in resets: one-time links that set a password by OPAQUE.
  const tellPublishers = createPublisherWatch({ keyring, outbox: deps.outbox, publicUrl });
  const links = {
    database,
    keyring,
    audit,
    clock,
    outbox: deps.outbox,
    publicUrl,
    opaque,
    sessions,
    tellPublishers,
  };
  const invitations = createStaffInvitations({ ...links, emailIndex });
  const resets = createStaffResets(links);

  async function memberOf(row: store.StaffRow): Promise<StaffMember> {
    return {
      id: row.id,
      email: await keyring.decryptString(database.db, row.id, 'staff.email', row.email_enc),
      displayName: row.display_name,
      roles: store.parseRoles(row.roles),
      status: row.status,
      createdAt: row.created_at,
    };
  }

  async function startLogin(input: { email: string; startLoginRequest: string; ip?: string }) {
    const normalised = normaliseEmail(input.email);
    const index = emailIndex(normalised);
    const keys: SigninKeys = { email: index.toString('hex'), address: input.ip };
    const retryAfter = throttle.retryAfter(keys);
    if (retryAfter > 0) {
      logger.warn({ code: 'MXF_STAFF_SIGNIN_THROTTLED', retryAfter }, 'staff sign-in throttled');
      throw new MaxfiyError('MXF_STAFF_SIGNIN_THROTTLED', { retryAfter });
    }
    // Counted at once, before any await, so a burst of parallel starts cannot all
    // pass the check; and from the start, because a browser that finds the
    // password wrong never finishes.
    throttle.attempted(keys);
    const staff = await store.findStaffByEmailIndex(database.db, index);
    const known = staff?.opaque_record ? staff : undefined;
    const { serverLoginState, loginResponse } = await opaque.startLogin({
      userIdentifier: known ? known.id : await opaque.fakeIdentifier(normalised),
      registrationRecord: known?.opaque_record ?? null,
      startLoginRequest: input.startLoginRequest,
    });

    const loginId = newToken();
    const state: LoginState = {
      serverLoginState,
      staffId: known?.id ?? null,
      password: passwordMark(known?.opaque_record),
      throttle: keys,
    };
    const key = await stateKey();
    await database.write(async (trx) => {
      const now = clock.now();
      await store.deleteExpiredLoginStates(trx, now);
      await store.insertLoginState(trx, {
        id: loginId,
        kind: KIND_LOGIN,
        state: sealState(key, loginId, KIND_LOGIN, state),
        expires_at: now + LOGIN_STATE_TTL_MS,
      });
    });
    return { loginId, loginResponse };
  }

  async function finishLogin(input: {
    loginId: string;
    finishLoginRequest: string;
    ip?: string;
    userAgent?: string;
  }) {
    const key = await stateKey();
    await factors.prepare();
    const context = { ip: input.ip ?? null, userAgent: input.userAgent?.slice(0, 256) ?? null };
    const outcome = await database.write(async (trx) => {
      const now = clock.now();
      // Taken (deleted) whatever happens next: a login state answers one finish.
      const row = await store.takeLoginState(trx, input.loginId, KIND_LOGIN);
      const state = row ? openState<LoginState>(key, row.id, KIND_LOGIN, row.state) : undefined;
      // An id that never existed names no account: nothing worth an audit entry.
      if (!row || !state) return null;

      let failure: string | undefined;
      let staff: store.StaffRow | undefined;
      if (row.expires_at <= now) failure = 'expired';
      else {
        // Checked for unknown e-mails too (it cannot succeed), so both take the same path.
        const proved = await opaque.finishLogin(state.serverLoginState, input.finishLoginRequest);
        if (!state.staffId) failure = 'unknown-account';
        else if (!proved) failure = 'wrong-proof';
        else {
          staff = await store.findStaffById(trx, state.staffId);
          if (staff?.status !== 'active') failure = 'disabled';
          // Begun with a password that a reset has since replaced.
          else if (state.password !== passwordMark(staff.opaque_record)) failure = 'password-replaced';
        }
      }
      if (failure !== undefined || !staff) {
        await audit.append(trx, {
          actor: 'system',
          action: 'staff.signin',
          target: state.staffId ? `staff:${state.staffId}` : null,
          details: { outcome: 'failed', reason: failure, ...context },
        });
        return null;
      }
      // The throttle forgets once a session opens (here, or after the second step).
      const after = await factors.afterPassword(trx, staff, { ...input, throttle: state.throttle });
      if (after.next === 'passkey') return 'passkey' as const;
      if (after.next === 'totp') return { pendingId: after.pendingId, secondFactor: 'totp' as const };
      const principal: StaffPrincipal = {
        id: staff.id,
        displayName: staff.display_name,
        roles: store.parseRoles(staff.roles),
      };
      return { staff: principal, sessionToken: after.sessionToken, factorRequired: after.factorRequired };
    });
    // Thrown after the write, so the state's deletion and the audit entry stay.
    if (!outcome) throw new MaxfiyError('MXF_STAFF_SIGNIN_FAILED');
    if (outcome === 'passkey') throw new MaxfiyError('MXF_STAFF_PASSKEY_REQUIRED');
    return outcome;
  }

  async function listStaff(): Promise<StaffMember[]> {
    const rows = await store.listStaff(database.db);
    return Promise.all(rows.map(memberOf));
  }

  async function setRoles(actorId: string, staffId: string, roles: StaffRole[]): Promise<StaffMember> {
    const next = [...new Set(roles)].sort();
    // Two people for every change of privilege: an administrator cannot join, say, the support team a customer granted access to.
    assertThat(actorId !== staffId, 'MXF_STAFF_SELF_ROLES');
    const row = await database.write(async (trx) => {
      await store.lockActiveAdmins(trx);
      const target = await store.findStaffById(trx, staffId);
      assertThat(target, 'MXF_STAFF_NOT_FOUND');
      const before = store.parseRoles(target.roles);
      const losesAdmin = target.status === 'active' && before.includes('admin') && !next.includes('admin');
      if (losesAdmin) assertThat(await store.otherActiveAdminExists(trx, staffId), 'MXF_STAFF_LAST_ADMIN');
      const now = clock.now();
      await store.updateStaffRoles(trx, staffId, next, now);
      // Invitations and resets issued as an administrator do not outlive the role.
      const linksEnded =
        before.includes('admin') && !next.includes('admin')
          ? await store.revokeLinksIssuedBy(trx, staffId, now)
          : 0;
      // A role that publishes, newly given to an active member: the others who publish or audit hear of it.
      const given = next.filter((r) => !before.includes(r));
      const publishersTold =
        target.status === 'active'
          ? await tellPublishers(trx, {
              staffId,
              displayName: target.display_name,
              roles: given,
              change: 'role-given',
              actorId,
              at: now,
            })
          : undefined;
      await audit.append(trx, {
        actor: `staff:${actorId}`,
        action: 'staff.roles.changed',
        target: `staff:${staffId}`,
        details: {
          from: before,
          to: next,
          ...(publishersTold !== undefined && { publishersTold }),
          ...(linksEnded > 0 && { linksEnded }),
        },
      });
      return { ...target, roles: JSON.stringify(next), updated_at: now };
    });
    return memberOf(row);
  }

  return {
    ...setup,
    ...invitations,
    ...resets,
    publicUrl,
    startLogin,
    finishLogin,
    authenticate: sessions.authenticate,
    session: sessions.view,
    factors,
    logout: sessions.logout,
    listStaff,
    setRoles,
  };
}
