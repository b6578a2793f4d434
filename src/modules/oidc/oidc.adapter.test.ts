import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { adapterFactory } from './oidc.adapter.js';
import * as store from './oidc.store.js';

describe.each(databaseKinds())('the oidc-provider adapter on %s', (kind) => {
  let t: TestDatabase;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let Adapter: ReturnType<typeof adapterFactory>;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    Adapter = adapterFactory(t.database, clock);
  });
  afterAll(async () => t?.cleanup());

  it('finds a model until it expires, by id, uid and user code', async () => {
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'subj-1', exp: 1 }, 60);
    expect(await sessions.find('s1')).toMatchObject({ uid: 'u1', accountId: 'subj-1' });
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'subj-1' });
    // Another model kind does not see it.
    expect(await new Adapter('Grant').find('s1')).toBeUndefined();
    await sessions.upsert('s1', { uid: 'u1', accountId: 'subj-1', loginTs: 5 }, 60);
    expect(await sessions.find('s1')).toMatchObject({ loginTs: 5 });

    const devices = new Adapter('DeviceCode');
    await devices.upsert('d1', { userCode: 'ABCD-EFGH', clientId: 'c' }, 10);
    expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ clientId: 'c' });
    clock.advance(10_000);
    expect(await devices.findByUserCode('ABCD-EFGH')).toBeUndefined();
    expect(await sessions.find('s1')).toBeDefined();
    clock.advance(50_000);
    expect(await sessions.find('s1')).toBeUndefined();
  });

  it('marks a consumed token, and revokes everything of a grant', async () => {
    const refresh = new Adapter('RefreshToken');
    const access = new Adapter('AccessToken');
    await refresh.upsert('r1', { grantId: 'g1', accountId: 'subj-2', clientId: 'c1' }, 3600);
    await access.upsert('a1', { grantId: 'g1', accountId: 'subj-2', clientId: 'c1' }, 3600);
    await access.upsert('a2', { grantId: 'g2', accountId: 'subj-2', clientId: 'c1' }, 3600);
    expect((await refresh.find('r1'))?.consumed).toBeUndefined();
    await refresh.consume('r1');
    expect((await refresh.find('r1'))?.consumed).toBe(Math.floor(clock.now() / 1000));

    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await access.find('a1')).toBeUndefined();
    expect(await access.find('a2')).toBeDefined();
    await access.destroy('a2');
    expect(await access.find('a2')).toBeUndefined();
  });

  it('lets one of several racing uses consume a code; the others end its grant', async () => {
    const codes = new Adapter('AuthorizationCode');
    const grants = new Adapter('Grant');
    await grants.upsert('g5', { accountId: 'subj-6', clientId: 'c5' }, 3600);
    await codes.upsert('c5', { grantId: 'g5', accountId: 'subj-6', clientId: 'c5' }, 60);
    await new Adapter('AccessToken').upsert('a5', { grantId: 'g5', accountId: 'subj-6' }, 3600);
    const uses = await Promise.allSettled(Array.from({ length: 6 }, () => codes.consume('c5')));
    expect(uses.filter((u) => u.status === 'fulfilled')).toHaveLength(1);
    expect(await grants.find('g5')).toBeUndefined();
    expect(await new Adapter('AccessToken').find('a5')).toBeUndefined();
    await expect(codes.consume('c5')).rejects.toThrow('already used');
  });

  it('finds every grant and token of a customer, and sweeps what expired', async () => {
    const grants = new Adapter('Grant');
    const tokens = new Adapter('AccessToken');
    await grants.upsert('g9', { accountId: 'subj-3', clientId: 'c9' }, 3600);
    await tokens.upsert('t9', { grantId: 'g9', accountId: 'subj-3', clientId: 'c9' }, 3600);
    await tokens.upsert('t8', { grantId: 'g8', accountId: 'subj-4', clientId: 'c9' }, 1);
    const mine = await store.listAccountModels(t.database.db, 'subj-3');
    expect(mine.map((r) => r.kind)).toEqual(['Grant']);
    const removed = await t.database.write((trx) => store.destroyAccount(trx, 'subj-3', ['g9']));
    expect(removed).toBe(2);
    expect(await tokens.find('t9')).toBeUndefined();
    clock.advance(2000);
    // Every write sweeps here (sweepEvery = 1): the expired token goes, the live grant stays.
    expect(await store.findModel(t.database.db, 'AccessToken', 'id', 't8')).toBeDefined();
    const Sweeping = adapterFactory(t.database, clock, { sweepEvery: 1 });
    await new Sweeping('Grant').upsert('g10', { accountId: 'subj-5', clientId: 'c9' }, 60);
    expect(await store.findModel(t.database.db, 'AccessToken', 'id', 't8')).toBeUndefined();
    expect(await new Sweeping('Grant').find('g10')).toBeDefined();
  });

  it('refuses to let the provider write clients', async () => {
    await expect(new Adapter('Client').upsert('x', { client_id: 'x' }, 0)).rejects.toThrow();
    expect(await new Adapter('Client').find('x')).toBeUndefined();
  });
});
