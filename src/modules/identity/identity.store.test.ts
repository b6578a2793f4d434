import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { newId } from '../../ids.js';
import * as store from './identity.store.js';
import * as sessions from './sessions.store.js';

const T = Date.UTC(2026, 0, 1);

function customer(subjectId: string, email: Buffer | null, phone: Buffer | null): store.CustomerRow {
  return {
    subject_id: subjectId,
    email_index: email,
    email_enc: email ? Buffer.from([1, 2, 3]) : null,
    email_verified: email ? 1 : 0,
    phone_index: phone,
    phone_enc: phone ? Buffer.from([4, 5, 6]) : null,
    phone_verified: phone ? 1 : 0,
    name_enc: null,
    locale: null,
    opaque_record: 'record',
    status: 'active',
    created_at: T,
    updated_at: T,
  };
}

function session(id: string, subjectId: string, createdAt: number): sessions.CustomerSessionRow {
  return {
    id,
    token_hash: Buffer.from(id),
    subject_id: subjectId,
    created_at: createdAt,
    authenticated_at: createdAt,
    last_seen_at: createdAt,
    expires_at: createdAt + 1000,
    revoked_at: null,
    device_id: null,
    ip_enc: null,
    device_enc: null,
  };
}

describe.each(databaseKinds())('identity stores on %s', (kind) => {
  let t: TestDatabase;
  const A = newId(T);
  const B = newId(T + 1);
  beforeEach(async () => {
    t = await openTestDatabase(kind);
    await t.database.write(async (trx) => {
      await store.insertCustomer(trx, customer(A, Buffer.from('email-a'), null));
      await store.insertCustomer(trx, customer(B, null, Buffer.from('phone-b')));
    });
  });
  afterEach(async () => t.cleanup());

  it('finds customers by the blind index of each channel, binary and all, and refuses a second account with the same index', async () => {
    const db = t.database.db;
    expect((await store.findCustomerByContact(db, 'email', Buffer.from('email-a')))?.subject_id).toBe(A);
    expect((await store.findCustomerByContact(db, 'sms', Buffer.from('phone-b')))?.subject_id).toBe(B);
    expect(await store.findCustomerByContact(db, 'sms', Buffer.from('email-a'))).toBeUndefined();
    const row = await store.findCustomer(db, A);
    expect(Buffer.isBuffer(row?.email_enc)).toBe(true);
    await expect(
      t.database.write((trx) => store.insertCustomer(trx, customer(newId(), Buffer.from('email-a'), null))),
    ).rejects.toThrow();
    // Several accounts without a phone are allowed (NULLs are not equal).
    await t.database.write((trx) =>
      store.insertCustomer(trx, customer(newId(), Buffer.from('email-c'), null)),
    );
  });

  it('counts verification tries and uses a verification once', async () => {
    const id = newId(T);
    await t.database.write((trx) =>
      store.insertVerification(trx, {
        id,
        purpose: 'signup',
        subject_id: A,
        channel: 'email',
        contact_index: Buffer.from('x'),
        contact_enc: Buffer.from('y'),
        code_hash: Buffer.alloc(32),
        attempts: 0,
        created_at: T,
        expires_at: T + 10,
        verified_at: null,
        used_at: null,
      }),
    );
    await t.database.write(async (trx) => {
      await store.countVerificationAttempt(trx, id);
      await store.countVerificationAttempt(trx, id);
    });
    expect((await store.findVerification(t.database.db, id))?.attempts).toBe(2);
    expect(await t.database.write((trx) => store.useVerification(trx, id, T))).toBe(true);
    expect(await t.database.write((trx) => store.useVerification(trx, id, T))).toBe(false);
    await t.database.write((trx) => store.deleteExpiredVerifications(trx, T + 11));
    expect(await store.findVerification(t.database.db, id)).toBeUndefined();
  });

  it('knows a device per customer and uses a one-click link once', async () => {
    const hash = Buffer.from('device');
    await t.database.write((trx) =>
      store.insertDevice(trx, {
        id: newId(),
        subject_id: A,
        device_hash: hash,
        first_seen_at: T,
        last_seen_at: T,
      }),
    );
    expect(await store.findDevice(t.database.db, A, hash)).toBeDefined();
    expect(await store.findDevice(t.database.db, B, hash)).toBeUndefined();
    expect(await store.countDevices(t.database.db, A)).toBe(1);

    const token = Buffer.from('token');
    await t.database.write((trx) =>
      store.insertActionLink(trx, {
        token_hash: token,
        subject_id: A,
        purpose: 'p',
        created_at: T,
        expires_at: T + 5,
        used_at: null,
      }),
    );
    expect(await store.findActionLink(t.database.db, token, 'other')).toBeUndefined();
    expect(await t.database.write((trx) => store.useActionLink(trx, token, T))).toBe(true);
    expect(await t.database.write((trx) => store.useActionLink(trx, token, T))).toBe(false);
  });

  it('finds the open incident of a customer and lists incidents newest first', async () => {
    await t.database.write(async (trx) => {
      await store.insertIncident(trx, {
        id: newId(T),
        subject_id: A,
        kind: 'k',
        source: 'cabinet',
        created_at: T,
        status: 'closed',
      });
      await store.insertIncident(trx, {
        id: newId(T + 1),
        subject_id: A,
        kind: 'k',
        source: 'link',
        created_at: T + 1,
        status: 'open',
      });
    });
    expect((await store.findOpenIncident(t.database.db, A, 'k'))?.source).toBe('link');
    expect(await store.findOpenIncident(t.database.db, B, 'k')).toBeUndefined();
    expect((await store.listIncidents(t.database.db, 10)).map((i) => i.source)).toEqual(['link', 'cabinet']);
  });

  it('keeps profile changes in order', async () => {
    await t.database.write(async (trx) => {
      for (const [i, field] of ['name', 'email', 'phone'].entries())
        await store.insertProfileChange(trx, {
          id: newId(T + i),
          subject_id: A,
          field,
          old_enc: null,
          new_enc: Buffer.from([i]),
          changed_at: T + i,
          source: 'customer',
        });
    });
    expect((await store.listProfileChanges(t.database.db, A)).map((c) => c.field)).toEqual([
      'name',
      'email',
      'phone',
    ]);
    expect(await store.listProfileChanges(t.database.db, B)).toEqual([]);
  });

  it('lists live sessions, ends one, ends the others, and never another customer’s', async () => {
    const [s1, s2, s3, sb] = [newId(T), newId(T + 1), newId(T + 2), newId(T + 3)];
    await t.database.write(async (trx) => {
      await sessions.insertSession(trx, session(s1, A, T));
      await sessions.insertSession(trx, session(s2, A, T + 1));
      await sessions.insertSession(trx, session(s3, A, T + 2));
      await sessions.insertSession(trx, session(sb, B, T));
    });
    expect((await sessions.findSessionByHash(t.database.db, Buffer.from(s1)))?.status).toBe('active');
    expect((await sessions.listLiveSessions(t.database.db, A, T + 5)).map((s) => s.id)).toEqual([s3, s2, s1]);
    expect(await t.database.write((trx) => sessions.revokeSession(trx, B, s1, T))).toBe(false);
    expect(await t.database.write((trx) => sessions.revokeSession(trx, A, s1, T))).toBe(true);
    expect(await t.database.write((trx) => sessions.revokeSessions(trx, A, T, s3))).toBe(1);
    expect((await sessions.listLiveSessions(t.database.db, A, T + 5)).map((s) => s.id)).toEqual([s3]);
    expect(await sessions.listLiveSessions(t.database.db, A, T + 2000)).toEqual([]);
    expect((await sessions.listLiveSessions(t.database.db, B, T + 5)).map((s) => s.id)).toEqual([sb]);
  });

  it('keeps sign-in history and notices per customer, newest first', async () => {
    await t.database.write(async (trx) => {
      for (const i of [0, 1])
        await sessions.insertSignin(trx, {
          id: newId(T + i),
          subject_id: A,
          at: T + i,
          method: 'password',
          result: i ? 'success' : 'failed',
          new_device: i,
          ip_enc: null,
          device_enc: null,
        });
      await sessions.insertNotice(trx, {
        id: newId(T),
        subject_id: A,
        kind: 'new-device',
        body_enc: Buffer.from('x'),
        created_at: T,
        read_at: null,
      });
    });
    expect((await sessions.listSignins(t.database.db, A, 10)).map((s) => s.result)).toEqual([
      'success',
      'failed',
    ]);
    expect(await sessions.listSignins(t.database.db, B, 10)).toEqual([]);
    expect((await sessions.listNotices(t.database.db, A, 10)).map((n) => n.kind)).toEqual(['new-device']);
  });
});
