import { onCommit, type Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId, newToken } from '../../ids.js';
import type { AuthenticationResponseJSON } from '../factors/factors.passkeys.js';
import { PENDING_ATTEMPTS, type Principal } from '../factors/factors.service.js';
import type { SigninKeys } from '../staff/signin-throttle.js';
import * as staffStore from '../staff/staff.store.js';
import type { IdentityContext } from './context.js';
import {
  deviceSummary,
  openState,
  parseContact,
  passwordMark,
  sealState,
  sha256,
} from './identity.crypto.js';
import * as store from './identity.store.js';
import type { SigninResult } from './identity.table.js';
import { languageFor, messages } from './messages.js';
import { newReportLink } from './report-links.js';
import type { CustomerPrincipal } from './sessions.js';
import { plausibleToken } from './sessions.js';
import * as sessionStore from './sessions.store.js';

/** The browser has this long to answer the server's login message. */
export const LOGIN_STATE_TTL_MS = 2 * 60_000;

const KIND_LOGIN = 'customer-login';
const KIND_REAUTH = 'customer-reauth';
const KIND_PENDING = 'customer-second-factor';

/** How a sign-in was made, as the history records it. */
export type SigninMethod = 'password' | 'password+totp' | 'password+recovery-code' | 'passkey';

/**
 * The password's two steps (a challenge, then a proof checked against state
 * the server sealed between them). Passkeys run the same shape through the
 * factor service.
 */
export interface LoginStrategy {
  readonly id: 'opaque';
  begin(input: { identifier: string; record: string | null; request: string }): Promise<{
    state: string;
    response: string;
  }>;
  complete(state: string, proof: string): Promise<boolean>;
}

export function opaqueStrategy(ctx: IdentityContext): LoginStrategy {
  return {
    id: 'opaque',
    async begin({ identifier, record, request }) {
      const r = await ctx.opaque.startLogin({
        userIdentifier: identifier,
        registrationRecord: record,
        startLoginRequest: request,
      });
      return { state: r.serverLoginState, response: r.loginResponse };
    },
    complete: (state, proof) => ctx.opaque.finishLogin(state, proof),
  } satisfies LoginStrategy;
}

interface LoginState {
  serverState: string;
  /** Null when no account has this contact: the login can only fail, and must not look different. */
  subjectId: string | null;
  /** The password the proof is checked against (`passwordMark`); absent when no account has this contact. */
  password?: string | undefined;
  throttle: SigninKeys;
  /** Step-up only: the session the proof refreshes. */
  sessionId?: string;
}

/** A correct password for an account with an authenticator app: the code is asked next. */
interface PendingSecondFactor {
  subjectId: string;
  /** The password the first step proved (`passwordMark`). */
  password: string | undefined;
  attempts: number;
  /** The sign-in's throttle keys: they stay counted until the second step succeeds too. */
  throttle: SigninKeys;
}

export interface SigninContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The `mxf_device` cookie, when the browser has one. */
  deviceToken?: string | undefined;
  /** The request's language: the new-device notice uses it when the account has no locale. */
  lang?: Language | undefined;
}

export interface SigninDone {
  principal: CustomerPrincipal;
  sessionToken: string;
  /** Set when the browser needs a (new) device cookie. */
  deviceToken: string | undefined;
  newDevice: boolean;
}

/** What the password step answers: signed in, or a second factor to give under `challengeId`. */
export type PasswordOutcome =
  | ({ next: 'session' } & SigninDone)
  | { next: 'totp'; secondFactor: 'totp'; challengeId: string };

const customerOf = (subjectId: string): Principal => ({ kind: 'customer', id: subjectId });
const isChallengeInvalid = (err: unknown) =>
  err instanceof MaxfiyError && err.code === 'MXF_FACTOR_CHALLENGE_INVALID';

