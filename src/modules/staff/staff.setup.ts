import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newToken } from '../../ids.js';
import { normaliseEmail, openState, sealState, sha256, staffIdForSetupToken } from './staff.crypto.js';
import type { OpaqueServer } from './staff.opaque.js';
import type { StaffPrincipal, StaffSessions } from './staff.sessions.js';
import * as store from './staff.store.js';

/** How long the first administrator's set-up link works. */
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** Between the two set-up round trips the browser only derives a key from the password: minutes suffice. */
export const SETUP_PENDING_TTL_MS = 10 * 60_000;

const FIRST_ADMIN = 'first-admin';
const KIND_SETUP = 'admin-setup';

interface PendingSetup {
  staffId: string;
  email: string;
  displayName: string;
}

export interface FirstAdminSetup {
  /**
   * While no active administrator exists: a fresh one-time link (earlier unused
   * ones stop working), for the server to print at start. Null once one exists.
   */
  ensureSetupLink(): Promise<string | null>;
  setupStatus(): Promise<{ needed: boolean }>;
  /** Checks the link without using it up and answers the first OPAQUE registration message. */
  startAdminSetup(input: {
    token: string;
    email: string;
    displayName: string;
    registrationRequest: string;
  }): Promise<{ registrationResponse: string }>;
  /** Creates the administrator and signs them in; the link works once, even under concurrent finishes. */
  finishAdminSetup(input: {
    token: string;
    registrationRecord: string;
  }): Promise<{ staff: StaffPrincipal; sessionToken: string }>;
}

export interface SetupDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  publicUrl: string;
  opaque: OpaqueServer;
  sessions: StaffSessions;
  stateKey: () => Promise<Buffer>;
  emailIndex: (normalisedEmail: string) => Buffer;
  logger: { info(obj: object, msg: string): void };
}

/** The pending set-up is keyed by the token's hash, so only the link's holder can reach it. */
function pendingIdOf(tokenHash: Buffer): string {
  return `setup:${tokenHash.toString('hex')}`;
}

export function createFirstAdminSetup(deps: SetupDeps): FirstAdminSetup {
  const { database, keyring, audit, clock, opaque, sessions, stateKey, emailIndex, logger } = deps;
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function adminExists(db: Parameters<typeof store.listActiveAdminIds>[0]): Promise<boolean> {
    return (await store.listActiveAdminIds(db)).length > 0;
  }

  return {
    async ensureSetupLink() {
      const token = await database.write(async (trx) => {
        if (await adminExists(trx)) return null;
        const fresh = newToken();
        const now = clock.now();
        await store.deleteUnusedSetupTokens(trx, FIRST_ADMIN);
        await store.insertSetupToken(trx, {
          token_hash: sha256(fresh),
          purpose: FIRST_ADMIN,
          created_at: now,
          expires_at: now + SETUP_TOKEN_TTL_MS,
          used_at: null,
        });
        return fresh;
      });
      return token === null ? null : `${base}/admin/setup?token=${token}`;
    },

    async setupStatus() {
      return { needed: !(await adminExists(database.db)) };
    },

    async startAdminSetup({ token, email, displayName, registrationRequest }) {
      const tokenHash = sha256(token);
      const row = await store.findSetupToken(database.db, tokenHash);
      const now = clock.now();
      assertThat(
        row && row.purpose === FIRST_ADMIN && row.used_at === null && row.expires_at > now,
        'MXF_STAFF_SETUP_LINK_INVALID',
      );
      assertThat(!(await adminExists(database.db)), 'MXF_STAFF_SETUP_LINK_INVALID');
      const normalised = normaliseEmail(email);
      assertThat(
        !(await store.findStaffByEmailIndex(database.db, emailIndex(normalised))),
        'MXF_STAFF_EMAIL_TAKEN',
      );

      const staffId = staffIdForSetupToken(token, row.created_at);
      const registrationResponse = await opaque.registrationResponse(staffId, registrationRequest);
      const pending: PendingSetup = { staffId, email: normalised, displayName: displayName.trim() };
      const key = await stateKey();
      const id = pendingIdOf(tokenHash);
      await database.write(async (trx) => {
        // Starting again (a reload, a second tab) replaces the earlier attempt.
        await store.takeLoginState(trx, id, KIND_SETUP);
        await store.insertLoginState(trx, {
          id,
          kind: KIND_SETUP,
          state: sealState(key, id, KIND_SETUP, pending),
          expires_at: now + SETUP_PENDING_TTL_MS,
        });
      });
      return { registrationResponse };
    },

    async finishAdminSetup({ token, registrationRecord }) {
      await opaque.checkRegistrationRecord(registrationRecord);
      const tokenHash = sha256(token);
      const key = await stateKey();
      const created = await database.write(async (trx) => {
        const now = clock.now();
        // Consuming first means a second, concurrent finish finds it used; a
        // failure below rolls the consumption back with everything else.
        assertThat(
          await store.consumeSetupToken(trx, tokenHash, FIRST_ADMIN, now),
          'MXF_STAFF_SETUP_LINK_INVALID',
        );
        assertThat(!(await adminExists(trx)), 'MXF_STAFF_SETUP_LINK_INVALID');
        const id = pendingIdOf(tokenHash);
        const row = await store.takeLoginState(trx, id, KIND_SETUP);
        const pending =
          row && row.expires_at > now ? openState<PendingSetup>(key, id, KIND_SETUP, row.state) : undefined;
        assertThat(pending, 'MXF_STAFF_SETUP_LINK_INVALID');

        const index = emailIndex(pending.email);
        if (await store.findStaffByEmailIndex(trx, index)) throw new MaxfiyError('MXF_STAFF_EMAIL_TAKEN');
        await store.insertStaff(trx, {
          id: pending.staffId,
          email_index: index,
          email_enc: await keyring.encrypt(trx, pending.staffId, 'staff.email', pending.email),
          display_name: pending.displayName,
          roles: JSON.stringify(['admin']),
          opaque_record: registrationRecord,
          status: 'active',
          created_at: now,
          updated_at: now,
        });
        await store.deleteUnusedSetupTokens(trx, FIRST_ADMIN);
        await audit.append(trx, {
          actor: `staff:${pending.staffId}`,
          action: 'staff.created',
          target: `staff:${pending.staffId}`,
          details: { roles: ['admin'], via: 'setup-link' },
        });
        // Limited to enrolling a factor: the first administrator is led to enrol one like everyone else.
        const sessionToken = await sessions.open(trx, pending.staffId, { factorRequired: true });
        const staff: StaffPrincipal = {
          id: pending.staffId,
          displayName: pending.displayName,
          roles: ['admin'],
        };
        return { staff, sessionToken };
      });
      logger.info({ staffId: created.staff.id }, 'first administrator created through the set-up link');
      return created;
    },
  };
}
