import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { callingCode, createSmsBudget } from './sms-budget.js';

describe('callingCode', () => {
  it('reads one, two and three digit country calling codes', () => {
    expect(
      [
        '+998901234567',
        '+12025550123',
        '+79161234567',
        '+4915112345678',
        '+375291234567',
        '+971501234567',
        '+8613800138000',
        '+201001234567',
      ].map(callingCode),
    ).toEqual(['998', '1', '7', '49', '375', '971', '86', '20']);
  });
});

const HOUR = 60 * 60_000;

describe.each(databaseKinds())('the hourly SMS budget on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let address = 0;
  beforeEach(async () => {
    // Early in a clock hour, so the steps below stay inside it.
    clock = new ManualClock(Date.UTC(2026, 10, 30, 9, 1));
    t = await createTestApp(kind, { clock, options: { smsPerHour: 4, smsAbroadPerHour: 1 } });
  });
  afterEach(async () => t.close());

  /** Asks for a sign-up code to `contact`, each time from another address, so only the budget can refuse. */
  const start = (contact: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/signup/start',
      payload: { contact },
      remoteAddress: `10.1.0.${++address}`,
    });
  const queuedSms = async () =>
    (await t.services.database.db.selectFrom('outbox').select('topic').execute()).filter(
      (m) => m.topic === 'sms.send',
    ).length;
  const verifications = async () =>
    (await t.services.database.db.selectFrom('verifications').select('id').execute()).length;

  it('refuses codes over the budget for all numbers until the next hour, and keeps nothing of a refused one', async () => {
    for (let i = 0; i < 4; i++) expect((await start(`+99890123450${i}`)).statusCode).toBe(202);
    const [queued, rows] = [await queuedSms(), await verifications()];

    const refused = await start('+998901234599');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('MXF_IDENTITY_SMS_BUDGET_SPENT');
    expect(Number(refused.headers['retry-after'])).toBe(59 * 60);
    expect(refused.body).not.toContain('901234599');
    expect([await queuedSms(), await verifications()]).toEqual([queued, rows]);
    // E-mail codes are not SMS.
    expect((await start('someone@example.uz')).statusCode).toBe(202);

    clock.advance(HOUR);
    expect((await start('+998901234599')).statusCode).toBe(202);
  });

  it('gives each country abroad its own smaller budget inside the one for all numbers', async () => {
    expect((await start('+7 916 123 45 67')).statusCode).toBe(202);
    const second = await start('+7 916 765 43 21');
    expect([second.statusCode, second.json().error.code]).toEqual([429, 'MXF_IDENTITY_SMS_BUDGET_SPENT']);
    expect((await start('+49 151 1234 5678')).statusCode).toBe(202);
    expect((await start('+998 90 123 45 67')).statusCode).toBe(202);
    expect((await start('+998 90 123 45 68')).statusCode).toBe(202);
    // Four sent: the budget for all numbers is spent, for home numbers too.
    expect((await start('+998 90 123 45 69')).statusCode).toBe(429);
    expect(await queuedSms()).toBe(4);
  });

  it('counts notices of changes to an account but never holds one back', async () => {
    const budget = createSmsBudget({
      clock,
      policy: { perHour: 1, abroadPerHour: 1, homeCallingCode: '998' },
      logger: { warn() {} },
    });
    const { database } = t.services;
    for (let i = 0; i < 3; i++) await database.write((trx) => budget.take(trx, '+998901234567', false));
    await expect(database.write((trx) => budget.take(trx, '+998901234567', true))).rejects.toMatchObject({
      code: 'MXF_IDENTITY_SMS_BUDGET_SPENT',
    });
    // Hours past are forgotten once a new one starts.
    clock.advance(2 * HOUR);
    await database.write((trx) => budget.take(trx, '+998901234567', true));
    const windows = await database.db.selectFrom('sms_counts').select('window_start').distinct().execute();
    expect(windows).toHaveLength(1);
  });
});
