import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { newToken } from '../../ids.js';
import { sha256 } from './staff.crypto.js';
import * as store from './staff.store.js';
import type { StaffRole } from './staff.table.js';

/** A session unused this long ends: an unattended console does not stay open. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** A session ends this long after sign-in however active it is: a stolen cookie is worth at most a working day. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/**
 * `last_seen_at` is written at most this often, so an active console costs one
 * write a minute, not one per request; the idle limit is exact to within it.
 */
export const SESSION_TOUCH_MS = 60_000;

/** Who is signed in, as guards and handlers see them. */
export interface StaffPrincipal {
  id: string;
  displayName: string;
  roles: StaffRole[];
}

/** A live session as the factor routes see it: possibly limited to enrolling a factor. */
export interface StaffSessionView {
  staff: StaffPrincipal;
  /** True while the member has no second factor: every route but enrolment answers 403. */
  factorRequired: boolean;
  /** When the member signed in (the session opened): step-up checks it. */
  signedInAt: number;
}

export interface StaffSessions {
  /**
   * Opens a session inside `trx`; returns the token for the cookie (only its
   * hash is stored). `factorRequired` limits it to enrolling a second factor.
   */
  open(trx: Trx, staffId: string, opts?: { factorRequired?: boolean }): Promise<string>;
  /**
   * The signed-in staff member, or null for an unknown, revoked, expired or idle
   * session or a disabled account; throws MXF_STAFF_FACTOR_REQUIRED (403) for a
   * session limited to enrolling a factor.
   */
  authenticate(token: string | undefined): Promise<StaffPrincipal | null>;
  /** The live session, limited or not, or null. */
  view(token: string | undefined): Promise<StaffSessionView | null>;
  /** Lifts the enrol-only limit of this session, inside `trx` (a factor was just enrolled in it). */
  liftLimit(trx: Trx, token: string): Promise<void>;
  /** Ends the session; unknown or already ended tokens are ignored. */
  logout(token: string | undefined): Promise<void>;
}

/** Tokens are 32 random bytes in base64url (43 characters); anything else is not worth a query. */
function plausible(token: string | undefined): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function createStaffSessions(deps: {
  database: Database;
  audit: AuditAppender;
  clock: Clock;
}): StaffSessions {
  const { database, audit, clock } = deps;

  async function view(token: string | undefined): Promise<StaffSessionView | null> {
    if (!plausible(token)) return null;
    const hash = sha256(token);
    const row = await store.findSessionWithStaff(database.db, hash);
    const now = clock.now();
    if (!row || row.revoked_at !== null || row.status !== 'active') return null;
    if (now >= row.expires_at || now - row.last_seen_at >= SESSION_IDLE_MS) return null;
    if (now - row.last_seen_at >= SESSION_TOUCH_MS) {
      await database.write((trx) => store.touchSession(trx, hash, now));
    }
    return {
      staff: { id: row.staff_id, displayName: row.display_name, roles: store.parseRoles(row.roles) },
      factorRequired: Number(row.factor_required) === 1,
      signedInAt: Number(row.created_at),
    };
  }

  return {
    view,

    async liftLimit(trx, token) {
      if (plausible(token)) await store.liftFactorLimit(trx, sha256(token));
    },

    async open(trx, staffId, opts = {}) {
      const token = newToken();
      const now = clock.now();
      await store.insertSession(trx, {
        token_hash: sha256(token),
        staff_id: staffId,
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_ABSOLUTE_MS,
        revoked_at: null,
        factor_required: opts.factorRequired ? 1 : 0,
      });
      return token;
    },

    async authenticate(token) {
      const session = await view(token);
      if (!session) return null;
      if (session.factorRequired) throw new MaxfiyError('MXF_STAFF_FACTOR_REQUIRED');
      return session.staff;
    },

    async logout(token) {
      if (!plausible(token)) return;
      const hash = sha256(token);
      await database.write(async (trx) => {
        const session = await store.findSession(trx, hash);
        if (!session || !(await store.revokeSession(trx, hash, clock.now()))) return;
        await audit.append(trx, {
          actor: `staff:${session.staff_id}`,
          action: 'staff.signout',
          target: `staff:${session.staff_id}`,
        });
      });
    },
  };
}
