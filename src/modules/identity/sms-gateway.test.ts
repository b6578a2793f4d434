import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { identityOutboxHandlers } from './channels.js';
import { customerBrowser, deliver } from './identity.testkit.js';

const PHONE = '+998 90 123 45 67';
const NUMBER = '+998901234567';

/** A stand-in for the operator's SMS gateway on loopback: records each POST and answers the next status given. */
async function gateway(statuses: number[]) {
  const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(databaseKinds())('SMS through an HTTP gateway on %s', (kind) => {
  let t: TestApp | undefined;
  let closeGateway: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await t?.close();
    await closeGateway?.();
    t = undefined;
    closeGateway = undefined;
  });

  it('posts the code to the gateway with its token, retries a refusal, and the code signs up', async () => {
    const gw = await gateway([503]);
    closeGateway = gw.close;
    const clock = new ManualClock(Date.now());
    t = await createTestApp(kind, {
      clock,
      options: { smsGatewayUrl: gw.url, smsGatewayToken: 'gateway-secret' },
    });
    const b = customerBrowser(t.app);
    const start = await b.call('POST', '/v1/signup/start', { contact: PHONE });
    expect(start.statusCode).toBe(202);

    // The gateway's first answer is 503: the message waits for its retry, and its
    // recorded error names the answer, not the number or the code.
    await deliver(t);
    expect(gw.received).toHaveLength(1);
    const failed = await t.services.database.db
      .selectFrom('outbox')
      .select(['status', 'last_error'])
      .where('topic', '=', 'sms.send')
      .executeTakeFirstOrThrow();
    expect(failed.status).toBe('pending');
    expect(failed.last_error).toContain('HTTP_503');
    expect(failed.last_error).not.toContain('901234567');

    // Past the first backoff, well within the code's ten minutes.
    clock.advance(60_000);
    await deliver(t);
    expect(gw.received).toHaveLength(2);
    for (const r of gw.received) {
      expect(r.url).toBe('/send');
      expect(r.headers.authorization).toBe('Bearer gateway-secret');
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body)).toEqual({ to: NUMBER, text: expect.stringMatching(/\d{6}/) });
    }
    // Nothing went to the development inbox instead.
    expect(await t.services.database.db.selectFrom('dev_inbox').selectAll().execute()).toEqual([]);

    const code = (JSON.parse(gw.received[1]?.body ?? '{}') as { text: string }).text.match(/(\d{6})/)?.[1];
    const done = await b.register(
      'signup',
      start.json().verificationId,
      code ?? '',
      'a long enough passphrase',
    );
    expect(done.statusCode).toBe(201);
  });

  it('drops a code the gateway could not take before the code expired, instead of sending it late', async () => {
    const gw = await gateway([503]);
    closeGateway = gw.close;
    const clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock, options: { smsGatewayUrl: gw.url } });
    const b = customerBrowser(t.app);
    expect((await b.call('POST', '/v1/signup/start', { contact: PHONE })).statusCode).toBe(202);
    await deliver(t);
    expect(gw.received).toHaveLength(1);
    // The gateway was down past the code's ten minutes: the retry finds a code no one can use.
    clock.advance(10 * 60_000);
    await deliver(t);
    expect(gw.received).toHaveLength(1);
    const row = await t.services.database.db
      .selectFrom('outbox')
      .select('status')
      .where('topic', '=', 'sms.send')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
  });

  it('keeps no SMS where no one reads it: with neither gateway nor development inbox, a notice is dropped', async () => {
    t = await createTestApp(kind, { options: { smtpUrl: 'smtp://127.0.0.1:9' } });
    const lines: string[] = [];
    const log = (obj: object, msg: string) => void lines.push(JSON.stringify(obj) + msg);
    const [handler] = identityOutboxHandlers({
      database: t.services.database,
      clock: new ManualClock(),
      logger: { info: log, warn: log },
      options: t.options,
    });
    // A notice to a customer whose only verified contact is a phone, e.g. a sign-in from a new device.
    await handler?.handle(
      { to: NUMBER, text: 'A new sign-in: Chrome on Android. Not you? /compromise?token=abc' },
      { idempotencyKey: 'k', attempt: 1 } as never,
    );
    expect(await t.services.database.db.selectFrom('dev_inbox').selectAll().execute()).toEqual([]);
    expect(lines).toEqual([expect.stringContaining('SMS not sent: no SMS gateway is configured')]);
    expect(lines[0]).not.toContain('901234567');
    expect(lines[0]).not.toContain('token');
  });

  it('refuses a phone number where no SMS can be delivered, before anything is sent, and still takes e-mail', async () => {
    // A real mail relay (so no development inbox) and no SMS gateway.
    t = await createTestApp(kind, { options: { smtpUrl: 'smtp://127.0.0.1:9' } });
    const b = customerBrowser(t.app);
    for (const path of ['/v1/signup/start', '/v1/reset/start']) {
      const res = await b.call('POST', path, { contact: PHONE });
      expect(res.statusCode, path).toBe(422);
      expect(res.json().error.code).toBe('MXF_IDENTITY_SMS_UNAVAILABLE');
      expect(res.body).not.toContain('901234567');
    }
    expect((await b.call('POST', '/v1/signup/start', { contact: 'nilufar@example.uz' })).statusCode).toBe(
      202,
    );
    const queued = await t.services.database.db.selectFrom('outbox').select('topic').execute();
    expect(queued.map((q) => q.topic)).not.toContain('sms.send');
  });
});
