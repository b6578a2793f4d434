import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database, Trx } from '../../db/database.js';
import { newId, newToken } from '../../ids.js';
import { sha256 } from './identity.crypto.js';
import * as store from './sessions.store.js';

/** A session's time to live after the last request, and since its sign-in however active. */
export interface SessionLifetimes {
  idleMs: number;
  absoluteMs: number;
}

/** Credential changes, grants and exports need a sign-in (or a step-up) this recent. */
export const STEP_UP_MS = 10 * 60_000;

/** Whether the session proved its factors within STEP_UP_MS of `now`: what credential changes ask for. */
export const isRecent = (principal: Pick<CustomerPrincipal, 'authenticatedAt'>, now: number) =>
  now - principal.authenticatedAt <= STEP_UP_MS;

/** `last_seen_at` is written at most this often: one write a minute for an active cabinet. */
export const SESSION_TOUCH_MS = 60_000;

/** The signed-in customer, as guards and handlers see them. */
export interface CustomerPrincipal {
  subjectId: string;
  sessionId: string;
  /** When the password (or another factor) was last proved in this session: step-up reads it. */
  authenticatedAt: number;
}

export interface SessionContext {
  ip?: string | undefined;
  device: string;
  deviceId: string | null;
}

export interface SessionView {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  device: string;
  ip: string | null;
  current: boolean;
}

/** Tokens are 32 random bytes in base64url; anything else is not worth a query. */
export function plausibleToken(token: string | undefined): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function createCustomerSessions(deps: {
  database: Database;
  keyring: Keyring;
  clock: Clock;
  lifetimes: SessionLifetimes;
}) {
  const { database, keyring, clock, lifetimes } = deps;

  return {
    lifetimes,

    /** Opens a session inside `trx`; returns its id and the token for the cookie (only its hash is stored). */
    async open(trx: Trx, subjectId: string, context: SessionContext): Promise<{ id: string; token: string }> {
      const token = newToken();
      const now = clock.now();
      const id = newId(now);
      await store.insertSession(trx, {
        id,
        token_hash: sha256(token),
        subject_id: subjectId,
        created_at: now,
        authenticated_at: now,
        last_seen_at: now,
        expires_at: now + lifetimes.absoluteMs,
        revoked_at: null,
        device_id: context.deviceId,
        ip_enc: context.ip ? await keyring.encrypt(trx, subjectId, 'session.ip', context.ip) : null,
        device_enc: await keyring.encrypt(trx, subjectId, 'session.device', context.device),
      });
      return { id, token };
    },

    /** The customer a token signs in, or null for an unknown, ended, expired or idle session or a closed or blocked account. */
    async authenticate(token: string | undefined): Promise<CustomerPrincipal | null> {
      if (!plausibleToken(token)) return null;
      const row = await store.findSessionByHash(database.db, sha256(token));
      const now = clock.now();
      if (!row || row.revoked_at !== null || row.status !== 'active') return null;
      if (now >= row.expires_at || now - row.last_seen_at >= lifetimes.idleMs) return null;
      if (now - row.last_seen_at >= SESSION_TOUCH_MS) {
        await database.write((trx) => store.touchSession(trx, row.id, now));
      }
      return { subjectId: row.subject_id, sessionId: row.id, authenticatedAt: row.authenticated_at };
    },

    async list(principal: CustomerPrincipal): Promise<SessionView[]> {
      const now = clock.now();
      const rows = await store.listLiveSessions(database.db, principal.subjectId, now);
      const live = rows.filter((r) => now - r.last_seen_at < lifetimes.idleMs);
      return Promise.all(
        live.map(async (r) => ({
          id: r.id,
          createdAt: r.created_at,
          lastSeenAt: r.last_seen_at,
          device: r.device_enc
            ? await keyring.decryptString(database.db, r.subject_id, 'session.device', r.device_enc)
            : '',
          ip: r.ip_enc
            ? await keyring.decryptString(database.db, r.subject_id, 'session.ip', r.ip_enc)
            : null,
          current: r.id === principal.sessionId,
        })),
      );
    },

    /** The session the token names, for sign-out; undefined when unknown. */
    async find(token: string | undefined) {
      if (!plausibleToken(token)) return undefined;
      return store.findSessionByHash(database.db, sha256(token));
    },
  };
}

export type CustomerSessions = ReturnType<typeof createCustomerSessions>;
