import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { MaxfiyError } from '../../errors.js';
import { createDecisionService } from '../decisions/decisions.service.js';
import type { DecisionContext } from '../decisions/engine.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import * as purposeStore from '../purposes/purposes.store.js';
import { purposeView } from './consents.cabinet.js';
import type { ConsentInput } from './consents.schemas.js';
import { MAX_SCOPES_PER_PURPOSE } from './consents.service.js';
import * as consentStore from './consents.store.js';

const notice = { version: '1', language: 'uz-Latn' as const };
const give = (purpose: string, over: Partial<ConsentInput> = {}): ConsentInput => ({
  purpose,
  action: 'give',
  source: 'cabinet',
  notice,
  ...over,
});
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof MaxfiyError ? err.code : String(err);
  }
};

describe('the shipped register file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-register-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const variant = (change: (r: ReturnType<typeof readRegisterFile>) => void) => {
    const r = JSON.parse(readFileSync('config/purposes.json', 'utf8'));
    change(r);
    const file = path.join(dir, `${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(r));
    return () => readRegisterFile(file);
  };

  it('holds the eleven purposes of §12 and the interest analytics of §11, each with a justified legal basis', () => {
    const r = readRegisterFile('config/purposes.json');
    expect(r.purposes.map((p) => p.id)).toEqual([
      'identify',
      'personalised-access',
      'contact',
      'requests',
      'accuracy',
      'accounts',
      'offers-newsletters',
      'support',
      'improve-service',
      'new-services',
      'research-depersonalised',
      'interest-analytics',
    ]);
    for (const p of r.purposes) expect(p.rationale.length).toBeGreaterThan(20);
    expect(r.purposes.find((p) => p.id === 'research-depersonalised')?.depersonalisedOnly).toBe(true);
  });

  it('refuses to start with a must-stay category placed in a store outside Uzbekistan, or a dangling reference', () => {
    expect(
      variant((r) => {
        r.stores.push({ id: 'eu', country: 'DE', description: 'Frankfurt' });
        (r.categories.find((c) => c.id === 'biometric') as { storeId: string }).storeId = 'eu';
      }),
    ).toThrow(/must stay in UZ/);
    expect(variant((r) => r.purposes[0]?.categories.push('no-such'))).toThrow(/no category "no-such"/);
    expect(variant((r) => Object.assign(r.purposes[0] as object, { legalBasis: 'whim' }))).toThrow(
      /legalBasis/,
    );
  });
});

describe.each(databaseKinds())('purposes, consents and decisions on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    expect(await t.services.purposes.seed(readRegisterFile('config/purposes.json'))).toBe(true);
    await t.services.decisions.listen();
  });
  afterAll(async () => {
    await t?.services.decisions.stop();
    await t?.close();
  });

  it('loads the register once: a second start leaves it as staff keep it', async () => {
    expect(await t.services.purposes.seed(readRegisterFile('config/purposes.json'))).toBe(false);
    expect(await t.services.purposes.listPurposes()).toHaveLength(12);
  });

  it('refuses to place a must-stay category in a store outside Uzbekistan', async () => {
    const { purposes } = t.services;
    await purposes.addStore('staff:1', { id: 'eu-frankfurt', country: 'DE', description: 'Frankfurt' });
    expect(await codeOf(purposes.placeCategory('staff:1', 'biometric', 'eu-frankfurt'))).toBe(
      'MXF_PURPOSE_MUST_STAY_IN_UZ',
    );
    expect((await purposes.listCategories()).find((c) => c.id === 'biometric')?.storeId).toBe('uz-primary');
    expect(await codeOf(purposes.placeCategory('staff:1', 'biometric', 'nowhere'))).toBe(
      'MXF_PURPOSE_STORE_NOT_FOUND',
    );
    expect((await purposes.placeCategory('staff:1', 'device', 'eu-frankfurt')).storeId).toBe('eu-frankfurt');
    await purposes.placeCategory('staff:1', 'device', 'uz-primary');
  });

  it('makes an edit a new version, keeps the old one, and decides on the new one at once', async () => {
    const { purposes, decisions } = t.services;
    const before = await purposes.getPurpose('new-services');
    const { id: _id, version: _v, ...definition } = before.purpose;
    const edited = await purposes.updatePurpose('staff:1', 'new-services', {
      ...definition,
      retentionDays: 180,
    });
    expect(edited.version).toBe(before.purpose.version + 1);
    const after = await purposes.getPurpose('new-services');
    expect(after.versions.map((v) => v.definition.retentionDays)).toEqual([365, 180]);
    await t.services.consents.setStatus('staff:1', 'version-subject', 'active');
    expect(decisions.decide('version-subject', 'new-services', 'device').versions.purpose).toBe(
      edited.version,
    );
  });

  // On PostgreSQL every write is a transaction of its own, so no consent shares a commit with the move.
  it.skipIf(kind === 'postgres')(
    'names, in a consent written in the same commit just after a category moved, the store it moved to (SQLite only: see above)',
    async () => {
      const { purposes, consents } = t.services;
      await purposes.addStore('staff:1', { id: 'uz-second', country: 'UZ', description: 'Second centre' });
      // The consent service keeps what it read of the register: this write fills that copy.
      await consents.record('staff:1', 'commit-subject', give('interest-analytics'));
      // Issued in one turn, the two share one group commit, the move first.
      const [, event] = await Promise.all([
        purposes.placeCategory('staff:1', 'interests', 'uz-second'),
        consents.record('staff:1', 'commit-subject', give('interest-analytics', { action: 'withdraw' })),
      ]);
      const moved = await t.services.database.db
        .selectFrom('audit_entries')
        .select('seq')
        .where('action', '=', 'purposes.category.placed')
        .executeTakeFirstOrThrow();
      expect(Number(moved.seq)).toBeLessThan(event.auditSeq);
      expect((event.record as { storageLocations: unknown[] }).storageLocations).toEqual([
        { id: 'uz-primary', country: 'UZ' },
        { id: 'uz-second', country: 'UZ' },
      ]);
      await purposes.placeCategory('staff:1', 'interests', 'uz-primary');
    },
  );

  it('records each consent as an ISO/IEC TS 27560 record with its audit entry, and decides on it before acknowledging', async () => {
    const { consents, decisions, audit } = t.services;
    expect(decisions.decide('alice', 'interest-analytics', 'interests').reasons).toEqual(['unknown-subject']);
    const event = await consents.record(
      'staff:1',
      'alice',
      give('interest-analytics', { source: 'site-notice' }),
    );
    expect(decisions.decide('alice', 'interest-analytics', 'interests').allow).toBe(true);
    const record = event.record as Record<string, unknown>;
    expect(record).toMatchObject({
      recordId: event.id,
      subjectId: 'alice',
      notice: { version: '1', language: 'uz-Latn' },
      purposes: [{ id: 'interest-analytics', version: 1, legalBasis: 'consent' }],
      controllers: [{ id: 'cdti', tin: null, country: 'UZ' }],
      storageLocations: [{ id: 'uz-primary', country: 'UZ' }],
      retention: { days: 365 },
      jurisdiction: 'UZ',
      recipients: [],
      withdrawal: { how: 'cabinet' },
      event: { type: 'consent', state: 'given', source: 'site-notice' },
    });
    expect(record.schemaVersion).toMatch(/27560/);
    expect((record.dataCategories as { id: string }[]).map((c) => c.id).sort()).toEqual([
      'device',
      'interests',
    ]);
    const entry = await audit.entry(event.auditSeq);
    expect(entry).toMatchObject({
      action: 'consent.given',
      subjectId: 'alice',
      purpose: 'interest-analytics',
    });

    await consents.record(
      'staff:1',
      'alice',
      give('interest-analytics', { action: 'withdraw', source: 'app' }),
    );
    expect(decisions.decide('alice', 'interest-analytics', 'interests').reasons).toEqual(['no-consent']);
    const mine = await consents.forSubject('alice');
    expect(mine.history.map((e) => e.state)).toEqual(['given', 'withdrawn']);
    expect(mine.current).toEqual([
      { purpose: 'interest-analytics', scope: '', kind: 'consent', state: 'withdrawn', expiresAt: null },
    ]);
  });

  it('shows a long history newest first in pages, so the latest change is never left out', async () => {
    const { consents } = t.services;
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        consents.record(
          'staff:1',
          'hanna',
          give('interest-analytics', { action: i % 2 ? 'withdraw' : 'give' }),
        ),
      ),
    );
    const last = await consents.record(
      'staff:1',
      'hanna',
      give('interest-analytics', { action: 'withdraw' }),
    );
    const page = await consents.forSubject('hanna');
    expect(page.history.at(-1)?.id).toBe(last.id);
    const revs = page.history.map((e) => e.rev);
    let before = page.earlier;
    while (before !== null) {
      const earlier = await consents.forSubject('hanna', before);
      revs.unshift(...earlier.history.map((e) => e.rev));
      before = earlier.earlier;
    }
    expect(revs).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
  });

  it('refuses a consent for a contract-basis purpose, an objection to a consent purpose, and a paper form without its scan, writing nothing', async () => {
    const { consents } = t.services;
    const size = await t.services.audit.size();
    expect(await codeOf(consents.record('staff:1', 'bob', give('identify')))).toBe(
      'MXF_CONSENT_NOT_CONSENT_BASIS',
    );
    expect(await codeOf(consents.record('staff:1', 'bob', give('accuracy')))).toBe(
      'MXF_CONSENT_NOT_CONSENT_BASIS',
    );
    expect(
      await codeOf(consents.record('staff:1', 'bob', give('offers-newsletters', { action: 'object' }))),
    ).toBe('MXF_CONSENT_OBJECTION_NOT_APPLICABLE');
    expect(
      await codeOf(consents.record('staff:1', 'bob', give('offers-newsletters', { source: 'staff-paper' }))),
    ).toBe('MXF_CONSENT_EVIDENCE_REQUIRED');
    expect(await codeOf(consents.record('staff:1', 'bob', give('no-such')))).toBe('MXF_PURPOSE_NOT_FOUND');
    expect(
      await codeOf(consents.record('staff:1', 'bob', give('offers-newsletters', { topic: 'news' }))),
    ).toBe('MXF_CONSENT_SCOPE_INVALID');
    expect(await t.services.audit.size()).toBe(size);
    expect(await codeOf(consents.forSubject('bob'))).toBe('MXF_CONSENT_SUBJECT_NOT_FOUND');
  });

  it('takes objections, paper forms with evidence, newsletter scopes and blocked accounts into account', async () => {
    const { consents, decisions } = t.services;
    await consents.record('staff:1', 'carol', give('improve-service', { action: 'object', source: 'app' }));
    expect(decisions.decide('carol', 'improve-service', 'device').reasons).toEqual(['objected']);
    await consents.record('staff:1', 'carol', give('improve-service', { action: 'withdraw-objection' }));
    expect(decisions.decide('carol', 'improve-service', 'device').allow).toBe(true);
    const paper = await consents.record(
      'staff:2',
      'carol',
      give('offers-newsletters', {
        source: 'staff-paper',
        evidenceRef: 'scans/2026/0001.pdf',
        channel: 'email',
        topic: 'news',
      }),
    );
    expect((paper.record as { event: { evidenceRef: string } }).event.evidenceRef).toBe(
      'scans/2026/0001.pdf',
    );
    expect(
      decisions.decide('carol', 'offers-newsletters', 'contact', { channel: 'email', topic: 'news' }).allow,
    ).toBe(true);
    expect(
      decisions.decide('carol', 'offers-newsletters', 'contact', { channel: 'sms', topic: 'news' }).allow,
    ).toBe(false);
    await consents.setStatus('staff:1', 'carol', 'blocked');
    expect(decisions.decide('carol', 'identify', 'contact').reasons).toEqual(['account-blocked']);
  });

  it('refuses an objection, or its withdrawal, per channel or topic: objections are to a whole purpose (nothing recorded)', async () => {
    const { consents, decisions } = t.services;
    const size = await t.services.audit.size();
    for (const over of [
      { action: 'object', channel: 'email' },
      { action: 'object', channel: 'email', topic: 'promo' },
      { action: 'object', topic: 'promo' },
      { action: 'withdraw-objection', channel: 'sms' },
    ] as const)
      expect(
        await codeOf(consents.record('app:test', 'olga', give('improve-service', over))),
        over.action,
      ).toBe('MXF_CONSENT_OBJECTION_SCOPED');
    expect(await t.services.audit.size()).toBe(size);
    expect(await codeOf(consents.forSubject('olga'))).toBe('MXF_CONSENT_SUBJECT_NOT_FOUND');
    await consents.record('app:test', 'olga', give('improve-service', { action: 'object' }));
    expect(decisions.decide('olga', 'improve-service', 'device', { channel: 'email' }).reasons).toEqual([
      'objected',
    ]);
  });

  it(`holds at most ${MAX_SCOPES_PER_PURPOSE} channels and topics per purpose for one customer; the held ones stay changeable`, async () => {
    const { consents, decisions } = t.services;
    const scopes = Array.from({ length: MAX_SCOPES_PER_PURPOSE }, (_, i) =>
      i % 2 ? { channel: `c${i}` } : { channel: 'email', topic: `t${i}` },
    );
    for (const scope of scopes) await consents.record('app:test', 'quinn', give('offers-newsletters', scope));
    const size = await t.services.audit.size();
    for (const over of [
      { channel: 'one-more' },
      { channel: 'email', topic: 'one-more' },
      { action: 'withdraw', channel: 'sms' },
    ] as const)
      expect(
        await codeOf(consents.record('app:test', 'quinn', give('offers-newsletters', over))),
        JSON.stringify(over),
      ).toBe('MXF_CONSENT_SCOPE_LIMIT');
    expect(await t.services.audit.size()).toBe(size);
    expect(decisions.decide('quinn', 'offers-newsletters', 'contact', { channel: 'one-more' }).allow).toBe(
      false,
    );
    // A held scope changes; the purpose as a whole, and another customer, are not limited by it.
    await consents.record(
      'app:test',
      'quinn',
      give('offers-newsletters', { action: 'withdraw', channel: 'c1' }),
    );
    expect(decisions.decide('quinn', 'offers-newsletters', 'contact', { channel: 'c1' }).allow).toBe(false);
    await consents.record('app:test', 'quinn', give('offers-newsletters'));
    await consents.record('app:test', 'rosa', give('offers-newsletters', { channel: 'one-more' }));
    expect(decisions.decide('rosa', 'offers-newsletters', 'contact', { channel: 'one-more' }).allow).toBe(
      true,
    );
    expect(await t.services.audit.size()).toBe(size + 3);
  });

  it('keeps to the limit when new channels arrive at once: one takes the last place, the rest are refused', async () => {
    const { consents } = t.services;
    for (let i = 0; i < MAX_SCOPES_PER_PURPOSE - 1; i++)
      await consents.record('app:test', 'sasha', give('offers-newsletters', { channel: `held-${i}` }));
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        consents.record('app:test', 'sasha', give('offers-newsletters', { channel: `new-${i}` })),
      ),
    );
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of settled)
      if (r.status === 'rejected') expect((r.reason as MaxfiyError).code).toBe('MXF_CONSENT_SCOPE_LIMIT');
    const held = await consentStore.scopesOf(t.services.database.db, 'sasha', 'offers-newsletters');
    expect(held).toHaveLength(MAX_SCOPES_PER_PURPOSE);
  });

  it('refuses a consent whose term has already ended, at any scope (nothing recorded)', async () => {
    const { consents, decisions, clock } = t.services;
    const size = await t.services.audit.size();
    for (const expiresAt of [0, 1, clock.now() - 1000])
      for (const scope of [{}, { channel: 'email' }])
        expect(
          await codeOf(
            consents.record('app:test', 'pavel', give('offers-newsletters', { expiresAt, ...scope })),
          ),
          `${expiresAt} ${JSON.stringify(scope)}`,
        ).toBe('MXF_CONSENT_EXPIRY_NOT_FUTURE');
    expect(await t.services.audit.size()).toBe(size);
    expect(await codeOf(consents.forSubject('pavel'))).toBe('MXF_CONSENT_SUBJECT_NOT_FOUND');
    const expiresAt = clock.now() + 3_600_000;
    await consents.record('app:test', 'pavel', give('offers-newsletters', { expiresAt, channel: 'email' }));
    expect(decisions.decide('pavel', 'offers-newsletters', 'contact', { channel: 'email' }).allow).toBe(true);
  });

  describe('consents per channel and topic, as the engine decides and the cabinet shows', () => {
    const NEWS = 'offers-newsletters';
    type Write = { scope: '' | 'email' | 'email:promo' | 'sms'; given: boolean; source: 'app' | 'cabinet' };
    const inputOf = (w: Write): ConsentInput => {
      const [channel, topic] = w.scope === '' ? [] : w.scope.split(':');
      return give(NEWS, {
        action: w.given ? 'give' : 'withdraw',
        source: w.source,
        ...(channel ? { channel } : {}),
        ...(topic ? { topic } : {}),
      });
    };
    const QUESTIONS: DecisionContext[] = [
      {},
      { channel: 'email' },
      { channel: 'email', topic: 'promo' },
      { channel: 'email', topic: 'news' },
      { channel: 'sms', topic: 'promo' },
      { channel: 'push' },
    ];
    const covers = (scope: Write['scope'], q: DecisionContext) =>
      scope === '' || scope === q.channel || (q.topic !== undefined && scope === `${q.channel}:${q.topic}`);

    /** What the cabinet shows for the subject's newsletters, checked against the decisions it stands for. */
    async function cabinetAgrees(subject: string) {
      const { decisions, database, clock } = t.services;
      const purpose = await purposeStore.findPurpose(database.db, NEWS);
      const view = purposeView(
        purpose as NonNullable<typeof purpose>,
        await consentStore.currentRows(database.db, subject),
        clock.now(),
      );
      const allowed = (q: DecisionContext) => decisions.decide(subject, NEWS, 'contact', q).allow;
      expect(view.consent === 'given', 'the purpose as a whole').toBe(allowed({}));
      for (const c of view.channels)
        expect(c.consent === 'given', `${c.channel}:${c.topic}`).toBe(
          allowed({ channel: c.channel, ...(c.topic === null ? {} : { topic: c.topic }) }),
        );
      return view;
    }

    it('a whole-purpose switch in the cabinet after an app consented per channel turns it off, and the cabinet says so', async () => {
      const { consents, decisions } = t.services;
      await consents.record('app:test', 'rita', inputOf({ scope: 'email', given: true, source: 'app' }));
      await consents.record('customer:rita', 'rita', inputOf({ scope: '', given: false, source: 'cabinet' }));
      expect(decisions.decide('rita', NEWS, 'contact', { channel: 'email' }).reasons).toEqual(['no-consent']);
      const view = await cabinetAgrees('rita');
      expect(view.consent).toBe('withdrawn');
      expect(view.channels).toEqual([{ channel: 'email', topic: null, consent: 'withdrawn' }]);
    });

    it('for any writes from apps and the cabinet, the last covering write decides, on this node, after a rebuild, and in the cabinet', async () => {
      const { consents, decisions } = t.services;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              scope: fc.constantFrom<Write['scope']>('', 'email', 'email:promo', 'sms'),
              given: fc.boolean(),
              source: fc.constantFrom<Write['source']>('app', 'cabinet'),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          async (writes) => {
            const subject = `scoped-${kind}-${++run}`;
            for (const w of writes) await consents.record('app:test', subject, inputOf(w));
            const fresh = createDecisionService({
              database: t.services.database,
              clock: t.services.clock,
              purposes: t.services.purposes,
              logger: { info() {}, warn() {} },
            });
            fresh.engine.setRegister(await t.services.purposes.snapshot());
            const state = await consentStore.subjectState(t.services.database.db, subject);
            if (state) fresh.engine.setSubject(state);
            for (const q of QUESTIONS) {
              const expected = writes.findLast((w) => covers(w.scope, q))?.given ?? false;
              expect(decisions.decide(subject, NEWS, 'contact', q).allow, JSON.stringify(q)).toBe(expected);
              expect(fresh.decide(subject, NEWS, 'contact', q).allow, `rebuilt ${JSON.stringify(q)}`).toBe(
                expected,
              );
            }
            await cabinetAgrees(subject);
          },
        ),
        { numRuns: kind === 'postgres' ? 10 : 25 },
      );
    });
  });

  it('rebuilds from the database to the same answers, reporting progress', async () => {
    const fresh = createDecisionService({
      database: t.services.database,
      clock: t.services.clock,
      purposes: t.services.purposes,
      logger: { info() {}, warn() {} },
    });
    const seen: number[] = [];
    const { subjects } = await fresh.rebuild((done) => seen.push(done));
    expect(subjects).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toBe(subjects);
    for (const s of ['alice', 'carol', 'version-subject', 'nobody'])
      for (const p of ['interest-analytics', 'improve-service', 'identify', 'offers-newsletters'])
        for (const c of ['interests', 'device', 'contact'])
          expect(fresh.decide(s, p, c), `${s} ${p} ${c}`).toEqual(t.services.decisions.decide(s, p, c));
  });

  it('once a withdrawal is acknowledged, no decision that starts afterwards allows that purpose (under concurrency)', async () => {
    const { consents, decisions } = t.services;
    const purposes = ['offers-newsletters', 'interest-analytics'];
    let clockTick = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        async (scripts, salt) => {
          // One script per (subject, purpose): gives (true) and withdrawals (false) in order; scripts run concurrently.
          const keys = scripts.map((_, i) => ({
            subject: `p${salt}-${i % 3}`,
            purpose: purposes[i % 2] as string,
          }));
          const forbidden: { key: number; from: number; to: number }[] = [];
          const observed: { key: number; at: number; allow: boolean }[] = [];
          let running = true;
          const poller = (async () => {
            while (running) {
              for (const [i, k] of keys.entries())
                observed.push({
                  key: i,
                  at: ++clockTick,
                  allow: decisions.decide(k.subject, k.purpose, 'contact').allow,
                });
              await new Promise((r) => setImmediate(r));
            }
          })();
          await Promise.all(
            scripts.map(async (script, i) => {
              const k = keys[i] as { subject: string; purpose: string };
              // Distinct keys may share a subject; keep one script per key so their orders do not mix.
              if (keys.findIndex((o) => o.subject === k.subject && o.purpose === k.purpose) !== i) return;
              for (const grant of script) {
                // A give ends every forbidden interval of this key from the moment it is issued.
                if (grant)
                  for (const f of forbidden)
                    if (f.key === i && f.to === Number.POSITIVE_INFINITY) f.to = ++clockTick;
                await consents.record(
                  'app:test',
                  k.subject,
                  give(k.purpose, { action: grant ? 'give' : 'withdraw' }),
                );
                if (!grant) {
                  forbidden.push({ key: i, from: ++clockTick, to: Number.POSITIVE_INFINITY });
                  expect(decisions.decide(k.subject, k.purpose, 'contact').allow).toBe(false);
                }
              }
            }),
          );
          running = false;
          await poller;
          for (const o of observed) {
            const bad = forbidden.find((f) => f.key === o.key && o.at > f.from && o.at < f.to && o.allow);
            expect(
              bad,
              `decision at ${o.at} allowed after a withdrawal acknowledged at ${bad?.from}`,
            ).toBeUndefined();
          }
        },
      ),
      { numRuns: kind === 'postgres' ? 10 : 30 },
    );
  });
});
