import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { type Database, onCommit, type Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../factors/factors.passkeys.js';
import { type FactorService, PENDING_ATTEMPTS, type Principal } from '../factors/factors.service.js';
import type { SigninKeys, SigninThrottle } from './signin-throttle.js';
import { passwordMark } from './staff.crypto.js';
import type { StaffPrincipal, StaffSessions, StaffSessionView } from './staff.sessions.js';
import * as store from './staff.store.js';

/** Credential changes need a sign-in this recent (step-up). */
export const STEP_UP_MS = 10 * 60_000;

const KIND_PENDING = 'staff-second-factor';

/** What a correct password leads to, decided by the member's factors. */
export type AfterPassword =
  | { next: 'session'; sessionToken: string; factorRequired: boolean }
  | { next: 'totp'; pendingId: string }
  | { next: 'passkey' };

interface PendingSecondFactor {
  staffId: string;
  /** The password the first step proved (`passwordMark`). */
  password: string | undefined;
  attempts: number;
  /** The sign-in's throttle keys: they stay counted until the second step succeeds too. */
  throttle: SigninKeys;
}

interface SigninContext {
  ip?: string;
  userAgent?: string;
}

const contextOf = (input: SigninContext) => ({
  ip: input.ip ?? null,
  userAgent: input.userAgent?.slice(0, 256) ?? null,
});
const staffPrincipal = (id: string): Principal => ({ kind: 'staff', id });

/**
 * Staff must use a passkey, or the password with an authenticator app (issue 3,
 * item 11). These are the staff rules around the principal-neutral factor
 * service: the second step of a password sign-in, passkey sign-in, and
 * enrolment with step-up.
 */
export function createStaffFactorFlows(deps: {
  database: Database;
  audit: AuditAppender;
  clock: Clock;
  factors: FactorService;
  sessions: StaffSessions;
  throttle: SigninThrottle;
}) {
  const { database, audit, clock, factors, sessions, throttle } = deps;

  function principalOf(row: store.StaffRow): StaffPrincipal {
    return { id: row.id, displayName: row.display_name, roles: store.parseRoles(row.roles) };
  }

  async function signedIn(trx: Trx, staffId: string, method: string, context: SigninContext) {
    await audit.append(trx, {
      actor: `staff:${staffId}`,
      action: 'staff.signin',
      target: `staff:${staffId}`,
      details: { outcome: 'success', method, ...contextOf(context) },
    });
  }

  async function failed(trx: Trx, staffId: string | null, reason: string, context: SigninContext) {
    await audit.append(trx, {
      actor: 'system',
      action: 'staff.signin',
      target: staffId ? `staff:${staffId}` : null,
      details: { outcome: 'failed', reason, ...contextOf(context) },
    });
  }

  /** A guard for changes to credentials: limited sessions only while nothing is enrolled; all need a recent sign-in. */
  async function assertMayChange(session: StaffSessionView): Promise<void> {
    if (session.factorRequired) {
      const has = await factors.kinds(database.db, staffPrincipal(session.staff.id));
      assertThat(!has.totp && !has.passkey, 'MXF_STAFF_FACTOR_REQUIRED');
    }
    assertThat(clock.now() - session.signedInAt <= STEP_UP_MS, 'MXF_AUTH_STEP_UP_REQUIRED');
  }

  return {
    /**
     * Called in the sign-in transaction once the password proved right: TOTP
     * holders get a pending second step; passkey-only members must use the
     * passkey; members without any factor get a session that may only enrol one.
     */
    async afterPassword(
      trx: Trx,
      staff: store.StaffRow,
      context: SigninContext & { throttle: SigninKeys },
    ): Promise<AfterPassword> {
      const has = await factors.kinds(trx, staffPrincipal(staff.id));
      if (has.totp) {
        // The throttle is not cleared yet: guessing codes costs whole sign-ins, which back off.
        const pending: PendingSecondFactor = {
          staffId: staff.id,
          password: passwordMark(staff.opaque_record),
          attempts: 0,
          throttle: context.throttle,
        };
        return { next: 'totp', pendingId: await factors.putState(trx, KIND_PENDING, pending) };
      }
      if (has.passkey) {
        await failed(trx, staff.id, 'passkey-required', context);
        return { next: 'passkey' };
      }
      const sessionToken = await sessions.open(trx, staff.id, { factorRequired: true });
      await signedIn(trx, staff.id, 'password', context);
      onCommit(trx, () => throttle.succeeded(context.throttle));
      return { next: 'session', sessionToken, factorRequired: true };
    },

    /** Keys the sign-in transaction will need; fetched before it (fetching writes on its own). */
    prepare: () => factors.prepare(),

    /** The second step: an authenticator code or a recovery code completes the sign-in. */
    async finishSecondStep(input: { pendingId: string; code: string } & SigninContext) {
      await factors.prepare();
      const outcome = await database.write(async (trx) => {
        const pending = await factors.takeState<PendingSecondFactor>(trx, KIND_PENDING, input.pendingId);
        const staff = await store.findStaffById(trx, pending.staffId);
        if (staff?.status !== 'active') {
          await failed(trx, pending.staffId, 'disabled', input);
          return null;
        }
        if (pending.password !== passwordMark(staff.opaque_record)) {
          await failed(trx, staff.id, 'password-replaced', input);
          return null;
        }
        const method = await factors.verifySecondFactor(trx, staffPrincipal(staff.id), input.code);
        if (!method) {
          await failed(trx, staff.id, 'wrong-second-factor', input);
          // Another try under the same id, until the attempts run out and the password is asked again.
          const next: PendingSecondFactor = { ...pending, attempts: pending.attempts + 1 };
          if (next.attempts < PENDING_ATTEMPTS)
            await factors.putState(trx, KIND_PENDING, next, input.pendingId);
          return null;
        }
        const sessionToken = await sessions.open(trx, staff.id);
        await signedIn(trx, staff.id, `password+${method}`, input);
        onCommit(trx, () => throttle.succeeded(pending.throttle));
        return { staff: principalOf(staff), sessionToken };
      });
      // Thrown after the write, so the failure's audit entry and the attempt count stay.
      if (!outcome) throw new MaxfiyError('MXF_FACTOR_CODE_INVALID');
      return outcome;
    },

    startPasskeySignIn: () => factors.startPasskeySignIn(),

    /** A passkey with user verification is two factors by itself: a complete sign-in. */
    async finishPasskeySignIn(
      input: { challengeId: string; response: AuthenticationResponseJSON } & SigninContext,
    ) {
      const result = await factors.finishPasskeySignIn('staff', input, async (trx, who) => {
        const staff = await store.findStaffById(trx, who.id);
        if (staff?.status !== 'active') return null;
        const sessionToken = await sessions.open(trx, staff.id);
        await signedIn(trx, staff.id, 'passkey', input);
        return { staff: principalOf(staff), sessionToken };
      });
      if (result.ok && result.value) return result.value;
      await database.write((trx) =>
        failed(trx, result.ok ? null : (result.who?.id ?? null), result.ok ? 'disabled' : 'passkey', input),
      );
      throw new MaxfiyError('MXF_FACTOR_PASSKEY_INVALID');
    },

    async list(session: StaffSessionView) {
      const listed = await factors.list(staffPrincipal(session.staff.id));
      return { ...listed, factorRequired: session.factorRequired };
    },

    async startTotp(session: StaffSessionView) {
      await assertMayChange(session);
      return factors.startTotp(staffPrincipal(session.staff.id), session.staff.displayName);
    },

    async finishTotp(session: StaffSessionView, token: string, input: { enrolmentId: string; code: string }) {
      await assertMayChange(session);
      return factors.finishTotp(staffPrincipal(session.staff.id), input, (trx) =>
        sessions.liftLimit(trx, token),
      );
    },

    async regenerateRecoveryCodes(session: StaffSessionView) {
      await assertMayChange(session);
      return factors.regenerateRecoveryCodes(staffPrincipal(session.staff.id));
    },

    async startPasskeyRegistration(session: StaffSessionView) {
      await assertMayChange(session);
      const name = session.staff.displayName;
      return factors.startPasskeyRegistration(staffPrincipal(session.staff.id), { name, displayName: name });
    },

    async finishPasskeyRegistration(
      session: StaffSessionView,
      token: string,
      input: { challengeId: string; response: RegistrationResponseJSON; label?: string },
    ) {
      await assertMayChange(session);
      return factors.finishPasskeyRegistration(staffPrincipal(session.staff.id), input, (trx) =>
        sessions.liftLimit(trx, token),
      );
    },

    async remove(session: StaffSessionView, factorId: string) {
      assertThat(!session.factorRequired, 'MXF_STAFF_FACTOR_REQUIRED');
      await assertMayChange(session);
      await factors.remove(staffPrincipal(session.staff.id), factorId, { keepOne: true });
    },
  };
}

export type StaffFactorFlows = ReturnType<typeof createStaffFactorFlows>;
