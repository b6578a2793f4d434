import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { shippedRegister } from './decisions.testkit.js';
import {
  type ConsentStateName,
  type ConsentStateRow,
  consentState,
  DecisionEngine,
  REASONS,
  type Reason,
} from './engine.js';

const DAY = 86_400_000;
const row = (purposeId: string, over: Partial<ConsentStateRow> = {}): ConsentStateRow => ({
  purposeId,
  scope: '',
  kind: 'consent',
  state: 'given',
  expiresAt: null,
  ...over,
});

describe('the decision engine', () => {
  let clock: ManualClock;
  let engine: DecisionEngine;
  const seen = new Set<Reason>();
  const deny = (reasons: Reason[], got: { allow: boolean; reasons: readonly Reason[] }) => {
    expect(got.allow).toBe(false);
    expect(got.reasons).toEqual(reasons);
    for (const r of reasons) seen.add(r);
  };

  beforeEach(() => {
    clock = new ManualClock();
    engine = new DecisionEngine(clock);
    engine.setRegister(shippedRegister());
    engine.setSubject({ subjectId: 'alice', status: 'active', rev: 1, rows: [] });
  });

  it('allows a contract purpose on its own categories and names the versions it used', () => {
    expect(engine.decide('alice', 'identify', 'contact')).toEqual({
      allow: true,
      reasons: [],
      versions: { purpose: 1, consent: 1 },
    });
  });

  it('keeps an objection or consent that arrived before the register named its purpose, and applies it when it does', () => {
    const base = shippedRegister();
    // Another node created the purpose; the subject's state reached this node before its register.
    const state = {
      subjectId: 'bob',
      status: 'active' as const,
      rev: 2,
      rows: [
        {
          purposeId: 'profiling',
          scope: '',
          kind: 'objection' as const,
          state: 'given' as const,
          expiresAt: null,
          rev: 2,
        },
      ],
    };
    engine.setSubject(state);
    const like = base.purposes.find((p) => p.id === 'new-services') as (typeof base.purposes)[number];
    engine.setRegister({
      ...base,
      purposes: [...base.purposes, { ...like, id: 'profiling', idx: base.purposes.length }],
    });
    deny(['objected'], engine.decide('bob', 'profiling', 'device'));
    // The same revision arriving late changes nothing, and a newer one still wins.
    engine.setSubject(state);
    deny(['objected'], engine.decide('bob', 'profiling', 'device'));
    engine.setSubject({
      ...state,
      rev: 3,
      rows: [{ ...(state.rows[0] as (typeof state.rows)[number]), state: 'withdrawn', rev: 3 }],
    });
    expect(engine.decide('bob', 'profiling', 'device').allow).toBe(true);
  });

  it('denies an unknown purpose, category or subject', () => {
    deny(['unknown-purpose'], engine.decide('alice', 'no-such', 'contact'));
    deny(['unknown-category'], engine.decide('alice', 'identify', 'no-such'));
    deny(['unknown-subject'], engine.decide('bob', 'identify', 'contact'));
    deny(['category-not-in-purpose'], engine.decide('alice', 'identify', 'interests'));
  });

  it('never lets cabinet data out without a live grant, and never to a purpose that does not list it (§4)', () => {
    deny(['cabinet-class-forbidden'], engine.decide('alice', 'improve-service', 'cabinet-contents'));
    deny(
      ['cabinet-class-forbidden'],
      engine.decide('alice', 'improve-service', 'cabinet-contents', { grant: true }),
    );
    deny(['no-grant'], engine.decide('alice', 'support', 'cabinet-contents'));
    expect(engine.decide('alice', 'support', 'cabinet-contents', { grant: true }).allow).toBe(true);
  });

  it('lets research see depersonalised data only (§12)', () => {
    expect(engine.decide('alice', 'research-depersonalised', 'statistics').allow).toBe(true);
    deny(
      ['category-not-in-purpose', 'depersonalised-only'],
      engine.decide('alice', 'research-depersonalised', 'contact'),
    );
  });

  it('denies everything for a blocked account', () => {
    engine.setSubject({ subjectId: 'alice', status: 'blocked', rev: 2, rows: [] });
    deny(['account-blocked'], engine.decide('alice', 'identify', 'contact'));
  });

  it('denies data older than the purpose keeps it (§18)', () => {
    const collectedAt = clock.now() - 366 * DAY;
    deny(['retention-expired'], engine.decide('alice', 'improve-service', 'device', { collectedAt }));
    expect(
      engine.decide('alice', 'improve-service', 'device', { collectedAt: clock.now() - DAY }).allow,
    ).toBe(true);
    // "For the term of the contract" has no day limit.
    expect(engine.decide('alice', 'identify', 'device', { collectedAt: 0 }).allow).toBe(true);
  });

  it('allows a consent purpose only while the consent is given and not expired', () => {
    deny(['no-consent'], engine.decide('alice', 'interest-analytics', 'interests'));
    engine.setSubject({
      subjectId: 'alice',
      status: 'active',
      rev: 2,
      rows: [row('interest-analytics', { expiresAt: clock.now() + DAY })],
    });
    expect(engine.decide('alice', 'interest-analytics', 'interests')).toMatchObject({
      allow: true,
      versions: { consent: 2 },
    });
    clock.advance(2 * DAY);
    deny(['consent-expired'], engine.decide('alice', 'interest-analytics', 'interests'));
    engine.setSubject({
      subjectId: 'alice',
      status: 'active',
      rev: 3,
      rows: [row('interest-analytics', { state: 'withdrawn' })],
    });
    deny(['no-consent'], engine.decide('alice', 'interest-analytics', 'interests'));
  });

  it('honours an objection to a legitimate-interest purpose', () => {
    expect(engine.decide('alice', 'improve-service', 'device').allow).toBe(true);
    engine.setSubject({
      subjectId: 'alice',
      status: 'active',
      rev: 2,
      rows: [row('improve-service', { kind: 'objection' })],
    });
    deny(['objected'], engine.decide('alice', 'improve-service', 'device'));
    expect(engine.decide('alice', 'new-services', 'device').allow).toBe(true);
  });

  it('asks newsletters per channel and topic (§13)', () => {
    engine.setSubject({
      subjectId: 'alice',
      status: 'active',
      rev: 2,
      rows: [
        row('offers-newsletters', { scope: 'email:promotions' }),
        row('offers-newsletters', { scope: 'sms:*' }),
      ],
    });
    const ask = (channel?: string, topic?: string) =>
      engine.decide('alice', 'offers-newsletters', 'contact', {
        ...(channel ? { channel } : {}),
        ...(topic ? { topic } : {}),
      }).allow;
    expect(ask('email', 'promotions')).toBe(true);
    expect(ask('email', 'news')).toBe(false);
    expect(ask('sms', 'news')).toBe(true);
    expect(ask()).toBe(false);
  });

  describe('consents per channel and topic: the covering row written last decides', () => {
    const NEWS = 'offers-newsletters';
    let subjectRev = 1;
    /** Writes applied in order, each replacing the row of its scope, as `consent_current` keeps them. */
    const written = (...writes: [scope: string, state: ConsentStateRow['state'], expiresAt?: number][]) => {
      const rows = new Map<string, ConsentStateRow>();
      writes.forEach(([scope, state, expiresAt], i) =>
        rows.set(scope, row(NEWS, { scope, state, expiresAt: expiresAt ?? null, rev: i + 2 })),
      );
      engine.setSubject({
        subjectId: 'alice',
        status: 'active',
        rev: ++subjectRev,
        rows: [...rows.values()],
      });
    };
    const ask = (channel?: string, topic?: string) =>
      engine.decide('alice', NEWS, 'contact', {
        ...(channel ? { channel } : {}),
        ...(topic ? { topic } : {}),
      });

    it('switching the whole purpose off in the cabinet ends the consents an app gave per channel', () => {
      written(['email:*', 'given'], ['', 'withdrawn']);
      deny(['no-consent'], ask('email'));
      deny(['no-consent'], ask('email', 'promo'));
      deny(['no-consent'], ask());
    });

    it('a later withdrawal of one topic carves it out of an earlier consent for the channel', () => {
      written(['email:*', 'given'], ['email:promo', 'withdrawn']);
      deny(['no-consent'], ask('email', 'promo'));
      expect(ask('email', 'news').allow).toBe(true);
      expect(ask('email').allow).toBe(true);
    });

    it('a later withdrawal of one channel carves it out of an earlier consent to the whole purpose', () => {
      written(['', 'given'], ['sms:*', 'withdrawn']);
      deny(['no-consent'], ask('sms'));
      deny(['no-consent'], ask('sms', 'promo'));
      expect(ask('email', 'promo').allow).toBe(true);
      expect(ask().allow).toBe(true);
    });

    it('a later consent for one channel after a whole-purpose withdrawal is the newer wish, and allows that channel alone', () => {
      written(['', 'withdrawn'], ['email:*', 'given']);
      expect(ask('email', 'promo').allow).toBe(true);
      deny(['no-consent'], ask('sms'));
      deny(['no-consent'], ask());
      // …until the whole purpose is switched on or off again.
      written(['', 'withdrawn'], ['email:*', 'given'], ['', 'withdrawn']);
      deny(['no-consent'], ask('email', 'promo'));
    });

    it('takes an expiry of 0 as a term that ended, at every scope (no expiry is null, never a number)', () => {
      written(['email:*', 'given', 0]);
      deny(['consent-expired'], ask('email'));
      written(['', 'given', 0]);
      deny(['consent-expired'], ask());
      deny(['consent-expired'], ask('email'));
      written(['', 'given'], ['email:news', 'given', clock.now() + DAY]);
      expect(ask('email', 'news').allow).toBe(true);
      clock.advance(2 * DAY);
      // The last word on email/news was a consent for a term: it has ended, it does not fall back.
      deny(['consent-expired'], ask('email', 'news'));
      expect(ask('email', 'promo').allow).toBe(true);
    });

    it('answers consent-expired, not no-consent, for a row the expiry sweep stored as expired, until a later consent covers the question', () => {
      // The sweep keeps the term that ended on the row; the state alone must decide.
      written(['', 'expired', clock.now() + DAY]);
      deny(['consent-expired'], ask());
      deny(['consent-expired'], ask('email', 'news'));
      expect(
        consentState([row(NEWS, { state: 'expired', expiresAt: clock.now() + DAY })], NEWS, clock.now()),
      ).toBe('expired');
      written(['email:*', 'expired'], ['', 'given']);
      expect(ask('email').allow).toBe(true);
      written(['', 'expired'], ['email:news', 'given']);
      expect(ask('email', 'news').allow).toBe(true);
      deny(['consent-expired'], ask('email', 'promo'));
      deny(['consent-expired'], ask());
      written(['', 'expired'], ['sms:*', 'expired']);
      deny(['consent-expired'], ask('sms', 'promo'));
    });

    it('orders rows without a revision by their place in the list, after none that has one', () => {
      engine.setSubject({
        subjectId: 'alice',
        status: 'active',
        rev: 9,
        rows: [row(NEWS, { scope: 'email:*', rev: 3 }), row(NEWS, { state: 'withdrawn' })],
      });
      expect(ask('email').allow).toBe(true);
      engine.setSubject({
        subjectId: 'alice',
        status: 'active',
        rev: 10,
        rows: [row(NEWS, { scope: 'email:*' }), row(NEWS, { state: 'withdrawn' })],
      });
      deny(['no-consent'], ask('email'));
    });

    it('ignores a scoped objection left from before they were refused', () => {
      engine.setSubject({
        subjectId: 'alice',
        status: 'active',
        rev: 2,
        rows: [row('improve-service', { kind: 'objection', scope: 'email:*', rev: 2 })],
      });
      expect(engine.decide('alice', 'improve-service', 'device', { channel: 'email' }).allow).toBe(true);
    });

    const SCOPES = ['', 'email:*', 'email:promo', 'email:news', 'sms:*', 'sms:promo'] as const;
    const QUESTIONS: [channel?: string, topic?: string][] = [
      [],
      ['email'],
      ['email', 'promo'],
      ['email', 'news'],
      ['email', 'other'],
      ['sms'],
      ['sms', 'promo'],
      ['push', 'promo'],
    ];
    const covering = (scope: string, channel?: string, topic?: string) =>
      scope === '' || scope === `${channel}:*` || (topic !== undefined && scope === `${channel}:${topic}`);
    const REASON_OF: Record<ConsentStateName, Reason | undefined> = {
      given: undefined,
      withdrawn: 'no-consent',
      none: 'no-consent',
      expired: 'consent-expired',
    };
    const PURPOSES = [NEWS, 'interest-analytics'] as const;
    const write = fc.record({
      purpose: fc.constantFrom(...PURPOSES),
      scope: fc.constantFrom(...SCOPES),
      state: fc.constantFrom('given', 'withdrawn', 'expired') as fc.Arbitrary<ConsentStateRow['state']>,
      // Days from now the term ends; null: none.
      ends: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
    });

    it('for any writes at the three scope levels, decides as the last covering write says, and as the cabinet shows', () => {
      fc.assert(
        fc.property(fc.array(write, { maxLength: 14 }), fc.boolean(), (writes, withRevisions) => {
          const now = clock.now();
          // What `consent_current` keeps: the latest write per purpose and scope.
          const rows = new Map<string, ConsentStateRow>();
          writes.forEach((w, i) => {
            const key = `${w.purpose}|${w.scope}`;
            rows.delete(key);
            rows.set(key, {
              ...row(w.purpose, { scope: w.scope, state: w.state }),
              expiresAt: w.ends === null ? null : now + w.ends * DAY,
              // Without revisions the rows are listed in the order written (map order); with them, as the store lists them.
              ...(withRevisions ? { rev: i + 1 } : {}),
            });
          });
          const current = withRevisions
            ? [...rows.values()].sort(
                (a, b) => a.purposeId.localeCompare(b.purposeId) || a.scope.localeCompare(b.scope),
              )
            : [...rows.values()];
          engine.setSubject({ subjectId: 'alice', status: 'active', rev: ++subjectRev, rows: current });
          for (const purpose of PURPOSES)
            for (const [channel, topic] of QUESTIONS) {
              const last = writes.findLast((w) => w.purpose === purpose && covering(w.scope, channel, topic));
              const expected: ConsentStateName =
                last === undefined
                  ? 'none'
                  : last.state === 'given' && last.ends !== null && last.ends <= 0
                    ? 'expired'
                    : last.state;
              expect(consentState(current, purpose, now, channel, topic)).toBe(expected);
              const reason = REASON_OF[expected];
              const got = engine.decide('alice', purpose, 'interests', {
                ...(channel ? { channel } : {}),
                ...(topic ? { topic } : {}),
              });
              expect(got.reasons, `${purpose} ${channel}/${topic} after ${JSON.stringify(writes)}`).toEqual(
                reason ? [reason] : [],
              );
            }
        }),
        { numRuns: 500 },
      );
    });
  });

  it('ignores a state older than the one it holds, so a late reload never undoes a newer write', () => {
    engine.setSubject({
      subjectId: 'alice',
      status: 'active',
      rev: 5,
      rows: [row('interest-analytics', { state: 'withdrawn' })],
    });
    expect(
      engine.setSubject({ subjectId: 'alice', status: 'active', rev: 4, rows: [row('interest-analytics')] }),
    ).toBe(false);
    expect(engine.decide('alice', 'interest-analytics', 'interests').allow).toBe(false);
  });

  it('keeps answers across growth of the index and of the register', () => {
    for (let i = 0; i < 5000; i++)
      engine.setSubject({
        subjectId: `s-${i}`,
        status: 'active',
        rev: 1,
        rows: i % 2 ? [row('interest-analytics')] : [],
      });
    const register = shippedRegister();
    const extra = Array.from({ length: 40 }, (_, i) => ({
      ...(register.purposes[6] as (typeof register.purposes)[number]),
      id: `extra-${i}`,
      idx: 12 + i,
    }));
    engine.setRegister({ ...register, purposes: [...register.purposes, ...extra] });
    for (let i = 0; i < 5000; i++)
      expect(engine.decide(`s-${i}`, 'interest-analytics', 'interests').allow).toBe(i % 2 === 1);
    engine.setSubject({ subjectId: 's-1', status: 'active', rev: 2, rows: [row('extra-39')] });
    expect(engine.decide('s-1', 'extra-39', 'contact').allow).toBe(true);
    expect(engine.decide('s-1', 'interest-analytics', 'interests').allow).toBe(false);
  });

  it('shares one frozen answer per outcome, so deciding allocates nothing and no caller can alter an answer', () => {
    const first = engine.decide('alice', 'identify', 'contact');
    expect(engine.decide('alice', 'identify', 'contact')).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.reasons) && Object.isFrozen(first.versions)).toBe(
      true,
    );
    const denied = engine.decide('alice', 'interest-analytics', 'interests');
    expect(() => (denied.reasons as string[]).push('objected')).toThrow();
    expect(engine.decide('alice', 'interest-analytics', 'interests').reasons).toEqual(['no-consent']);
    // A new register makes new answers: they name the new versions.
    const register = shippedRegister();
    engine.setRegister({ ...register, purposes: register.purposes.map((p) => ({ ...p, version: 2 })) });
    expect(engine.decide('alice', 'identify', 'contact').versions).toEqual({ purpose: 2, consent: 1 });
  });

  it('names the right consent revision for every subject, past the bound of kept answers and at any revision', () => {
    const revs = [...Array.from({ length: 20_000 }, (_, i) => i + 1), 2 ** 17, 2 ** 31];
    for (const rev of revs) engine.setSubject({ subjectId: `r-${rev}`, status: 'active', rev, rows: [] });
    for (const rev of revs)
      expect(engine.decide(`r-${rev}`, 'identify', 'contact').versions.consent, `rev ${rev}`).toBe(rev);
  });

  it('has a test for every reason code', () => {
    expect([...seen].sort()).toEqual([...REASONS].sort());
  });
});
