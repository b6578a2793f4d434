import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { MaxfiyError } from '../errors.js';
import { createOutbox } from '../outbox/outbox.service.js';
import { createWorker } from '../outbox/outbox.worker.js';
import { insertDevInboxMessage, listDevInbox } from './dev-inbox.store.js';
import { mailRoutes } from './mail.routes.js';
import { createMailSendHandler, queueMail, startMailTransport } from './mail.service.js';

const logger = pino({ level: 'silent' });

/** The outbox asks the keyring for one server secret only. */
function fakeKeyring(): Keyring {
  let key: Buffer | undefined;
  return {
    secret: async (_name: string, generate: () => Buffer) => (key ??= generate()),
  } as unknown as Keyring;
}

/** The app's error rendering, reduced to what these routes need. */
function testApp(t: TestDatabase): FastifyInstance {
  const app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setErrorHandler((err: Error & { validation?: unknown }, req, reply) => {
    const known = err instanceof MaxfiyError;
    const code = known ? err.code : err.validation ? 'MXF_REQUEST_INVALID' : 'MXF_SERVER_INTERNAL';
    reply
      .code(known ? err.status : err.validation ? 400 : 500)
      .send({ error: { code, message: code, requestId: req.id } });
  });
  const preHandler = async (req: { headers: Record<string, unknown> }) => {
    if (req.headers.authorization !== 'staff') throw new MaxfiyError('MXF_AUTH_REQUIRED');
  };
  app.register(mailRoutes({ database: t.database, guard: preHandler }));
  return app;
}

const staff = { authorization: 'staff' };

