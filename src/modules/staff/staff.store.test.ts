import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { sha256 } from './staff.crypto.js';
import * as store from './staff.store.js';
import type { StaffRole } from './staff.table.js';

function staffRow(id: string, roles: StaffRole[], status: 'active' | 'disabled' = 'active'): store.StaffRow {
  return {
    id,
    email_index: sha256(`index:${id}`),
    email_enc: Buffer.from(`sealed:${id}`),
    display_name: `Name ${id}`,
    roles: JSON.stringify(roles),
    opaque_record: 'record',
    status,
    created_at: 1_000,
    updated_at: 1_000,
  };
}

describe.each(databaseKinds())('staff store on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('finds staff by id and by e-mail blind index, binary and all', async () => {
    const row = staffRow('a', ['admin']);
    await t.database.write((trx) => store.insertStaff(trx, row));
    expect(await store.findStaffById(t.database.db, 'a')).toEqual(row);
    expect((await store.findStaffByEmailIndex(t.database.db, row.email_index))?.id).toBe('a');
    expect(await store.findStaffByEmailIndex(t.database.db, sha256('other'))).toBeUndefined();
  });

  it('refuses a second staff member with the same e-mail index', async () => {
    await t.database.write((trx) => store.insertStaff(trx, staffRow('a', [])));
    const clash = { ...staffRow('b', []), email_index: sha256('index:a') };
    await expect(t.database.write((trx) => store.insertStaff(trx, clash))).rejects.toThrow();
  });

  it('counts only active members holding the admin role as administrators', async () => {
    await t.database.write(async (trx) => {
      await store.insertStaff(trx, staffRow('a', ['admin', 'dpo']));
      await store.insertStaff(trx, staffRow('b', ['dpo']));
      await store.insertStaff(trx, staffRow('c', ['admin'], 'disabled'));
    });
    expect(await store.listActiveAdminIds(t.database.db)).toEqual(['a']);
    await t.database.write(async (trx) => {
      await store.lockActiveAdmins(trx);
      await store.updateStaffRoles(trx, 'b', ['admin'], 2_000);
    });
    expect((await store.listActiveAdminIds(t.database.db)).sort()).toEqual(['a', 'b']);
    expect((await store.findStaffById(t.database.db, 'b'))?.updated_at).toBe(2_000);
  });

  it('consumes a set-up token once, and never after it expires', async () => {
    const live = sha256('live');
    const old = sha256('old');
    await t.database.write(async (trx) => {
      await store.insertSetupToken(trx, {
        token_hash: live,
        purpose: 'p',
        created_at: 0,
        expires_at: 10_000,
        used_at: null,
      });
      await store.insertSetupToken(trx, {
        token_hash: old,
        purpose: 'p',
        created_at: 0,
        expires_at: 5_000,
        used_at: null,
      });
    });
    const twice = await Promise.all([
      t.database.write((trx) => store.consumeSetupToken(trx, live, 'p', 1_000)),
      t.database.write((trx) => store.consumeSetupToken(trx, live, 'p', 1_000)),
    ]);
    expect(twice.sort()).toEqual([false, true]);
    expect(await t.database.write((trx) => store.consumeSetupToken(trx, old, 'p', 5_000))).toBe(false);
    expect(await t.database.write((trx) => store.consumeSetupToken(trx, old, 'other', 1_000))).toBe(false);
  });

  it('drops unused set-up tokens of a purpose and keeps the used ones', async () => {
    await t.database.write(async (trx) => {
      await store.insertSetupToken(trx, {
        token_hash: sha256('u'),
        purpose: 'p',
        created_at: 0,
        expires_at: 9,
        used_at: 1,
      });
      await store.insertSetupToken(trx, {
        token_hash: sha256('n'),
        purpose: 'p',
        created_at: 0,
        expires_at: 9,
        used_at: null,
      });
      await store.insertSetupToken(trx, {
        token_hash: sha256('q'),
        purpose: 'q',
        created_at: 0,
        expires_at: 9,
        used_at: null,
      });
      await store.deleteUnusedSetupTokens(trx, 'p');
    });
    expect(await store.findSetupToken(t.database.db, sha256('u'))).toBeDefined();
    expect(await store.findSetupToken(t.database.db, sha256('n'))).toBeUndefined();
    expect(await store.findSetupToken(t.database.db, sha256('q'))).toBeDefined();
  });

  it('keeps sessions by token hash, touches and revokes them once', async () => {
    const hash = sha256('token');
    await t.database.write(async (trx) => {
      await store.insertStaff(trx, staffRow('a', ['dpo']));
      await store.insertSession(trx, {
        token_hash: hash,
        staff_id: 'a',
        created_at: 1,
        last_seen_at: 1,
        expires_at: 100,
        revoked_at: null,
      });
      await store.touchSession(trx, hash, 50);
    });
    expect(await store.findSessionWithStaff(t.database.db, hash)).toEqual({
      staff_id: 'a',
      last_seen_at: 50,
      expires_at: 100,
      revoked_at: null,
      created_at: 1,
      factor_required: 0,
      display_name: 'Name a',
      roles: '["dpo"]',
      status: 'active',
    });
    expect(await t.database.write((trx) => store.revokeSession(trx, hash, 60))).toBe(true);
    expect(await t.database.write((trx) => store.revokeSession(trx, hash, 70))).toBe(false);
    expect((await store.findSession(t.database.db, hash))?.revoked_at).toBe(60);
    // Enrolling a factor lifts the session's enrol-only limit.
    await t.database.write((trx) => store.liftFactorLimit(trx, hash));
    expect((await store.findSession(t.database.db, hash))?.factor_required).toBe(0);
  });

  it('hands a login state out once and only as its own kind, even to concurrent takers, and sweeps expired ones', async () => {
    const state = Buffer.from([1, 2, 3]);
    await t.database.write(async (trx) => {
      await store.insertLoginState(trx, { id: 'x', kind: 'k', state, expires_at: 100 });
      await store.insertLoginState(trx, { id: 'y', kind: 'k', state, expires_at: 10 });
    });
    expect(await t.database.write((trx) => store.takeLoginState(trx, 'x', 'other kind'))).toBeUndefined();
    const taken = await Promise.all([
      t.database.write((trx) => store.takeLoginState(trx, 'x', 'k')),
      t.database.write((trx) => store.takeLoginState(trx, 'x', 'k')),
    ]);
    expect(taken.filter(Boolean)).toEqual([{ id: 'x', kind: 'k', state, expires_at: 100 }]);
    await t.database.write((trx) => store.deleteExpiredLoginStates(trx, 10));
    expect(await t.database.write((trx) => store.takeLoginState(trx, 'y', 'k'))).toBeUndefined();
  });
});
