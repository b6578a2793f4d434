import { authenticator } from 'otplib';
import type { Trx } from '../../db/database.js';
import { recoveryCodeHash } from './factors.crypto.js';
import * as store from './factors.store.js';

/** RFC 6238 as authenticator apps do it: SHA-1, 30-second steps, 6 digits. */
export const TOTP_STEP_MS = 30_000;

/**
 * A second step after the password: one small interface, a registry keyed by
 * id, each implementation `satisfies SecondFactorStrategy` (STYLE.md).
 */
export interface SecondFactorStrategy {
  readonly id: 'totp' | 'recovery-code';
  /** Whether `code` looks like this strategy's input at all. */
  accepts(code: string): boolean;
  /** Verifies and spends the code inside `trx`; false for wrong or already used. */
  verify(trx: Trx, who: store.Principal, code: string, now: number): Promise<boolean>;
}

export interface StrategyDeps {
  decryptSecret(trx: Trx, row: store.FactorRow): Promise<string>;
  recoveryKey(): Promise<Buffer>;
}

/**
 * The step (RFC 6238 counter) that `code` belongs to within ±1 step of `now`,
 * or null. otplib does the arithmetic; we only ask it for the offset.
 */
export function totpStep(secret: string, code: string, now: number): number | null {
  const delta = authenticator.clone({ window: 1, epoch: now }).checkDelta(code, secret);
  return delta === null ? null : Math.floor(now / TOTP_STEP_MS) + delta;
}

export function totpStrategy(deps: StrategyDeps) {
  return {
    id: 'totp',
    accepts: (code) => /^\d{6}$/.test(code),
    async verify(trx, who, code, now) {
      const row = (await store.listFactors(trx, who)).find((f) => f.type === 'totp');
      if (!row) return false;
      const step = totpStep(await deps.decryptSecret(trx, row), code, now);
      // The same step twice is a replay (someone read the code over a shoulder), refused.
      return step !== null && (await store.useTotpStep(trx, row.id, step, now));
    },
  } satisfies SecondFactorStrategy;
}

export function recoveryCodeStrategy(deps: StrategyDeps) {
  return {
    id: 'recovery-code',
    accepts: (code) => /^[a-z0-9]{5}-?[a-z0-9]{5}-?[a-z0-9]{4}$/i.test(code.trim()),
    async verify(trx, who, code, now) {
      const hash = recoveryCodeHash(await deps.recoveryKey(), who.kind, who.id, code.trim());
      return store.useRecoveryCode(trx, who, hash, now);
    },
  } satisfies SecondFactorStrategy;
}

export function secondFactorRegistry(
  deps: StrategyDeps,
): Record<SecondFactorStrategy['id'], SecondFactorStrategy> {
  return { totp: totpStrategy(deps), 'recovery-code': recoveryCodeStrategy(deps) };
}
