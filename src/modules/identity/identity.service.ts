import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { createAccounts } from './account.js';
import { createCompromise } from './compromise.js';
import { createIdentityContext, type IdentityDeps } from './context.js';
import { createCustomerFactors } from './customer-factors.js';
import { createCustomerDirectory } from './customers.js';
import { createProfiles } from './profile.js';
import { sendSecurityChange } from './report-links.js';
import type { CustomerPrincipal } from './sessions.js';
import * as sessionStore from './sessions.store.js';
import { createSignin } from './signin.js';

export type { IdentityDeps } from './context.js';
export type { CustomerPrincipal } from './sessions.js';

export interface SigninView {
  at: number;
  method: string;
  result: string;
  newDevice: boolean;
  device: string;
  ip: string | null;
}

export interface NoticeView {
  id: string;
  kind: string;
  createdAt: number;
  device: string | null;
  ip: string | null;
}

/** Customer identity: accounts, codes, OPAQUE, sessions, history, devices, compromise reports, profile. */
export function createIdentityService(deps: IdentityDeps) {
  const ctx = createIdentityContext(deps);
  const { database, clock, audit, keyring, sessions } = ctx;
  const signin = createSignin(ctx);
  const accounts = createAccounts(ctx, signin);
  const profiles = createProfiles(ctx, accounts);
  const compromise = createCompromise(ctx);
  const factors = createCustomerFactors(ctx);
  const directory = createCustomerDirectory(ctx);
  const dec = (id: string, context: string, v: Buffer | null) =>
    v ? keyring.decryptString(database.db, id, context, v) : Promise.resolve(null);

  return {
    publicUrl: deps.options.publicUrl,
    lifetimes: deps.options.sessions,
    throttles: ctx.throttles,
    clock,

    startSignup: accounts.startSignup,
    verifySignup: accounts.verifySignup,
    finishSignup: accounts.finishSignup,
    startReset: accounts.startReset,
    verifyReset: accounts.verifyReset,
    finishReset: accounts.finishReset,
    startPasswordChange: accounts.startPasswordChange,
    finishPasswordChange: accounts.finishPasswordChange,
    startSignin: signin.start,
    finishSignin: signin.finish,
    finishSigninTotp: signin.finishTotp,
    startPasskeySignin: signin.startPasskey,
    finishPasskeySignin: signin.finishPasskey,
    startReauth: signin.startReauth,
    finishReauth: signin.finishReauth,
    startPasskeyReauth: signin.startPasskey,
    finishPasskeyReauth: signin.finishPasskeyReauth,

    /** The signed-in customer's passkeys and authenticator app (routes guard them with step-up). */
    factors,
    /** The staff view of customers: masked contacts, no cabinet data. */
    customers: directory,

    authenticate: sessions.authenticate,
    listSessions: sessions.list,

    /** Ends the session the cookie names; unknown tokens are ignored. */
    async signOut(token: string | undefined): Promise<void> {
      const session = await sessions.find(token);
      if (!session) return;
      await database.write(async (trx) => {
        if (!(await sessionStore.revokeSession(trx, session.subject_id, session.id, clock.now()))) return;
        await audit.append(trx, {
          actor: `subject:${session.subject_id}`,
          action: 'customer.signout',
          subjectId: session.subject_id,
          target: `session:${session.id}`,
        });
      });
    },

    async endSession(principal: CustomerPrincipal, sessionId: string): Promise<void> {
      await database.write(async (trx) => {
        const ended = await sessionStore.revokeSession(trx, principal.subjectId, sessionId, clock.now());
        if (!ended) throw new MaxfiyError('MXF_IDENTITY_SESSION_NOT_FOUND');
        await audit.append(trx, {
          actor: `subject:${principal.subjectId}`,
          action: 'customer.session.ended',
          subjectId: principal.subjectId,
          target: `session:${sessionId}`,
        });
      });
    },

    async endOtherSessions(principal: CustomerPrincipal): Promise<number> {
      return database.write(async (trx) => {
        const n = await sessionStore.revokeSessions(
          trx,
          principal.subjectId,
          clock.now(),
          principal.sessionId,
        );
        await audit.append(trx, {
          actor: `subject:${principal.subjectId}`,
          action: 'customer.session.ended-others',
          subjectId: principal.subjectId,
          target: `subject:${principal.subjectId}`,
          details: { sessionsEnded: n },
        });
        return n;
      });
    },

    async signinHistory(principal: CustomerPrincipal, limit = 100): Promise<SigninView[]> {
      const id = principal.subjectId;
      const rows = await sessionStore.listSignins(database.db, id, limit);
      return Promise.all(
        rows.map(async (r) => ({
          at: r.at,
          method: r.method,
          result: r.result,
          newDevice: r.new_device === 1,
          device: (await dec(id, 'signin.device', r.device_enc)) ?? '',
          ip: await dec(id, 'signin.ip', r.ip_enc),
        })),
      );
    },

    async notices(principal: CustomerPrincipal, limit = 50): Promise<NoticeView[]> {
      const id = principal.subjectId;
      const rows = await sessionStore.listNotices(database.db, id, limit);
      return Promise.all(
        rows.map(async (r) => {
          const body = JSON.parse((await dec(id, 'notice.body', r.body_enc)) ?? '{}') as {
            device?: string;
            ip?: string | null;
          };
          return {
            id: r.id,
            kind: r.kind,
            createdAt: r.created_at,
            device: body.device ?? null,
            ip: body.ip ?? null,
          };
        }),
      );
    },

    getProfile: profiles.get,
    profileOf: profiles.of,
    updateProfile: profiles.update,
    profileHistory: profiles.history,
    startContactChange: profiles.startContactChange,
    finishContactChange: profiles.finishContactChange,

    reportCompromise: compromise.fromCabinet,
    reportCompromiseByLink: compromise.fromLink,
    listIncidents: compromise.listIncidents,
    /** Mails the customer of a change made in their account elsewhere (cabinet access given), with a report link. */
    noticeGrant: (trx: Trx, subjectId: string, at: number, sessionId: string) =>
      sendSecurityChange(ctx, trx, subjectId, 'grant', at, undefined, sessionId),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