describe.each(databaseKinds())('mail on %s', (kind) => {
  let t: TestDatabase;
  let stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.reverse()) await stop();
    stops = [];
    await t?.cleanup();
  });

  it('delivers a queued Uzbek mail through the outbox and real SMTP into the development inbox, unchanged', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    const clock = new ManualClock();
    const transport = await startMailTransport({
      options: { smtpUrl: '', mailFrom: 'maxfiy <no-reply@maxfiy.uz>', devInboxPort: 0 },
      database,
      clock,
      logger,
    });
    stops.push(() => transport.stop());
    expect(transport.devInbox?.port).toBeGreaterThan(0);
    const outbox = await createOutbox({
      database,
      clock,
      keyring: fakeKeyring(),
      options: { maxAttempts: 3, pollMs: 50 },
      logger,
    });
    outbox.register(createMailSendHandler(transport.mailer));

    const mail = {
      to: 'dilnoza.karimova@example.uz',
      subject: 'Маълумотларингиз ҳимояланган: розилик қайд этилди',
      text: 'Ҳурматли мижоз!\n\nСиз «Ўзбекистон» сайтида шахсий маълумотларни қайта ишлашга розилик бердингиз.\nҒамхўрлик учун раҳмат.',
      html: '<p>Ҳурматли мижоз!</p><p>Сиз «Ўзбекистон» сайтида розилик бердингиз. Ғамхўрлик учун раҳмат.</p>',
    };
    const { id } = await database.write((trx) =>
      queueMail(trx, outbox, { ...mail, idempotencyKey: 'consent:1' }),
    );

    // Personal data is not readable in the outbox row.
    const row = await database.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('dilnoza');
    expect(JSON.stringify(row)).not.toContain('example.uz');

    expect(await createWorker({ database, outbox, clock, logger, workerId: 'w' }).runOnce()).toBe(1);
    expect(await outbox.stats()).toEqual({ pending: 0, done: 1, dead: 0 });

    const app = testApp(t);
    stops.push(() => app.close());
    const list = await app.inject({ method: 'GET', url: '/v1/dev/inbox', headers: staff });
    expect(list.statusCode).toBe(200);
    const { messages } = list.json();
    expect(messages).toEqual([
      {
        id: expect.any(String),
        receivedAt: clock.now(),
        from: 'no-reply@maxfiy.uz',
        to: [mail.to],
        subject: mail.subject,
      },
    ]);

    const shown = await app.inject({ method: 'GET', url: `/v1/dev/inbox/${messages[0].id}`, headers: staff });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().message).toMatchObject({
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      to: [mail.to],
    });
  });

  it('answers the inbox routes only behind the given guard, with catalogued errors', async () => {
    t = await openTestDatabase(kind);
    const app = testApp(t);
    stops.push(() => app.close());
    expect((await app.inject({ method: 'GET', url: '/v1/dev/inbox' })).json().error.code).toBe(
      'MXF_AUTH_REQUIRED',
    );
    expect((await app.inject({ method: 'DELETE', url: '/v1/dev/inbox' })).statusCode).toBe(401);
    const missing = await app.inject({
      method: 'GET',
      url: '/v1/dev/inbox/0190f3c2-0000-7000-8000-000000000000',
      headers: staff,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('MXF_MAIL_MESSAGE_NOT_FOUND');
    const hostile = await app.inject({
      method: 'GET',
      url: `/v1/dev/inbox/${encodeURIComponent("1' or '1'='1")}`,
      headers: staff,
    });
    expect(hostile.statusCode).toBe(400);
    const long = await app.inject({ method: 'GET', url: `/v1/dev/inbox/${'a'.repeat(80)}`, headers: staff });
    expect(long.statusCode).toBe(400);
  });

  it('lists the inbox newest first, at most 100, and clears it', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    await database.write(async (trx) => {
      for (let i = 0; i < 105; i++) {
        const id = `0190f3c2-0000-7000-8000-${String(i).padStart(12, '0')}`;
        await insertDevInboxMessage(trx, {
          id,
          receivedAt: 1000 + i,
          from: 'a@x',
          to: ['b@y', 'c@z'],
          subject: `s${i}`,
          raw: '',
        });
      }
    });
    const app = testApp(t);
    stops.push(() => app.close());
    const { messages } = (await app.inject({ method: 'GET', url: '/v1/dev/inbox', headers: staff })).json();
    expect(messages).toHaveLength(100);
    expect(messages[0]).toMatchObject({ subject: 's104', to: ['b@y', 'c@z'], receivedAt: 1104 });
    expect(messages[99].subject).toBe('s5');
    const cleared = await app.inject({ method: 'DELETE', url: '/v1/dev/inbox', headers: staff });
    expect(cleared.json()).toEqual({ deleted: 105 });
    expect(await listDevInbox(database.db, 10)).toEqual([]);
  });

  it('refuses to queue mail that could add recipients or headers', async () => {
    t = await openTestDatabase(kind);
    const { database } = t;
    const clock = new ManualClock();
    const outbox = await createOutbox({
      database,
      clock,
      keyring: fakeKeyring(),
      options: { maxAttempts: 3, pollMs: 50 },
      logger,
    });
    const base = { to: 'a@example.uz', subject: 'Салом', text: 'матн' };
    const cases: [object, string][] = [
      [{ to: 'a@example.uz, b@evil.example' }, 'MXF_MAIL_ADDRESS_INVALID'],
      [{ to: 'a@example.uz\r\nBcc: b@evil.example' }, 'MXF_MAIL_ADDRESS_INVALID'],
      [{ to: 'not an address' }, 'MXF_MAIL_ADDRESS_INVALID'],
      [{ subject: 'Hi\r\nBcc: b@evil.example' }, 'MXF_MAIL_MESSAGE_INVALID'],
      [{ subject: '' }, 'MXF_MAIL_MESSAGE_INVALID'],
      [{ headers: { Bcc: 'b@evil.example' } }, 'MXF_MAIL_MESSAGE_INVALID'],
      [{ headers: { 'X-Tag': 'a\nBcc: b@evil.example' } }, 'MXF_MAIL_MESSAGE_INVALID'],
    ];
    for (const [change, code] of cases) {
      await expect(
        database.write((trx) => queueMail(trx, outbox, { ...base, ...change })),
      ).rejects.toMatchObject({ code });
    }
    await database.write((trx) =>
      queueMail(trx, outbox, { ...base, headers: { 'List-Unsubscribe': '<https://x/u>' } }),
    );
    expect(await outbox.stats()).toEqual({ pending: 1, done: 0, dead: 0 });
  });
});
