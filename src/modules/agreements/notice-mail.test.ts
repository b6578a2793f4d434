import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { MAIL_TOPIC } from '../../mail/mail.service.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import { type AgreementTestApp, agreementTestApp, as, publishNextVersion } from './agreements.testkit.js';
import { createNoticeMailHandler, VERSION_MAIL_TOPIC, versionMailKeys } from './notice-mail.js';
import { VERSION_PUBLISHED_TOPIC } from './versions.service.js';

const DAY = 24 * 60 * 60 * 1000;

describe.each(databaseKinds())('the e-mail walk of a new version (§20) on %s', (kind) => {
  let t: AgreementTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('mails every verified customer once, page after page, and finishes', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    t = await agreementTestApp(kind, { clock });
    const app = t;
    const CUSTOMERS = 7;
    await app.services.database.write(async (trx) => {
      for (let i = 0; i < CUSTOMERS; i++)
        await trx
          .insertInto('customers')
          .values({
            subject_id: `walk-${i}`,
            email_index: null,
            email_enc: null,
            // Every one verified: the page boundary then always falls on a customer who is mailed.
            email_verified: 1,
            phone_index: null,
            phone_enc: null,
            phone_verified: 0,
            name_enc: null,
            locale: null,
            opaque_record: null,
            status: 'active',
            created_at: 0,
            updated_at: 0,
          })
          .execute();
    });
    const effectiveAt = clock.now() + DAY;
    expect(await publishNextVersion(app, { reasons: ['change-of-law'], effectiveAt })).toBe(2);

    // The handler with pages of two and addresses looked up without decryption; the
    // real outbox underneath, whose idempotency keys are unique across topics.
    const pages: { version: number; after: string; effectiveAt: number }[] = [];
    const texts: string[] = [];
    const outbox: Pick<Outbox, 'enqueue'> = {
      enqueue: async (trx, message) => {
        if (message.topic === VERSION_MAIL_TOPIC) pages.push(message.payload as (typeof pages)[number]);
        if (message.topic === MAIL_TOPIC) texts.push((message.payload as { text: string }).text);
        return app.services.outbox.enqueue(trx, message);
      },
    };
    const handler = createNoticeMailHandler({
      database: app.services.database,
      audit: app.services.audit,
      outbox,
      clock,
      verifiedEmail: async (subjectId) => `${subjectId}@example.uz`,
      publicUrl: app.options.publicUrl,
      batchSize: 2,
    });
    let page: (typeof pages)[number] | undefined = { version: 2, after: '', effectiveAt };
    let walked = 0;
    while (page) {
      await handler.handle(page, {
        messageId: `page-${walked}`,
        attempt: 1,
        idempotencyKey: versionMailKeys.page(2, page.after),
      });
      walked += 1;
      page = pages.shift();
      // Follow only a page the outbox really holds: one it dropped would never be delivered.
      if (page) {
        const held = await app.services.database.db
          .selectFrom('outbox')
          .select('id')
          .where('topic', '=', VERSION_MAIL_TOPIC)
          .where('idempotency_key', '=', versionMailKeys.page(2, page.after))
          .executeTakeFirst();
        if (!held) break;
      }
    }

    expect(walked).toBe(Math.ceil(CUSTOMERS / 2));
    const mails = await app.services.database.db
      .selectFrom('outbox')
      .select(['idempotency_key', 'lane'])
      .where('topic', '=', MAIL_TOPIC)
      .where('idempotency_key', 'like', `${VERSION_MAIL_TOPIC}:2:%`)
      .execute();
    expect(mails.map((m) => m.idempotency_key).sort()).toEqual(
      Array.from({ length: CUSTOMERS }, (_, i) => versionMailKeys.mail(2, `walk-${i}`)),
    );
    // The walk and its mails queue in the bulk lane, behind no code a customer waits for.
    expect(new Set(mails.map((m) => m.lane))).toEqual(new Set(['bulk']));
    const walk = await app.services.database.db
      .selectFrom('outbox')
      .select('lane')
      .where('topic', 'in', [VERSION_MAIL_TOPIC, VERSION_PUBLISHED_TOPIC])
      .execute();
    expect(walk.length).toBeGreaterThan(1);
    expect(new Set(walk.map((m) => m.lane))).toEqual(new Set(['bulk']));
    // The moment it takes effect, with its zone: a bare day would be another day east of UTC.
    expect(texts).toHaveLength(CUSTOMERS);
    for (const text of texts) expect(text).toContain('2026-06-02 00:00 UTC');
    const progress = (await as(app, 'dpo')('GET', '/v1/agreements/notifications')).json().notifications[0]
      .mail;
    expect(progress).toEqual({
      total: CUSTOMERS,
      done: CUSTOMERS,
      sent: CUSTOMERS,
      finishedAt: expect.any(Number),
    });
  });
});
