import type { Clock } from '../../clock.js';
import type { Trx } from '../../db/database.js';
import { first, run, statement } from '../../db/statements.js';
import { MaxfiyError } from '../../errors.js';

/**
 * Country calling codes (ITU-T E.164) are one, two or three digits long, and
 * the first digits say which: 1 (North America) and 7 (Russia, Kazakhstan) are
 * one digit; these are two; every other code is three (998 is Uzbekistan).
 */
// biome-ignore format: the list reads as a table
const TWO_DIGIT_CODES = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

/** The country calling code of a number written as `+` and digits (how contacts are kept). */
export function callingCode(phone: string): string {
  const digits = phone.startsWith('+') ? phone.slice(1) : phone;
  if (digits[0] === '1' || digits[0] === '7') return digits.slice(0, 1);
  const two = digits.slice(0, 2);
  return TWO_DIGIT_CODES.has(two) ? two : digits.slice(0, 3);
}

export interface SmsBudgetPolicy {
  /** SMS per clock hour, all numbers together. */
  perHour: number;
  /** SMS per clock hour to the numbers of any one country other than the home country. */
  abroadPerHour: number;
  /** The home country's calling code, digits only (`998`): only `perHour` bounds it. */
  homeCallingCode: string;
}

export interface SmsBudget {
  /**
   * Counts one SMS to `phone` in the caller's transaction. A code (`refusable`)
   * over either budget is refused with MXF_IDENTITY_SMS_BUDGET_SPENT and, as
   * the transaction then rolls back, not counted; a notice is counted and sent.
   */
  take(trx: Trx, phone: string, refusable: boolean): Promise<void>;
}

const HOUR_MS = 60 * 60_000;

const COUNT = statement(
  'insert into sms_counts (window_start, scope, sent) values (?, ?, 1) on conflict (window_start, scope) do update set sent = sms_counts.sent + 1 returning sent',
);
const FORGET = statement('delete from sms_counts where window_start < ?');

/**
 * Bounds what anyone can make this service send by SMS. Every code sent to a
 * number someone typed is a message the company pays for; "SMS pumping" asks
 * for codes to ranges that share the price with the asker, at whatever rate
 * the per-address throttles allow from many addresses. Counted in the
 * database, in the transaction that queues the SMS, so every node and worker
 * shares one count and a refused code leaves nothing behind.
 */
export function createSmsBudget(deps: {
  clock: Clock;
  policy: SmsBudgetPolicy;
  logger: { warn(obj: object, msg: string): void };
}): SmsBudget {
  const { clock, policy, logger } = deps;
  let forgotten = 0;
  return {
    async take(trx, phone, refusable) {
      const now = clock.now();
      const window = now - (now % HOUR_MS);
      if (window > forgotten) {
        // Hours before the last are of no further use; dropped once an hour per process.
        await run(trx, FORGET, [window - HOUR_MS]);
        forgotten = window;
      }
      const code = callingCode(phone);
      const scopes: [string, number][] = [['all', policy.perHour]];
      if (code !== policy.homeCallingCode) scopes.push([`+${code}`, policy.abroadPerHour]);
      for (const [scope, limit] of scopes) {
        const row = await first<{ sent: number | string }>(trx, COUNT, [window, scope]);
        if (!refusable || Number(row?.sent) <= limit) continue;
        const retryAfter = Math.ceil((window + HOUR_MS - now) / 1000);
        // The calling code only: never the number.
        logger.warn(
          {
            code: 'MXF_IDENTITY_SMS_BUDGET_SPENT',
            scope,
            limit,
            retryAfter,
          },
          'SMS code refused: the hourly SMS budget is spent',
        );
        throw new MaxfiyError('MXF_IDENTITY_SMS_BUDGET_SPENT', { retryAfter });
      }
    },
  };
}
