import { isIP } from 'node:net';
import type { Clock } from '../../clock.js';
import { clientKey } from '../../http/rate-limit.js';

/**
 * Exponential back-off for staff sign-in, per e-mail (its blind index) and per
 * client address.
 *
 * With OPAQUE a wrong password is usually detected by the browser, which then
 * never sends the second message; the server cannot tell "wrong password" from
 * "gave up". So every started sign-in counts as an attempt until it is finished
 * successfully: success clears the e-mail's count and takes its one attempt off
 * the address's count (an office behind one address is not punished for its
 * colleagues' good sign-ins).
 *
 * The counts live in memory (this step's choice): they are lost on restart and
 * not shared between nodes, so with N nodes an attacker gets N times the budget.
 * The map is bounded; the least recently used key that is not waiting goes first.
 */
export interface ThrottlePolicy {
  /** Attempts allowed before any wait. */
  freeAttempts: number;
  /** The first wait; each further attempt doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key idle this long starts afresh. */
  forgetAfterMs: number;
}

/**
 * The network an address counts for, as the rate limit counts clients
 * (`clientKey`): an IPv4 address itself (an IPv6 one standing for it, mapped
 * or 6to4, too), and for IPv6 its /64, the smallest block a network hands a
 * single subscriber. Keyed by the exact IPv6 address, one client could take a
 * fresh budget from each of its 2^64 addresses. Anything that is no address is
 * kept as it is.
 */
export function throttleNetwork(address: string): string {
  return isIP(address) === 0 ? address : clientKey(address);
}

/** One account: a handful of typos, then waits of 1 s, 2 s, 4 s … up to 15 min. */
export const EMAIL_POLICY: ThrottlePolicy = {
  freeAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/** One address: more room, since a whole office may share it. */
export const ADDRESS_POLICY: ThrottlePolicy = {
  freeAttempts: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

export interface SigninKeys {
  /** Hex of the e-mail's blind index. */
  email: string;
  /** Client address, when the caller has one. */
  address?: string | undefined;
}

export interface SigninThrottle {
  /** Seconds to wait before another attempt is allowed; 0 when allowed now. */
  retryAfter(keys: SigninKeys): number;
  attempted(keys: SigninKeys): void;
  succeeded(keys: SigninKeys): void;
}

/** Keys looked at, oldest first, for one that is not waiting, before the oldest goes whatever it is. */
const EVICTION_SCAN = 1000;

interface Entry {
  attempts: number;
  lastAt: number;
}

export function createSigninThrottle(deps: {
  clock: Clock;
  email?: ThrottlePolicy;
  address?: ThrottlePolicy;
  maxEntries?: number;
}): SigninThrottle {
  const { clock } = deps;
  const emailPolicy = deps.email ?? EMAIL_POLICY;
  const addressPolicy = deps.address ?? ADDRESS_POLICY;
  const maxEntries = deps.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  function keysOf(keys: SigninKeys): [string, ThrottlePolicy][] {
    const out: [string, ThrottlePolicy][] = [[`e:${keys.email}`, emailPolicy]];
    if (keys.address) out.push([`a:${throttleNetwork(keys.address)}`, addressPolicy]);
    return out;
  }

  function current(key: string, policy: ThrottlePolicy, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && now - entry.lastAt > policy.forgetAfterMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function waitMs(entry: Entry | undefined, policy: ThrottlePolicy, now: number): number {
    if (!entry || entry.attempts < policy.freeAttempts) return 0;
    const exponent = Math.min(entry.attempts - policy.freeAttempts, 30);
    const delay = Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
    return Math.max(0, entry.lastAt + delay - now);
  }

  const policyOf = (key: string) => (key.startsWith('a:') ? addressPolicy : emailPolicy);

  /**
   * Room for one more key: the least recently used key still within its free
   * attempts goes first (never the key being counted), so a flood of new
   * e-mails or addresses cannot push out an account or address that is waiting
   * out its back-off. Only when the oldest keys looked at are all waiting does
   * the oldest of them go.
   */
  function evictOne(keep: string): void {
    let looked = 0;
    for (const [key, entry] of entries) {
      // Never the key being counted: it would never count at all.
      if (key !== keep && entry.attempts < policyOf(key).freeAttempts) {
        entries.delete(key);
        return;
      }
      if (++looked >= EVICTION_SCAN) break;
    }
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }

  function put(key: string, entry: Entry): void {
    // Re-inserting moves the key to the end: the map's order is recency.
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) evictOne(key);
  }

  return {
    retryAfter(keys) {
      const now = clock.now();
      let wait = 0;
      for (const [key, policy] of keysOf(keys))
        wait = Math.max(wait, waitMs(current(key, policy, now), policy, now));
      return Math.ceil(wait / 1000);
    },
    attempted(keys) {
      const now = clock.now();
      for (const [key, policy] of keysOf(keys)) {
        const entry = current(key, policy, now);
        put(key, { attempts: (entry?.attempts ?? 0) + 1, lastAt: now });
      }
    },
    succeeded(keys) {
      const now = clock.now();
      entries.delete(`e:${keys.email}`);
      if (!keys.address) return;
      const key = `a:${throttleNetwork(keys.address)}`;
      const entry = current(key, addressPolicy, now);
      if (!entry) return;
      if (entry.attempts <= 1) entries.delete(key);
      else entries.set(key, { attempts: entry.attempts - 1, lastAt: entry.lastAt });
    },
  };
}
