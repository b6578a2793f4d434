import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { systemClock } from '../../clock.js';
import { catalogue } from '../../errors.js';
import { signedInStaff } from '../cabinet/cabinet.testkit.js';
import { insertSubscriber } from './consents.store.js';
import { type ConsentChange, WEBHOOK_TOPIC } from './consents.webhooks.js';

// The guard is in the transport, not the store: one database kind is enough here
// (decisions.routes.test.ts delivers webhooks on both).
describe('consent webhooks to an internal address', () => {
  let t: TestApp;
  let server: Server;
  let hookUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite', {
      // What a production deployment has; one attempt, so the failure is read in the dead letters.
      options: { outboundPrivateAddresses: 'refuse', outboxMaxAttempts: 1 },
    });
    server = createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    server?.close();
    await t?.close();
  });

  it('are refused at subscription when the URL leads inside, or its name does not resolve: nothing is stored', async () => {
    const refused = [
      [hookUrl, 'MXF_WEBHOOK_URL_PRIVATE'],
      ['http://localhost:9/hook', 'MXF_WEBHOOK_URL_PRIVATE'],
      ['https://10.1.2.3/hook', 'MXF_WEBHOOK_URL_PRIVATE'],
      ['https://[fd00::1]/hook', 'MXF_WEBHOOK_URL_PRIVATE'],
      ['https://169.254.169.254/latest', 'MXF_WEBHOOK_URL_PRIVATE'],
      ['https://[::ffff:127.0.0.1]/hook', 'MXF_WEBHOOK_URL_PRIVATE'],
      ['https://hooks.example.invalid/hook', 'MXF_WEBHOOK_URL_UNRESOLVED'],
    ] as const;
    for (const [url, code] of refused)
      await expect(t.services.webhooks.subscribe('system', url), url).rejects.toMatchObject({ code });
    expect(await t.services.webhooks.list()).toEqual([]);
    // A public address literal is checked without a lookup, and subscribes.
    const made = await t.services.webhooks.subscribe('system', 'https://203.0.113.7/hook');
    expect(made.webhook.active).toBe(true);
    await t.services.webhooks.unsubscribe('system', made.webhook.id);
  });

  it('answer a refused subscription over HTTP with the catalogued 422, the URL echoed nowhere', async () => {
    const admin = await signedInStaff(t, systemClock, ['admin']);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks?lang=ru',
      headers: { cookie: admin.cookie },
      payload: { url: 'https://10.20.30.40/hook' },
    });
    expect([res.statusCode, res.json().error.code]).toEqual([422, 'MXF_WEBHOOK_URL_PRIVATE']);
    expect(res.json().error.message).toBe(catalogue.MXF_WEBHOOK_URL_PRIVATE.messages.ru);
    expect(res.body).not.toContain('10.20.30.40');
  });

  it('are never delivered when internal addresses are refused: the delivery fails, without the URL in the record', async () => {
    // A name that led outside when it was subscribed, and leads inside now: each delivery checks again.
    await t.services.database.write((trx) =>
      insertSubscriber(trx, { id: 'moved-inside', url: hookUrl, createdBy: 'system', now: Date.now() }),
    );
    const change: ConsentChange = {
      eventId: 'event-1',
      subjectId: 'subject-1',
      rev: 1,
      purpose: 'interest-analytics',
      purposeVersion: 1,
      scope: '',
      kind: 'consent',
      state: 'given',
      at: Date.now(),
    };
    await t.services.database.write((trx) => t.services.webhooks.enqueue(trx, change));
    // A subscriber's endpoint is delivered to in its own lane, where a slow one holds up no code.
    const queued = await t.services.database.db.selectFrom('outbox').select(['topic', 'lane']).execute();
    expect(queued).toEqual([{ topic: WEBHOOK_TOPIC, lane: 'subscribers' }]);

    expect(await t.services.worker.runOnce()).toBe(1);
    expect(received).toEqual([]);
    const dead = await t.services.outbox.deadLetters();
    expect(dead).toEqual([
      expect.objectContaining({ topic: WEBHOOK_TOPIC, lastError: 'WebhookUnreachable:address-refused' }),
    ]);
    expect(JSON.stringify(dead)).not.toContain('127.0.0.1');
  });
});
