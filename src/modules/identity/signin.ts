import { onCommit, type Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { newId, newToken } from '../../ids.js';
import type { SigninKeys } from '../staff/signin-throttle.js';
import * as staffStore from '../staff/staff.store.js';
import type { IdentityContext } from './context.js';
import { deviceSummary, openState, parseContact, sealState, sha256 } from './identity.crypto.js';
import * as store from './identity.store.js';
import type { SigninResult } from './identity.table.js';
import { messages } from './messages.js';
import type { CustomerPrincipal } from './sessions.js';
import { plausibleToken } from './sessions.js';
import * as sessionStore from './sessions.store.js';

/** The browser has this long to answer the server's login message. */
export const LOGIN_STATE_TTL_MS = 2 * 60_000;
/** A "this wasn't me" link works this long. */
export const REPORT_LINK_TTL_MS = 7 * 24 * 60 * 60_000;
export const REPORT_LINK_PURPOSE = 'compromise-report';

const KIND_LOGIN = 'customer-login';

/**
 * A way to prove who one is. OPAQUE is the first; passkeys come next and plug
 * into the same two steps (a challenge, then a proof checked against state the
 * server sealed between them).
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
  throttle: SigninKeys;
}

export interface SigninContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The `mxf_device` cookie, when the browser has one. */
  deviceToken?: string | undefined;
}

export interface SigninDone {
  principal: CustomerPrincipal;
  sessionToken: string;
  /** Set when the browser needs a (new) device cookie. */
  deviceToken: string | undefined;
  newDevice: boolean;
}

export function createSignin(ctx: IdentityContext) {
  const { database, clock, audit, keyring } = ctx;
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
    if (newDevice) await noticeNewDevice(trx, subjectId, device, context.ip);
    return { sessionToken: session.token, deviceToken, newDevice, sessionId: session.id };
  }

  async function noticeNewDevice(trx: Trx, subjectId: string, device: string, ip: string | undefined) {
    const now = clock.now();
    const token = newToken();
    await store.insertActionLink(trx, {
      token_hash: sha256(token),
      subject_id: subjectId,
      purpose: REPORT_LINK_PURPOSE,
      created_at: now,
      expires_at: now + REPORT_LINK_TTL_MS,
      used_at: null,
    });
    const body = JSON.stringify({ device, ip: ip ?? null, at: now });
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
    const url = `${ctx.options.publicUrl}/compromise?token=${token}`;
    if (to) await ctx.send(trx, to, messages.newDevice(device, url));
  }

  async function history(
    trx: Trx,
    subjectId: string,
    result: SigninResult,
    context: SigninContext,
    newDevice = false,
  ) {
    const now = clock.now();
    await sessionStore.insertSignin(trx, {
      id: newId(now),
      subject_id: subjectId,
      at: now,
      method: strategy.id,
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
      details: { outcome: result, method: strategy.id, newDevice },
    });
  }

  return {
    admit,
    record: history,

    async start(input: { contact: string; startLoginRequest: string; ip?: string | undefined }) {
      const contact = parseContact(input.contact);
      const index = ctx.contactIndex(contact);
      const keys: SigninKeys = { email: index.toString('hex'), address: input.ip };
      ctx.throttle('signin', keys);
      const customer = await store.findCustomerByContact(database.db, contact.channel, index);
      const known = customer?.opaque_record && customer.status !== 'closed' ? customer : undefined;
      const { state: serverState, response } = await strategy.begin({
        identifier: known
          ? known.subject_id
          : await ctx.opaque.fakeIdentifier(`${contact.channel}:${contact.value}`),
        record: known?.opaque_record ?? null,
        request: input.startLoginRequest,
      });
      const loginId = newToken();
      const state: LoginState = { serverState, subjectId: known?.subject_id ?? null, throttle: keys };
      const key = await ctx.stateKey();
      await database.write(async (trx) => {
        const now = clock.now();
        await staffStore.deleteExpiredLoginStates(trx, now);
        await staffStore.insertLoginState(trx, {
          id: loginId,
          kind: KIND_LOGIN,
          state: sealState(key, loginId, KIND_LOGIN, state),
          expires_at: now + LOGIN_STATE_TTL_MS,
        });
      });
      return { loginId, loginResponse: response };
    },

    async finish(
      input: { loginId: string; finishLoginRequest: string } & SigninContext,
    ): Promise<SigninDone> {
      ctx.guessAllowed(input.ip);
      const key = await ctx.stateKey();
      const outcome = await database.write(async (trx) => {
        // Taken (deleted) whatever happens next: a login state answers one finish.
        const row = await staffStore.takeLoginState(trx, input.loginId, KIND_LOGIN);
        const state = row ? openState<LoginState>(key, row.id, KIND_LOGIN, row.state) : undefined;
        if (!row || !state) return { kind: 'forged' as const };
        const proved =
          row.expires_at > clock.now() &&
          (await strategy.complete(state.serverState, input.finishLoginRequest));
        if (!state.subjectId) return { kind: 'failed' as const };
        const customer = await store.findCustomer(trx, state.subjectId);
        if (!proved || !customer || customer.status === 'closed') {
          await history(trx, state.subjectId, 'failed', input);
          return { kind: 'failed' as const };
        }
        if (customer.status === 'blocked-compromise') {
          await history(trx, state.subjectId, 'blocked', input);
          return { kind: 'blocked' as const };
        }
        const admitted = await admit(trx, customer.subject_id, input);
        await history(trx, customer.subject_id, 'success', input, admitted.newDevice);
        onCommit(trx, () => ctx.throttles.signin.succeeded(state.throttle));
        const now = clock.now();
        return {
          kind: 'ok' as const,
          done: {
            principal: {
              subjectId: customer.subject_id,
              sessionId: admitted.sessionId,
              authenticatedAt: now,
            },
            sessionToken: admitted.sessionToken,
            deviceToken: admitted.deviceToken,
            newDevice: admitted.newDevice,
          },
        };
      });
      // Thrown after the write, so the state's deletion and the history stay.
      if (outcome.kind === 'ok') return outcome.done;
      if (outcome.kind === 'forged') ctx.guessMissed(input.ip);
      if (outcome.kind === 'blocked') throw new MaxfiyError('MXF_IDENTITY_SIGNIN_BLOCKED');
      throw new MaxfiyError('MXF_IDENTITY_SIGNIN_FAILED');
    },
  };
}

export type Signin = ReturnType<typeof createSignin>;
