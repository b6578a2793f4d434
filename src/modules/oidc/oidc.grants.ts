import type { ClientMetadata } from 'oidc-provider';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import * as store from './oidc.store.js';

export const BACKCHANNEL_TOPIC = 'oidc.backchannel-logout';
const OFFLINE = 'offline_access';

/** An app a customer allowed on the consent screen, as the cabinet lists it. */
export interface AppGrantView {
  clientId: string;
  name: string;
  /**
   * What the app may see: the scopes of its grants, in the provider's names,
   * and `offline_access` while it holds a live refresh token.
   */
  scopes: string[];
  /** When the customer first allowed it (ms). */
  allowedAt: number;
  /** When it last got a code or token for the customer (ms), while the provider still holds one. */
  lastUsedAt: number | null;
}

interface Authorizations {
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/** Each app's session id in a provider session: what a back-channel logout names. */
export const sidsOf = (sessionPayload: string) =>
  Object.entries((JSON.parse(sessionPayload) as Authorizations).authorizations ?? {}).map(
    ([clientId, auth]) => [clientId, auth.sid] as const,
  );

/** The scopes a stored grant gives, less those the customer refused (`openid` always stays). */
function scopesOf(grantPayload: string): string[] {
  const grant = JSON.parse(grantPayload) as {
    openid?: { scope?: string };
    rejected?: { openid?: { scope?: string } };
  };
  const rejected = new Set((grant.rejected?.openid?.scope ?? '').split(' '));
  rejected.delete('openid');
  return (grant.openid?.scope ?? '').split(' ').filter((s) => s !== '' && !rejected.has(s));
}

/**
 * What customers hold at the provider, read and ended: the grants (an app
 * allowed on the consent screen), the codes and tokens issued under them, and
 * the provider sessions that remember which apps a browser signed in to. The
 * same ending serves a compromise report or a password change (everything of a
 * customer) and the cabinet's "take back" (one app of a customer), so both end
 * the same things and tell the apps the same way.
 */
export function createGrants(deps: {
  database: Database;
  clock: Clock;
  audit: AuditAppender;
  outbox: Outbox;
}) {
  const { database, clock, audit, outbox } = deps;

  /** Queues a back-channel logout to each of these apps that has an address for it; how many. */
  async function tellApps(
    trx: Trx,
    subjectId: string,
    sids: Map<string, string | undefined>,
    key: string,
  ): Promise<number> {
    let told = 0;
    for (const [clientId, sid] of sids) {
      const client = await store.findClient(trx, clientId);
      if (!client || !(JSON.parse(client.metadata) as ClientMetadata).backchannel_logout_uri) continue;
      told += 1;
      await outbox.enqueue(trx, {
        topic: BACKCHANNEL_TOPIC,
        // An app's endpoint: slow or down, it holds up only the subscribers' lane.
        lane: 'subscribers',
        payload: { clientId, subjectId, ...(sid ? { sid } : {}) },
        idempotencyKey: `oidc.backchannel:${key}:${clientId}`,
      });
    }
    return told;
  }

  /**
   * Ends what a customer holds at the provider, of every app or of `clientId`
   * only: grants, codes, access and refresh tokens, and the sessions' hold on
   * the app (every app: the sessions go; one app: each session forgets it, so
   * its next sign-in there asks for consent and gets a new sid). Each app that
   * had a grant or a session is told by back-channel logout. Run again, it
   * finds nothing and tells no one. `held` is false when there was nothing.
   */
  async function end(trx: Trx, subjectId: string, key: string, clientId?: string) {
    const rows = await store.listAccountModels(trx, subjectId);
    const grantIds: string[] = [];
    const sids = new Map<string, string | undefined>();
    for (const row of rows) {
      if (row.kind === 'Grant') {
        if (clientId !== undefined && row.client_id !== clientId) continue;
        grantIds.push(row.id);
        if (row.client_id && !sids.has(row.client_id)) sids.set(row.client_id, undefined);
      } else if (clientId === undefined) {
        for (const [app, sid] of sidsOf(row.payload)) sids.set(app, sid);
      } else {
        const session = JSON.parse(row.payload) as Authorizations;
        const held = session.authorizations?.[clientId];
        if (!held) continue;
        sids.set(clientId, held.sid);
        delete session.authorizations?.[clientId];
        await store.replacePayload(trx, 'Session', row.id, JSON.stringify(session));
      }
    }
    const removed = await store.destroyAccount(trx, subjectId, grantIds, clientId);
    const told = await tellApps(trx, subjectId, sids, key);
    return { held: sids.size > 0 || removed > 0, removed, grants: grantIds.length, told };
  }

  /** The apps a customer has allowed, live grants only, by name. */
  async function list(subjectId: string): Promise<AppGrantView[]> {
    const now = clock.now();
    const live = (await store.listAccountModels(database.db, subjectId)).filter(
      (row) => row.kind === 'Grant' && (row.expires_at === null || row.expires_at > now),
    );
    const byClient = new Map<string, AppGrantView>();
    const clientOf = new Map<string, string>();
    for (const row of live) {
      if (!row.client_id) continue;
      clientOf.set(row.id, row.client_id);
      const allowedAt = ((JSON.parse(row.payload) as { iat?: number }).iat ?? 0) * 1000;
      const seen = byClient.get(row.client_id);
      const scopes = new Set([...(seen?.scopes ?? []), ...scopesOf(row.payload)]);
      byClient.set(row.client_id, {
        clientId: row.client_id,
        name: row.client_id,
        scopes: [...scopes],
        allowedAt: seen ? Math.min(seen.allowedAt, allowedAt) : allowedAt,
        lastUsedAt: null,
      });
    }
    // Each code or token was issued when the app was used; a rotated refresh token, when it was spent.
    for (const token of await store.listGrantTokens(database.db, [...clientOf.keys()])) {
      const view = byClient.get(clientOf.get(token.grant_id ?? '') ?? '');
      if (!view) continue;
      const iat = ((JSON.parse(token.payload) as { iat?: number }).iat ?? 0) * 1000;
      view.lastUsedAt = Math.max(view.lastUsedAt ?? 0, iat, token.consumed_at ?? 0);
      // The provider issues refresh tokens without offline_access being asked for: a live one is what it means.
      const refresh = token.kind === 'RefreshToken' && token.consumed_at === null;
      if (refresh && (token.expires_at === null || token.expires_at > now) && !view.scopes.includes(OFFLINE))
        view.scopes.push(OFFLINE);
    }
    for (const view of byClient.values()) {
      const client = await store.findClient(database.db, view.clientId);
      const name = client && (JSON.parse(client.metadata) as ClientMetadata).client_name;
      if (typeof name === 'string' && name !== '') view.name = name;
    }
    return [...byClient.values()].sort(
      (a, b) => a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId),
    );
  }

  /**
   * The customer takes an app's access back: its grants, codes and tokens end,
   * their sessions forget it, and the app is told by back-channel logout. The
   * next sign-in to the app asks for consent again. Nothing held: 404.
   */
  async function revoke(subjectId: string, clientId: string): Promise<void> {
    await database.write(async (trx) => {
      const ended = await end(trx, subjectId, `revoke:${newId(clock.now())}`, clientId);
      if (!ended.held) throw new MaxfiyError('MXF_OIDC_GRANT_NOT_FOUND');
      await audit.append(trx, {
        actor: `subject:${subjectId}`,
        action: 'oidc.grant.revoked',
        subjectId,
        target: `oidc-client:${clientId}`,
        details: { removed: ended.removed, grants: ended.grants, backchannelLogouts: ended.told },
      });
    });
  }

  return { tellApps, end, list, revoke };
}
