import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { ADDRESS_POLICY, createSigninThrottle, EMAIL_POLICY, throttleNetwork } from './signin-throttle.js';

describe('staff sign-in throttle', () => {
  it('lets the free attempts through, then doubles the wait with each further attempt', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock });
    const keys = { email: 'e1' };
    for (let i = 0; i < EMAIL_POLICY.freeAttempts; i++) {
      expect(throttle.retryAfter(keys)).toBe(0);
      throttle.attempted(keys);
    }
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const wait = throttle.retryAfter(keys);
      waits.push(wait);
      clock.advance(wait * 1000);
      expect(throttle.retryAfter(keys)).toBe(0);
      throttle.attempted(keys);
    }
    expect(waits).toEqual([1, 2, 4, 8]);
  });

  it('never makes anyone wait longer than the cap', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock });
    for (let i = 0; i < 200; i++) throttle.attempted({ email: 'e' });
    expect(throttle.retryAfter({ email: 'e' })).toBe(EMAIL_POLICY.maxDelayMs / 1000);
  });

  it('forgets a key that stayed quiet long enough', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock });
    for (let i = 0; i < 10; i++) throttle.attempted({ email: 'e' });
    clock.advance(EMAIL_POLICY.forgetAfterMs + 1);
    expect(throttle.retryAfter({ email: 'e' })).toBe(0);
  });

  it('throttles an address that tries many e-mails, and success only removes its own attempt there', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({
      clock,
      address: { freeAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 3_600_000 },
    });
    for (let i = 0; i < 3; i++) throttle.attempted({ email: `e${i}`, address: '10.0.0.1' });
    expect(throttle.retryAfter({ email: 'fresh', address: '10.0.0.1' })).toBe(1);
    expect(throttle.retryAfter({ email: 'fresh', address: '10.0.0.2' })).toBe(0);
    throttle.succeeded({ email: 'e2', address: '10.0.0.1' });
    expect(throttle.retryAfter({ email: 'fresh', address: '10.0.0.1' })).toBe(0);
    throttle.attempted({ email: 'e9', address: '10.0.0.1' });
    expect(throttle.retryAfter({ email: 'fresh', address: '10.0.0.1' })).toBe(1);
  });

  it('counts an IPv6 client by its /64: a fresh address in the same block brings no fresh budget', () => {
    expect(
      ['2001:db8:1:1::1', '2001:DB8:1:1:ffff::9', '2001:db8:1:1:0:0:0:2', '2001:db8:0001:0001::1.2.3.4'].map(
        throttleNetwork,
      ),
    ).toEqual(Array(4).fill('20010db800010001/64'));
    expect(throttleNetwork('::1')).toBe('0000000000000000/64');
    expect(throttleNetwork('fe80::1%eth0')).toBe('fe80000000000000/64');
    expect(throttleNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    // A 6to4 address is the IPv4 host it stands for: its whole /48 is one client.
    expect(throttleNetwork('2002:cb00:7107:1::1')).toBe('203.0.113.7');
    expect(throttleNetwork('2002:cb00:7107:2::1')).toBe('203.0.113.7');
    expect(throttleNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleNetwork('unknown')).toBe('unknown');
    expect(throttleNetwork('2001:db8:1:2::1')).not.toBe(throttleNetwork('2001:db8:1:1::1'));

    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock });
    let i = 0;
    // Each try from a new address of one /64, each for a new account.
    const next = () => ({ email: `e${i}`, address: `2001:db8:1:1::${(++i).toString(16)}` });
    for (let n = 0; n < ADDRESS_POLICY.freeAttempts; n++) throttle.attempted(next());
    expect(throttle.retryAfter(next())).toBeGreaterThan(0);
    // The next /64 is another subscriber.
    expect(throttle.retryAfter({ email: 'other', address: '2001:db8:1:2::1' })).toBe(0);
  });

  it('clears an e-mail’s count on success', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock });
    for (let i = 0; i < 8; i++) throttle.attempted({ email: 'e' });
    throttle.succeeded({ email: 'e' });
    expect(throttle.retryAfter({ email: 'e' })).toBe(0);
  });

  it('stays within its memory bound, dropping the least recently used key when all are waiting', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock, maxEntries: 2 });
    for (let i = 0; i < 6; i++) throttle.attempted({ email: 'old' });
    for (let i = 0; i < 6; i++) throttle.attempted({ email: 'newer' });
    throttle.attempted({ email: 'newest' });
    expect(throttle.retryAfter({ email: 'old' })).toBe(0);
    expect(throttle.retryAfter({ email: 'newer' })).toBeGreaterThan(0);
  });

  it('keeps an account that is waiting when a flood of new e-mails fills the table', () => {
    const clock = new ManualClock();
    const throttle = createSigninThrottle({ clock, maxEntries: 3 });
    for (let i = 0; i < 8; i++) throttle.attempted({ email: 'victim' });
    const wait = throttle.retryAfter({ email: 'victim' });
    expect(wait).toBeGreaterThan(0);
    // Junk e-mails, one attempt each: before, each pushed out the least recently used key, the victim's too.
    for (let i = 0; i < 1000; i++) throttle.attempted({ email: `junk-${i}` });
    expect(throttle.retryAfter({ email: 'victim' })).toBe(wait);
  });
});
