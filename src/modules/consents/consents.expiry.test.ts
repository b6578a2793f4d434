import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { createDecisionService } from '../decisions/decisions.service.js';
import type { DecisionContext } from '../decisions/engine.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import * as purposeStore from '../purposes/purposes.store.js';
import { purposeView } from './consents.cabinet.js';
import type { ConsentInput } from './consents.schemas.js';
import * as consentStore from './consents.store.js';
import { signature } from './consents.webhooks.js';

const HOUR = 3_600_000;
const ANALYTICS = 'interest-analytics';
const NEWS = 'offers-newsletters';
const notice = { version: '3', language: 'ru' as const };
const give = (purpose: string, over: Partial<ConsentInput> = {}): ConsentInput => ({
  purpose,
  action: 'give',
  source: 'app',
  notice,
  ...over,
});

describe.each(databaseKinds())('the consent expiry sweep on %s', (kind) => {
  let t: TestApp;
  let server: Server;
  let secret: string;
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    ({ secret } = await t.services.webhooks.subscribe('staff:1', url));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await t?.close();
  });

  /** Delivers every queued webhook; returns the changes delivered, in no particular order. */
  async function deliver() {
    const from = received.length;
    while ((await t.services.worker.runOnce()) > 0);
    return received.slice(from).map((r) => {
      expect(r.headers['x-maxfiy-signature']).toBe(
        signature(secret, String(r.headers['x-maxfiy-timestamp']), r.body),
      );
      return JSON.parse(r.body).change as { subjectId: string; state: string; scope: string };
    });
  }

  const reasons = (subject: string, purpose: string, q: DecisionContext = {}) =>
    t.services.decisions.decide(subject, purpose, purpose === NEWS ? 'contact' : 'interests', q).reasons;

  it('ends a consent whose term has passed: an audited expired event, the current state, decisions, the cabinet and a signed webhook say so', async () => {
    const { consents, audit, database } = t.services;
    const expiresAt = clock.now() + HOUR;
    const given = await consents.record('app:shop', 'erkin', give(ANALYTICS, { expiresAt }));
    await deliver();
    expect(await consents.expireDue()).toBe(0);

    clock.advance(2 * HOUR);
    // The engine denies it from its end, before any sweep…
    expect(reasons('erkin', ANALYTICS)).toEqual(['consent-expired']);
    // …and the sweep makes the record say so.
    expect(await consents.expireDue()).toBe(1);

    const mine = await consents.forSubject('erkin');
    expect(mine.history.map((e) => e.state)).toEqual(['given', 'expired']);
    const expired = mine.history[1];
    expect(expired).toMatchObject({
      purpose: ANALYTICS,
      scope: '',
      kind: 'consent',
      state: 'expired',
      source: 'system',
      at: clock.now(),
      expiresAt,
      rev: given.rev + 1,
    });
    expect(expired?.record).toMatchObject({
      subjectId: 'erkin',
      notice: { version: '3', language: 'ru' },
      expiresAt,
      event: { type: 'consent', state: 'expired', source: 'system', scope: '', revision: given.rev + 1 },
    });
    expect(await audit.entry(expired?.auditSeq as number)).toMatchObject({
      actor: 'system',
      action: 'consent.expired',
      subjectId: 'erkin',
      purpose: ANALYTICS,
      target: `consent:${expired?.id}`,
    });
    expect(mine.current).toEqual([
      { purpose: ANALYTICS, scope: '', kind: 'consent', state: 'expired', expiresAt },
    ]);

    // An expired row is no withdrawal: the reason stays distinct, here and after a rebuild.
    expect(reasons('erkin', ANALYTICS)).toEqual(['consent-expired']);
    const fresh = createDecisionService({
      database,
      clock,
      purposes: t.services.purposes,
      logger: { info() {}, warn() {} },
    });
    await fresh.rebuild();
    expect(fresh.decide('erkin', ANALYTICS, 'interests').reasons).toEqual(['consent-expired']);

    const purpose = await purposeStore.findPurpose(database.db, ANALYTICS);
    const rows = await consentStore.currentRows(database.db, 'erkin');
    expect(purposeView(purpose as NonNullable<typeof purpose>, rows, clock.now()).consent).toBe('expired');

    expect(await deliver()).toEqual([
      expect.objectContaining({
        subjectId: 'erkin',
        purpose: ANALYTICS,
        state: 'expired',
        eventId: expired?.id,
      }),
    ]);
  });

  it('writes an expiry once, however often and however many sweeps run', async () => {
    const { consents, audit } = t.services;
    await consents.record('app:shop', 'farrux', give(ANALYTICS, { expiresAt: clock.now() + HOUR }));
    clock.advance(2 * HOUR);
    const size = await audit.size();
    const together = await Promise.all([consents.expireDue(), consents.expireDue(), consents.expireDue()]);
    expect(together.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await consents.expireDue()).toBe(0);
    expect((await consents.forSubject('farrux')).history.map((e) => e.state)).toEqual(['given', 'expired']);
    expect(await audit.size()).toBe(size + 1);
  });

  it('leaves alone a consent renewed or withdrawn after the sweep read it, before it wrote', async () => {
    const { consents, database, audit } = t.services;
    for (const s of ['gulnora', 'hamid', 'kamola'])
      await consents.record('app:shop', s, give(ANALYTICS, { expiresAt: clock.now() + HOUR }));
    clock.advance(2 * HOUR);
    // The sweep has read all three as due; its write waits behind two renewals and a withdrawal.
    let renewal = '';
    const write = database.write;
    Object.assign(database, {
      write: async (fn: Parameters<typeof write>[0]) => {
        Object.assign(database, { write });
        const renew = (s: string, expiresAt: number) =>
          consents.record(
            `customer:${s}`,
            s,
            give(ANALYTICS, { expiresAt, notice: { version: '4', language: 'en' } }),
          );
        await renew('gulnora', clock.now() + HOUR);
        await consents.record('customer:hamid', 'hamid', give(ANALYTICS, { action: 'withdraw' }));
        // A renewal whose own term is over by the time the sweep writes is another consent: not the one read.
        renewal = (await renew('kamola', clock.now() + 60_000)).id;
        clock.advance(120_000);
        return write(fn);
      },
    });
    expect(await consents.expireDue()).toBe(0);
    for (const [s, states] of [
      ['gulnora', ['given', 'given']],
      ['hamid', ['given', 'withdrawn']],
      ['kamola', ['given', 'given']],
    ] as const)
      expect(
        (await consents.forSubject(s)).history.map((e) => e.state),
        s,
      ).toEqual(states);
    expect(reasons('gulnora', ANALYTICS)).toEqual([]);
    expect(reasons('hamid', ANALYTICS)).toEqual(['no-consent']);

    // The next sweep ends the renewal, under its own notice.
    expect(await consents.expireDue()).toBe(1);
    const ended = (await consents.forSubject('kamola')).history.at(-1);
    expect(ended?.record).toMatchObject({
      notice: { version: '4', language: 'en' },
      event: { state: 'expired' },
    });
    expect((await audit.entry(ended?.auditSeq as number))?.details).toMatchObject({ ends: renewal });
    // And the other renewed term in its turn.
    clock.advance(2 * HOUR);
    expect(await consents.expireDue()).toBe(1);
    expect((await consents.forSubject('gulnora')).history.map((e) => e.state)).toEqual([
      'given',
      'given',
      'expired',
    ]);
  });

  it('expires them all, page by page, when more are due than a page holds, scoped consents too', async () => {
    const { consents } = t.services;
    const subjects = Array.from({ length: 7 }, (_, i) => `many-${i}`);
    for (const s of subjects)
      await consents.record('app:shop', s, give(ANALYTICS, { expiresAt: clock.now() + HOUR }));
    for (const channel of ['email', 'sms'])
      await consents.record('app:shop', 'many-0', give(NEWS, { channel, expiresAt: clock.now() + HOUR }));
    // Not yet due: untouched.
    await consents.record('app:shop', 'many-1', give(NEWS, { expiresAt: clock.now() + 5 * HOUR }));
    await deliver();
    clock.advance(2 * HOUR);
    expect(await consents.expireDue({ pageSize: 3 })).toBe(9);
    for (const s of subjects) expect(reasons(s, ANALYTICS), s).toEqual(['consent-expired']);
    expect((await consents.forSubject('many-0')).current.map((c) => [c.purpose, c.scope, c.state])).toEqual([
      [ANALYTICS, '', 'expired'],
      [NEWS, 'email:*', 'expired'],
      [NEWS, 'sms:*', 'expired'],
    ]);
    expect(reasons('many-0', NEWS, { channel: 'email' })).toEqual(['consent-expired']);
    expect(reasons('many-1', NEWS)).toEqual([]);
    const changes = await deliver();
    expect(changes).toHaveLength(9);
    expect(changes.every((c) => c.state === 'expired')).toBe(true);
    expect(await consents.expireDue({ pageSize: 3 })).toBe(0);
  });

  it('lets a later consent at any covering scope override an expired one, in decisions and in the cabinet', async () => {
    const { consents, database } = t.services;
    await consents.record('app:shop', 'iroda', give(NEWS, { expiresAt: clock.now() + HOUR }));
    clock.advance(2 * HOUR);
    expect(await consents.expireDue()).toBe(1);
    await consents.record('customer:iroda', 'iroda', give(NEWS, { channel: 'email' }));
    expect(reasons('iroda', NEWS, { channel: 'email', topic: 'news' })).toEqual([]);
    expect(reasons('iroda', NEWS, { channel: 'sms' })).toEqual(['consent-expired']);
    expect(reasons('iroda', NEWS)).toEqual(['consent-expired']);
    const purpose = await purposeStore.findPurpose(database.db, NEWS);
    const view = purposeView(
      purpose as NonNullable<typeof purpose>,
      await consentStore.currentRows(database.db, 'iroda'),
      clock.now(),
    );
    expect(view.consent).toBe('expired');
    expect(view.channels).toEqual([{ channel: 'email', topic: null, consent: 'given' }]);
    await consents.record('customer:iroda', 'iroda', give(NEWS));
    expect(reasons('iroda', NEWS, { channel: 'sms' })).toEqual([]);
  });

  it('runs on its own timer once started, and stops with stopExpiry', async () => {
    const { consents } = t.services;
    await consents.record('app:shop', 'jasur', give(ANALYTICS, { expiresAt: clock.now() + HOUR }));
    clock.advance(2 * HOUR);
    consents.startExpiry(20);
    try {
      await expect
        .poll(async () => (await consents.forSubject('jasur')).current[0]?.state, { timeout: 5000 })
        .toBe('expired');
    } finally {
      await consents.stopExpiry();
    }
  });
});
