import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import * as store from './oidc.store.js';

/**
 * oidc-provider's storage in our database. Expiry is honoured on read (a row
 * past `expires_at` is not found) and swept every `sweepEvery` writes; `consume`
 * marks a code or refresh token used, which the provider reads as `consumed`.
 * Clients come from `oidc_clients` (registered from config/oidc.json or by an
 * administrator); the provider never writes them.
 */
export function adapterFactory(database: Database, clock: Clock, sweepEvery = 500) {
  let writes = 0;
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
      await database.write((trx) => store.consumeModel(trx, this.name, id, clock.now()));
    }

    async destroy(id: string): Promise<void> {
      await database.write((trx) => store.destroyModel(trx, this.name, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await database.write((trx) => store.destroyGrant(trx, grantId));
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
