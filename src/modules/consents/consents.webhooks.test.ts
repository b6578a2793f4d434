import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
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

  it('are never delivered when internal addresses are refused: the delivery fails, without the URL in the record', async () => {
    await t.services.webhooks.subscribe('system', hookUrl);
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
