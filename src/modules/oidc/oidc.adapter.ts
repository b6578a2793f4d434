import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../clock.js';
import type { Database, Trx } from '../../db/database.js';
import * as store from './oidc.store.js';

export interface AdapterOptions {
  /** Expired rows are swept every this many writes. */
  sweepEvery?: number;
  /** What a second use of a code or refresh token throws: the provider's invalid_grant. */
  reused?: () => Error;
}

/**
 * oidc-provider's storage in our database. Expiry is honoured on read (a row
 * past `expires_at` is not found) and swept every `sweepEvery` writes; `consume`
 * marks a code or refresh token used, which the provider reads as `consumed`.
 *
 * The provider checks `consumed` on read and only then consumes, so two
 * requests racing with one code or refresh token would both pass the check.
 * `consume` is therefore the decision: the first use marks the row; any other
 * finds it marked, and is answered as reuse (RFC 6749 §4.1.2, OAuth 2.0
 * Security BCP §4.14): the grant and everything issued under it end, and the
 * request fails with `reused()`.
 * Clients come from `oidc_clients` (registered from config/oidc.json or by an
 * administrator); the provider never writes them.
 */
export function adapterFactory(database: Database, clock: Clock, options: AdapterOptions = {}) {
  const sweepEvery = options.sweepEvery ?? 500;
  const reused = options.reused ?? (() => new Error('already used'));
  let writes = 0;
  /**
   * On PostgreSQL, what spends or ends a grant's codes and tokens takes turns on
   * the grant, before it touches a row: two reuses at once (each ending the
   * grant's rows in its own order) deadlocked, and one failed as a server error.
   */
  const lockGrant = async (trx: Trx, grantId: string | null) => {
    if (grantId && database.kind === 'postgres')
      await sql`select pg_advisory_xact_lock(hashtext(${grantId}))`.execute(trx);
  };
  return class DatabaseAdapter implements Adapter {
    constructor(readonly name: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === 'Client') throw new Error('clients are registered through maxfiy, not the provider');
      await database.write((trx) =>
        store.upsertModel(trx, {
          kind: this.name,
          id,
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          uid: payload.uid ?? null,
          user_code: payload.userCode ?? null,
          account_id: payload.accountId ?? null,
          client_id: payload.clientId ?? null,
          expires_at: expiresIn ? clock.now() + expiresIn * 1000 : null,
          consumed_at: null,
        }),
      );
      // Expired rows are never read; every so many writes they are swept away.
      writes += 1;
      if (writes % sweepEvery === 0) await database.write((trx) => store.deleteExpired(trx, clock.now()));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        const row = await store.findClient(database.db, id);
        return row ? (JSON.parse(row.metadata) as AdapterPayload) : undefined;
      }
      return this.read('id', id);
    }

    findByUid(uid: string) {
      return this.read('uid', uid);
    }

    findByUserCode(userCode: string) {
      return this.read('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      const first = await database.write(async (trx) => {
        const grantId = (await store.findModel(trx, this.name, 'id', id))?.grant_id ?? null;
        await lockGrant(trx, grantId);
        if (await store.consumeModel(trx, this.name, id, clock.now())) return true;
        if (grantId) await store.destroyGrantWithModels(trx, grantId);
        return false;
      });
      if (!first) throw reused();
    }

    async destroy(id: string): Promise<void> {
      await database.write((trx) => store.destroyModel(trx, this.name, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await database.write(async (trx) => {
        await lockGrant(trx, grantId);
        await store.destroyGrant(trx, grantId);
      });
    }

    private async read(by: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await store.findModel(database.db, this.name, by, value);
      if (!row || (row.expires_at !== null && row.expires_at <= clock.now())) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      return row.consumed_at === null
        ? payload
        : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
    }
  };
}
