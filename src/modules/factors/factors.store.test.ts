import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import * as store from './factors.store.js';

const alice: store.Principal = { kind: 'staff', id: 'alice' };
const bob: store.Principal = { kind: 'customer', id: 'alice' };

function factor(id: string, who: store.Principal, type: 'totp' | 'passkey', at: number): store.FactorRow {
  return {
    id,
    principal_kind: who.kind,
    principal_id: who.id,
    type,
    label: type,
    secret_enc: type === 'totp' ? Buffer.from([1, 2, 3]) : null,
    last_step: null,
    credential_id: type === 'passkey' ? `cred-${id}` : null,
    public_key: type === 'passkey' ? Buffer.from([4, 5]) : null,
    counter: 0,
    transports: null,
    created_at: at,
    last_used_at: null,
  };
}

describe.each(databaseKinds())('factor store on %s', (kind) => {
  let t: TestDatabase;
  afterEach(async () => t?.cleanup());

  it('keeps factors per principal, staff and customers apart even with the same id', async () => {
    t = await openTestDatabase(kind);
    await t.database.write(async (trx) => {
      await store.insertFactor(trx, factor('f2', alice, 'passkey', 2));
      await store.insertFactor(trx, factor('f1', alice, 'totp', 1));
      await store.insertFactor(trx, factor('f3', bob, 'passkey', 3));
    });
    const db = t.database.db;
    expect((await store.listFactors(db, alice)).map((f) => f.id)).toEqual(['f1', 'f2']);
    expect((await store.listFactors(db, bob)).map((f) => f.id)).toEqual(['f3']);
    expect((await store.findFactor(db, alice, 'f1'))?.secret_enc).toEqual(Buffer.from([1, 2, 3]));
    expect(await store.findFactor(db, bob, 'f1')).toBeUndefined();
    expect((await store.findPasskeyByCredentialId(db, 'staff', 'cred-f2'))?.public_key).toEqual(
      Buffer.from([4, 5]),
    );
    expect(await store.findPasskeyByCredentialId(db, 'customer', 'cred-f2')).toBeUndefined();
    expect(await t.database.write((trx) => store.deleteFactor(trx, bob, 'f1'))).toBe(false);
    expect(await t.database.write((trx) => store.deleteFactor(trx, alice, 'f1'))).toBe(true);
    expect((await store.listFactors(db, alice)).map((f) => f.id)).toEqual(['f2']);
  });

  it('accepts each TOTP step once and never an earlier one (replay)', async () => {
    t = await openTestDatabase(kind);
    await t.database.write((trx) => store.insertFactor(trx, factor('f1', alice, 'totp', 1)));
    const use = (step: number) => t.database.write((trx) => store.useTotpStep(trx, 'f1', step, 10));
    expect(await use(100)).toBe(true);
    expect(await use(100)).toBe(false);
    expect(await use(99)).toBe(false);
    expect(await use(101)).toBe(true);
    expect((await store.findFactor(t.database.db, alice, 'f1'))?.last_step).toBe(101);
  });

  it('moves a passkey counter only from the value read (of two racing assertions one wins)', async () => {
    t = await openTestDatabase(kind);
    await t.database.write((trx) => store.insertFactor(trx, factor('f2', alice, 'passkey', 1)));
    expect(await t.database.write((trx) => store.usePasskey(trx, 'f2', 0, 5, 10))).toBe(true);
    expect(await t.database.write((trx) => store.usePasskey(trx, 'f2', 0, 6, 11))).toBe(false);
    const row = await store.findFactor(t.database.db, alice, 'f2');
    expect([row?.counter, row?.last_used_at].map(Number)).toEqual([5, 10]);
  });

  it('spends each recovery code once, and replacing them voids the old ones', async () => {
    t = await openTestDatabase(kind);
    const [a, b, c] = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')];
    await t.database.write((trx) => store.replaceRecoveryCodes(trx, alice, [a, b], 1));
    const spend = (who: store.Principal, h: Buffer) =>
      t.database.write((trx) => store.useRecoveryCode(trx, who, h, 2));
    expect(await spend(bob, a)).toBe(false);
    expect(await spend(alice, a)).toBe(true);
    expect(await spend(alice, a)).toBe(false);
    expect(await store.countUnusedRecoveryCodes(t.database.db, alice)).toBe(1);
    await t.database.write((trx) => store.replaceRecoveryCodes(trx, alice, [c], 3));
    expect(await spend(alice, b)).toBe(false);
    expect(await store.countUnusedRecoveryCodes(t.database.db, alice)).toBe(1);
    await t.database.write((trx) => store.deleteRecoveryCodes(trx, alice));
    expect(await store.countUnusedRecoveryCodes(t.database.db, alice)).toBe(0);
  });

  it('hands ceremony state out once and only as its own kind, and sweeps expired state', async () => {
    t = await openTestDatabase(kind);
    await t.database.write(async (trx) => {
      await store.insertChallenge(trx, { id: 'c1', kind: 'k', state: Buffer.from('s'), expires_at: 100 });
      await store.insertChallenge(trx, { id: 'c2', kind: 'k', state: Buffer.from('s'), expires_at: 50 });
    });
    const take = (id: string, k: string) => t.database.write((trx) => store.takeChallenge(trx, id, k));
    expect(await take('c1', 'other')).toBeUndefined();
    expect((await take('c1', 'k'))?.state).toEqual(Buffer.from('s'));
    expect(await take('c1', 'k')).toBeUndefined();
    await t.database.write((trx) => store.deleteExpiredChallenges(trx, 50));
    expect(await take('c2', 'k')).toBeUndefined();
  });
});
