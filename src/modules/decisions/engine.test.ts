import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { shippedRegister } from './decisions.testkit.js';
import { type ConsentStateRow, DecisionEngine, REASONS, type Reason } from './engine.js';

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
