import { randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database, Db, Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newId, newToken } from '../../ids.js';
import { lazy, newRecoveryCode, recoveryCodeHash, seal, unseal } from './factors.crypto.js';
import * as passkeys from './factors.passkeys.js';
import * as store from './factors.store.js';
import { secondFactorRegistry, totpStep } from './factors.strategies.js';
import type { FactorType } from './factors.table.js';

export type { Principal } from './factors.store.js';

/** Ceremony state (enrolment, WebAuthn challenge, pending second step) lives this long. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes a pending sign-in takes before it ends and the password is asked again. */
export const PENDING_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;

const KIND_TOTP = 'totp-enrol';
const KIND_REGISTER = 'passkey-register';
const KIND_AUTHENTICATE = 'passkey-authenticate';

/** A factor as its owner sees it: never the secret or the key. */
export interface FactorSummary {
  id: string;
  type: FactorType;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface FactorServiceDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  options: { publicUrl: string; issuer?: string };
}

/** Runs in the transaction that adds a factor, once it is written: the caller's own rule (lift a session's limit, tell the customer). */
export type InTransaction = (trx: Trx, factor: FactorSummary) => Promise<void>;

const actorOf = (who: store.Principal) => `${who.kind}:${who.id}`;

function summary(row: store.FactorRow): FactorSummary {
  return {
    id: row.id,
    type: row.type,
    label: row.label,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export function createFactorService(deps: FactorServiceDeps) {
  const { database, keyring, audit, clock } = deps;
  const rp = passkeys.relyingParty(deps.options.publicUrl);
  const issuer = deps.options.issuer ?? 'maxfiy';
  const stateKey = lazy(() => keyring.secret('factor-challenge-key', () => randomBytes(32)));
  const recoveryKey = lazy(() => keyring.secret('recovery-code-key', () => randomBytes(32)));
  const decryptSecret = async (trx: Trx, row: store.FactorRow) =>
    keyring.decryptString(trx, row.principal_id, 'factor.totp', row.secret_enc ?? Buffer.alloc(0));
  const strategies = secondFactorRegistry({ decryptSecret, recoveryKey });

  /** Keeps `value` sealed under a fresh id for the ceremony's second round trip. */
  async function putState(trx: Trx, kind: string, value: unknown, id = newToken()): Promise<string> {
    const now = clock.now();
    await store.deleteExpiredChallenges(trx, now);
    await store.insertChallenge(trx, {
      id,
      kind,
      state: seal(await stateKey(), id, kind, value),
      expires_at: now + CHALLENGE_TTL_MS,
    });
    return id;
  }

  /** Takes the state (single use); throws MXF_FACTOR_CHALLENGE_INVALID when unknown, expired or altered. */
  async function takeState<T>(trx: Trx, kind: string, id: string): Promise<T> {
    const row = await store.takeChallenge(trx, id, kind);
    const value =
      row && Number(row.expires_at) > clock.now()
        ? unseal<T>(await stateKey(), id, kind, row.state)
        : undefined;
    assertThat(value, 'MXF_FACTOR_CHALLENGE_INVALID');
    return value;
  }

  async function newRecoveryCodes(trx: Trx, who: store.Principal): Promise<string[]> {
    const key = await recoveryKey();
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = codes.map((c) => recoveryCodeHash(key, who.kind, who.id, c));
    await store.replaceRecoveryCodes(trx, who, hashes, clock.now());
    return codes;
  }

  /** Which kinds of factor the principal has. */
  async function kinds(db: Db | Trx, who: store.Principal): Promise<{ totp: boolean; passkey: boolean }> {
    const rows = await store.listFactors(db, who);
    return { totp: rows.some((r) => r.type === 'totp'), passkey: rows.some((r) => r.type === 'passkey') };
  }

  return {
    strategies,
    relyingParty: rp,

    async list(who: store.Principal) {
      const rows = await store.listFactors(database.db, who);
      return {
        factors: rows.map(summary),
        recoveryCodesLeft: await store.countUnusedRecoveryCodes(database.db, who),
      };
    },

    kinds,

    /** Step 1 of TOTP enrolment: a fresh secret, shown once as a URI (for a QR code) and as text. */
    async startTotp(who: store.Principal, accountName: string) {
      await stateKey();
      const secret = authenticator.generateSecret(20);
      const enrolmentId = await database.write((trx) => putState(trx, KIND_TOTP, { who, secret }));
      return { enrolmentId, secret, otpauthUri: authenticator.keyuri(accountName, issuer, secret) };
    },

    /** Step 2: a correct code proves the app holds the secret; returns the recovery codes, shown this once. */
    async finishTotp(
      who: store.Principal,
      input: { enrolmentId: string; code: string; label?: string },
      inTransaction?: InTransaction,
    ) {
      await Promise.all([stateKey(), recoveryKey()]);
      return database.write(async (trx) => {
        const state = await takeState<{ who: store.Principal; secret: string }>(
          trx,
          KIND_TOTP,
          input.enrolmentId,
        );
        assertThat(state.who.kind === who.kind && state.who.id === who.id, 'MXF_FACTOR_CHALLENGE_INVALID');
        assertThat(!(await kinds(trx, who)).totp, 'MXF_FACTOR_TOTP_EXISTS');
        const now = clock.now();
        const step = totpStep(state.secret, input.code, now);
        if (step === null) throw new MaxfiyError('MXF_FACTOR_CODE_INVALID');
        const row: store.FactorRow = {
          id: newId(clock.now()),
          principal_kind: who.kind,
          principal_id: who.id,
          type: 'totp',
          label: input.label ?? 'Authenticator app',
          secret_enc: await keyring.encrypt(trx, who.id, 'factor.totp', state.secret),
          // The enrolment code's step is spent too: it was on screen.
          last_step: step,
          credential_id: null,
          public_key: null,
          counter: 0,
          transports: null,
          created_at: now,
          last_used_at: null,
        };
        await store.insertFactor(trx, row);
        const recoveryCodes = await newRecoveryCodes(trx, who);
        // Before the audit entry: a hook that takes a row lock must take it before the audit's lock, as other writers do.
        const added = summary(row);
        await inTransaction?.(trx, added);
        await audit.append(trx, {
          actor: actorOf(who),
          action: 'factor.added',
          target: actorOf(who),
          details: { factor: row.id, type: 'totp' },
        });
        return { factor: added, recoveryCodes };
      });
    },

    /** New recovery codes replace all old ones (used or not). Needs a TOTP factor. */
    async regenerateRecoveryCodes(who: store.Principal): Promise<string[]> {
      await recoveryKey();
      return database.write(async (trx) => {
        assertThat((await kinds(trx, who)).totp, 'MXF_FACTOR_NOT_FOUND');
        const codes = await newRecoveryCodes(trx, who);
        await audit.append(trx, {
          actor: actorOf(who),
          action: 'factor.recovery-codes.regenerated',
          target: actorOf(who),
        });
        return codes;
      });
    },

    /** Checks and spends a TOTP or recovery code inside the caller's transaction; the strategy used, or null. */
    async verifySecondFactor(trx: Trx, who: store.Principal, code: string) {
      const trimmed = code.trim();
      for (const strategy of Object.values(strategies)) {
        if (strategy.accepts(trimmed) && (await strategy.verify(trx, who, trimmed, clock.now())))
          return strategy.id;
      }
      return null;
    },

    /** Keys needed by `verifySecondFactor`; fetched before a write, since fetching writes on its own. */
    async prepare(): Promise<void> {
      await Promise.all([stateKey(), recoveryKey()]);
    },

    /** Sealed state for a caller's own two-step flow (the pending second step of a sign-in). */
    putState,
    takeState,

    async startPasskeyRegistration(who: store.Principal, user: { name: string; displayName: string }) {
      await stateKey();
      const existing = await store.listFactors(database.db, who);
      const options = await passkeys.registrationOptions(rp, { id: who.id, ...user }, existing);
      const challengeId = await database.write((trx) =>
        putState(trx, KIND_REGISTER, { who, challenge: options.challenge }),
      );
      return { challengeId, options };
    },

    async finishPasskeyRegistration(
      who: store.Principal,
      input: { challengeId: string; response: passkeys.RegistrationResponseJSON; label?: string },
      inTransaction?: InTransaction,
    ) {
      await stateKey();
      const state = await database.write((trx) =>
        takeState<{ who: store.Principal; challenge: string }>(trx, KIND_REGISTER, input.challengeId),
      );
      assertThat(state.who.kind === who.kind && state.who.id === who.id, 'MXF_FACTOR_CHALLENGE_INVALID');
      const credential = await passkeys.verifyRegistration(rp, state.challenge, input.response);
      if (!credential) throw new MaxfiyError('MXF_FACTOR_PASSKEY_INVALID');
      return database.write(async (trx) => {
        const taken = await store.findPasskeyByCredentialId(trx, who.kind, credential.id);
        if (taken) throw new MaxfiyError('MXF_FACTOR_PASSKEY_INVALID');
        const now = clock.now();
        const row: store.FactorRow = {
          id: newId(clock.now()),
          principal_kind: who.kind,
          principal_id: who.id,
          type: 'passkey',
          label: input.label ?? 'Passkey',
          secret_enc: null,
          last_step: null,
          credential_id: credential.id,
          public_key: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports: credential.transports ? JSON.stringify(credential.transports) : null,
          created_at: now,
          last_used_at: null,
        };
        await store.insertFactor(trx, row);
        // Before the audit entry, as above.
        const added = summary(row);
        await inTransaction?.(trx, added);
        await audit.append(trx, {
          actor: actorOf(who),
          action: 'factor.added',
          target: actorOf(who),
          details: { factor: row.id, type: 'passkey' },
        });
        return { factor: added };
      });
    },

    async startPasskeySignIn() {
      await stateKey();
      const options = await passkeys.authenticationOptions(rp);
      const challengeId = await database.write((trx) =>
        putState(trx, KIND_AUTHENTICATE, { challenge: options.challenge }),
      );
      return { challengeId, options };
    },

    /**
     * Verifies a passkey sign-in by a principal of `kind`; `then` runs in the
     * same transaction (opening the session). Returns null, with the challenge
     * spent, when the answer does not verify: the caller audits and refuses.
     */
    async finishPasskeySignIn<T>(
      kind: store.Principal['kind'],
      input: { challengeId: string; response: passkeys.AuthenticationResponseJSON },
      then: (trx: Trx, who: store.Principal, factorId: string) => Promise<T>,
    ): Promise<{ ok: true; value: T } | { ok: false; who: store.Principal | null }> {
      await stateKey();
      const state = await database.write((trx) =>
        takeState<{ challenge: string }>(trx, KIND_AUTHENTICATE, input.challengeId),
      );
      const factor = await store.findPasskeyByCredentialId(database.db, kind, input.response.id);
      if (!factor) return { ok: false, who: null };
      const who = { kind, id: factor.principal_id };
      const counter = await passkeys.verifyAssertion(rp, state.challenge, input.response, factor);
      if (counter === undefined) return { ok: false, who };
      return database.write(async (trx) => {
        // Conditional on the counter read above: of two racing replays, one wins.
        if (!(await store.usePasskey(trx, factor.id, Number(factor.counter), counter, clock.now())))
          return { ok: false as const, who };
        return { ok: true as const, value: await then(trx, who, factor.id) };
      });
    },

    /** Removes a factor; `keepOne` refuses to remove the last one. Removing TOTP removes its recovery codes. */
    async remove(who: store.Principal, id: string, opts: { keepOne: boolean }): Promise<void> {
      await database.write(async (trx) => {
        const rows = await store.listFactors(trx, who);
        const row = rows.find((r) => r.id === id);
        assertThat(row, 'MXF_FACTOR_NOT_FOUND');
        assertThat(!opts.keepOne || rows.length > 1, 'MXF_FACTOR_LAST');
        await store.deleteFactor(trx, who, id);
        if (row.type === 'totp') await store.deleteRecoveryCodes(trx, who);
        await audit.append(trx, {
          actor: actorOf(who),
          action: 'factor.removed',
          target: actorOf(who),
          details: { factor: id, type: row.type },
        });
      });
    },
  };
}

export type FactorService = ReturnType<typeof createFactorService>;