export function createSignin(ctx: IdentityContext) {
  const { database, clock, audit, keyring, factors } = ctx;
  const strategy = opaqueStrategy(ctx);

  /** Records the device, opens the session and, for a device not seen before, sends the notice. */
  async function admit(
    trx: Trx,
    subjectId: string,
    context: SigninContext,
  ): Promise<Omit<SigninDone, 'principal'> & { sessionId: string }> {
    const now = clock.now();
    const device = deviceSummary(context.userAgent);
    const known = plausibleToken(context.deviceToken)
      ? await store.findDevice(trx, subjectId, sha256(context.deviceToken))
      : undefined;
    let deviceToken: string | undefined;
    let deviceId: string;
    let newDevice = false;
    if (known) {
      deviceId = known.id;
      await store.touchDevice(trx, known.id, now);
    } else {
      newDevice = (await store.countDevices(trx, subjectId)) > 0;
      deviceToken = plausibleToken(context.deviceToken) ? context.deviceToken : newToken();
      deviceId = newId(now);
      await store.insertDevice(trx, {
        id: deviceId,
        subject_id: subjectId,
        device_hash: sha256(deviceToken),
        first_seen_at: now,
        last_seen_at: now,
      });
    }
    const session = await ctx.sessions.open(trx, subjectId, { ip: context.ip, device, deviceId });
    if (newDevice) await noticeNewDevice(trx, subjectId, device, context);
    return { sessionToken: session.token, deviceToken, newDevice, sessionId: session.id };
  }

  async function noticeNewDevice(trx: Trx, subjectId: string, device: string, context: SigninContext) {
    const now = clock.now();
    const url = await newReportLink(ctx, trx, subjectId, now);
    const body = JSON.stringify({ device, ip: context.ip ?? null, at: now });
    await sessionStore.insertNotice(trx, {
      id: newId(now),
      subject_id: subjectId,
      kind: 'new-device',
      body_enc: await keyring.encrypt(trx, subjectId, 'notice.body', body),
      created_at: now,
      read_at: null,
    });
    const customer = await store.findCustomer(trx, subjectId);
    const to = customer ? await ctx.reachOf(trx, customer) : undefined;
    if (to)
      await ctx.send(trx, to, messages.newDevice(languageFor(customer?.locale, context.lang), device, url));
  }

  async function history(
    trx: Trx,
    subjectId: string,
    result: SigninResult,
    context: SigninContext,
    method: SigninMethod,
    newDevice = false,
  ) {
    const now = clock.now();
    await sessionStore.insertSignin(trx, {
      id: newId(now),
      subject_id: subjectId,
      at: now,
      method,
      result,
      new_device: newDevice ? 1 : 0,
      ip_enc: context.ip ? await keyring.encrypt(trx, subjectId, 'signin.ip', context.ip) : null,
      device_enc: await keyring.encrypt(trx, subjectId, 'signin.device', deviceSummary(context.userAgent)),
    });
    await audit.append(trx, {
      actor: result === 'success' ? `subject:${subjectId}` : 'system',
      action: 'customer.signin',
      subjectId,
      target: `subject:${subjectId}`,
      details: { outcome: result, method, newDevice },
    });
  }

  /** Opens the session, records the success and clears the sign-in's throttle count on commit. */
  async function complete(
    trx: Trx,
    subjectId: string,
    method: SigninMethod,
    context: SigninContext,
    throttle?: SigninKeys,
  ): Promise<SigninDone> {
    const admitted = await admit(trx, subjectId, context);
    await history(trx, subjectId, 'success', context, method, admitted.newDevice);
    if (throttle) onCommit(trx, () => ctx.throttles.signin.succeeded(throttle));
    return {
      principal: { subjectId, sessionId: admitted.sessionId, authenticatedAt: clock.now() },
      sessionToken: admitted.sessionToken,
      deviceToken: admitted.deviceToken,
      newDevice: admitted.newDevice,
    };
  }

  /** Seals the server's OPAQUE state for the second round trip. */
  async function putLogin(kind: string, state: LoginState): Promise<string> {
    const loginId = newToken();
    const key = await ctx.stateKey();
    await database.write(async (trx) => {
      const now = clock.now();
      await staffStore.deleteExpiredLoginStates(trx, now);
      await staffStore.insertLoginState(trx, {
        id: loginId,
        kind,
        state: sealState(key, loginId, kind, state),
        expires_at: now + LOGIN_STATE_TTL_MS,
      });
    });
    return loginId;
  }

  /** Takes (deletes) the sealed state whatever happens next; undefined when unknown or altered. */
  async function takeLogin(trx: Trx, kind: string, loginId: string, key: Buffer) {
    const row = await staffStore.takeLoginState(trx, loginId, kind);
    const state = row ? openState<LoginState>(key, row.id, kind, row.state) : undefined;
    return row && state ? { state, live: row.expires_at > clock.now() } : undefined;
  }

  /** The pending second step, or undefined when unknown, expired, altered or used. */
  async function takePending(trx: Trx, id: string): Promise<PendingSecondFactor | undefined> {
    try {
      return await factors.takeState<PendingSecondFactor>(trx, KIND_PENDING, id);
    } catch (err) {
      if (isChallengeInvalid(err)) return undefined;
      throw err;
    }
  }

  /** Step-up: a fresh proof in this session moves its `authenticated_at` to now. */
  async function steppedUp(trx: Trx, principal: CustomerPrincipal, method: string): Promise<boolean> {
    if (!(await sessionStore.markAuthenticated(trx, principal.sessionId, clock.now()))) return false;
    await audit.append(trx, {
      actor: `subject:${principal.subjectId}`,
      action: 'customer.reauth',
      subjectId: principal.subjectId,
      target: `session:${principal.sessionId}`,
      details: { method },
    });
    return true;
  }

  return {
    admit,
    record: history,

    async start(input: {
      contact: string;
      startLoginRequest: string;
      ip?: string | undefined;
      deviceToken?: string | undefined;
    }) {
      const contact = parseContact(input.contact);
      const index = ctx.contactIndex(contact);
      const customer = await store.findCustomerByContact(database.db, contact.channel, index);
      // A browser this account has signed in from before (its device cookie) counts on its own,
      // not on the account's count: anyone can start sign-ins for a contact and keep that count
      // waiting, but not the owner's own browsers. Looked up for unknown contacts too.
      const device = plausibleToken(input.deviceToken)
        ? await store.findDevice(database.db, customer?.subject_id ?? 'nobody', sha256(input.deviceToken))
        : undefined;
      const keys: SigninKeys = {
        email: device ? `device:${device.id}` : ctx.throttleKey(contact),
        address: input.ip,
      };
      // Checked and counted in one step, with no await between: a parallel burst cannot all pass.
      ctx.throttle('signin', keys);
      const known = customer?.opaque_record && customer.status !== 'closed' ? customer : undefined;
      const { state: serverState, response } = await strategy.begin({
        identifier: known
          ? known.subject_id
          : await ctx.opaque.fakeIdentifier(`${contact.channel}:${contact.value}`),
        record: known?.opaque_record ?? null,
        request: input.startLoginRequest,
      });
      const state: LoginState = {
        serverState,
        subjectId: known?.subject_id ?? null,
        password: passwordMark(known?.opaque_record),
        throttle: keys,
      };
      return { loginId: await putLogin(KIND_LOGIN, state), loginResponse: response };
    },

    /**
     * The password's proof. Without an authenticator app it opens the session;
     * with one it answers a challenge for `finishTotp`, and the sign-in's
     * throttle count stays until that step succeeds.
     */
    async finish(
      input: { loginId: string; finishLoginRequest: string } & SigninContext,
    ): Promise<PasswordOutcome> {
      ctx.guessAllowed(input.ip);
      const key = await ctx.stateKey();
      await factors.prepare();
      const outcome = await database.write(async (trx) => {
        const taken = await takeLogin(trx, KIND_LOGIN, input.loginId, key);
        if (!taken) return { kind: 'forged' as const };
        const { state } = taken;
        const proved = taken.live && (await strategy.complete(state.serverState, input.finishLoginRequest));
        if (!state.subjectId) return { kind: 'failed' as const };
        const customer = await store.findCustomer(trx, state.subjectId);
        const replaced = state.password !== passwordMark(customer?.opaque_record);
        if (!proved || !customer || customer.status === 'closed' || replaced) {
          await history(trx, state.subjectId, 'failed', input, 'password');
          return { kind: 'failed' as const };
        }
        if (customer.status === 'blocked-compromise') {
          await history(trx, state.subjectId, 'blocked', input, 'password');
          return { kind: 'blocked' as const };
        }
        if ((await factors.kinds(trx, customerOf(customer.subject_id))).totp) {
          const pending: PendingSecondFactor = {
            subjectId: customer.subject_id,
            password: state.password,
            attempts: 0,
            throttle: state.throttle,
          };
          const challengeId = await factors.putState(trx, KIND_PENDING, pending);
          return { kind: 'totp' as const, challengeId };
        }
        const done = await complete(trx, customer.subject_id, 'password', input, state.throttle);
        return { kind: 'ok' as const, done };
      });
      // Thrown after the write, so the state's deletion and the history stay.
      if (outcome.kind === 'ok') return { next: 'session', ...outcome.done };
      if (outcome.kind === 'totp')
        return { next: 'totp', secondFactor: 'totp', challengeId: outcome.challengeId };
      if (outcome.kind === 'forged') ctx.guessMissed(input.ip);
      if (outcome.kind === 'blocked') throw new MaxfiyError('MXF_IDENTITY_SIGNIN_BLOCKED');
      throw new MaxfiyError('MXF_IDENTITY_SIGNIN_FAILED');
    },

    /**
     * The second step: a code from the authenticator app, or a recovery code
     * (each good once). A wrong one counts against the address and the account
     * like a failed sign-in; after five the pending sign-in ends.
     */
    async finishTotp(input: { challengeId: string; code: string } & SigninContext): Promise<SigninDone> {
      ctx.guessAllowed(input.ip);
      await factors.prepare();
      const outcome = await database.write(async (trx) => {
        const pending = await takePending(trx, input.challengeId);
        if (!pending) return { kind: 'forged' as const };
        const customer = await store.findCustomer(trx, pending.subjectId);
        const replaced = pending.password !== passwordMark(customer?.opaque_record);
        if (customer?.status !== 'active' || replaced) {
          const result = customer?.status === 'blocked-compromise' ? 'blocked' : 'failed';
          await history(trx, pending.subjectId, result, input, 'password+totp');
          return result === 'blocked' ? { kind: 'blocked' as const } : { kind: 'failed' as const };
        }
        const method = await factors.verifySecondFactor(trx, customerOf(pending.subjectId), input.code);
        if (!method) {
          await history(trx, pending.subjectId, 'failed', input, 'password+totp');
          // Another try under the same id, until the attempts run out and the password is asked again.
          const next: PendingSecondFactor = { ...pending, attempts: pending.attempts + 1 };
          if (next.attempts < PENDING_ATTEMPTS)
            await factors.putState(trx, KIND_PENDING, next, input.challengeId);
          return { kind: 'wrong' as const, throttle: pending.throttle };
        }
        const done = await complete(trx, pending.subjectId, `password+${method}`, input, pending.throttle);
        return { kind: 'ok' as const, done };
      });
      if (outcome.kind === 'ok') return outcome.done;
      if (outcome.kind === 'blocked') throw new MaxfiyError('MXF_IDENTITY_SIGNIN_BLOCKED');
      ctx.guessMissed(input.ip);
      if (outcome.kind === 'forged') throw new MaxfiyError('MXF_FACTOR_CHALLENGE_INVALID');
      if (outcome.kind === 'wrong') ctx.throttles.signin.attempted(outcome.throttle);
      throw new MaxfiyError(
        outcome.kind === 'wrong' ? 'MXF_FACTOR_CODE_INVALID' : 'MXF_IDENTITY_SIGNIN_FAILED',
      );
    },

    startPasskey: () => factors.startPasskeySignIn(),

    /** A passkey with user verification is two factors by itself: a complete sign-in, no password. */
    async finishPasskey(
      input: { challengeId: string; response: AuthenticationResponseJSON } & SigninContext,
    ): Promise<SigninDone> {
      ctx.guessAllowed(input.ip);
      const result = await factors
        .finishPasskeySignIn('customer', input, async (trx, who) => {
          const customer = await store.findCustomer(trx, who.id);
          if (customer?.status === 'active') return complete(trx, who.id, 'passkey', input);
          const refused = customer?.status === 'blocked-compromise' ? 'blocked' : 'failed';
          await history(trx, who.id, refused, input, 'passkey');
          return refused;
        })
        .catch((err: unknown) => {
          // A forged, expired or replayed challenge (the assertion's challenge was taken once).
          if (isChallengeInvalid(err)) ctx.guessMissed(input.ip);
          throw err;
        });
      if (result.ok && typeof result.value === 'object') return result.value;
      if (result.ok && result.value === 'blocked') throw new MaxfiyError('MXF_IDENTITY_SIGNIN_BLOCKED');
      const who = result.ok ? null : result.who;
      if (who) await database.write((trx) => history(trx, who.id, 'failed', input, 'passkey'));
      ctx.guessMissed(input.ip);
      throw new MaxfiyError('MXF_FACTOR_PASSKEY_INVALID');
    },

    /** Step-up with the password, step 1: the OPAQUE login response for the signed-in customer. */
    async startReauth(principal: CustomerPrincipal, input: { startLoginRequest: string; ip?: string }) {
      const keys: SigninKeys = { email: `reauth:${principal.subjectId}`, address: input.ip };
      ctx.throttle('signin', keys);
      const customer = await store.findCustomer(database.db, principal.subjectId);
      if (!customer?.opaque_record) throw new MaxfiyError('MXF_AUTH_REQUIRED');
      const { state: serverState, response } = await strategy.begin({
        identifier: customer.subject_id,
        record: customer.opaque_record,
        request: input.startLoginRequest,
      });
      const state: LoginState = {
        serverState,
        subjectId: principal.subjectId,
        password: passwordMark(customer.opaque_record),
        sessionId: principal.sessionId,
        throttle: keys,
      };
      return { loginId: await putLogin(KIND_REAUTH, state), loginResponse: response };
    },

    /**
     * Step 2: the proof, and with an authenticator app enrolled its code too
     * (a stolen session and the password alone must not change the factors).
     */
    async finishReauth(
      principal: CustomerPrincipal,
      input: { loginId: string; finishLoginRequest: string; code?: string | undefined; ip?: string },
    ): Promise<void> {
      ctx.guessAllowed(input.ip);
      const key = await ctx.stateKey();
      await factors.prepare();
      const outcome = await database.write(async (trx) => {
        const taken = await takeLogin(trx, KIND_REAUTH, input.loginId, key);
        if (!taken || taken.state.sessionId !== principal.sessionId) return 'forged' as const;
        const proved =
          taken.live && (await strategy.complete(taken.state.serverState, input.finishLoginRequest));
        const customer = await store.findCustomer(trx, principal.subjectId);
        if (!proved || taken.state.password !== passwordMark(customer?.opaque_record))
          return 'failed' as const;
        const who = customerOf(principal.subjectId);
        if ((await factors.kinds(trx, who)).totp) {
          const method = input.code ? await factors.verifySecondFactor(trx, who, input.code) : null;
          if (!method) return 'code' as const;
          await steppedUp(trx, principal, `password+${method}`);
        } else await steppedUp(trx, principal, 'password');
        onCommit(trx, () => ctx.throttles.signin.succeeded(taken.state.throttle));
        return 'ok' as const;
      });
      if (outcome === 'ok') return;
      ctx.guessMissed(input.ip);
      throw new MaxfiyError(outcome === 'code' ? 'MXF_FACTOR_CODE_INVALID' : 'MXF_IDENTITY_SIGNIN_FAILED');
    },

    /** Step-up with one of the customer's own passkeys. */
    async finishPasskeyReauth(
      principal: CustomerPrincipal,
      input: { challengeId: string; response: AuthenticationResponseJSON; ip?: string },
    ): Promise<void> {
      ctx.guessAllowed(input.ip);
      const result = await factors
        .finishPasskeySignIn('customer', input, (trx, who) =>
          who.id === principal.subjectId ? steppedUp(trx, principal, 'passkey') : Promise.resolve(false),
        )
        .catch((err: unknown) => {
          if (isChallengeInvalid(err)) ctx.guessMissed(input.ip);
          throw err;
        });
      if (result.ok && result.value) return;
      ctx.guessMissed(input.ip);
      throw new MaxfiyError('MXF_FACTOR_PASSKEY_INVALID');
    },
  };
}

export type Signin = ReturnType<typeof createSignin>;
