/**
 * §20 by e-mail: publishing a version walks every customer in id order, a page
 * per outbox message, and queues a notice to each verified address in the
 * customer's language. Each page commits its mails, its progress and the next
 * page's message together (`processOnce`), so a crash resumes at the page it
 * stopped on and no customer is mailed twice.
 */
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { assertMailMessage, MAIL_TOPIC } from '../../mail/mail.service.js';
import { type Outbox, type OutboxHandler, processOnce } from '../../outbox/outbox.service.js';
import type { AgreementLanguage } from './agreements.schemas.js';
import { effectiveMoment } from './publication.html.js';

export const VERSION_MAIL_TOPIC = 'agreement.version-mail';

/**
 * Outbox idempotency keys are unique across every topic, so a page of the walk
 * and a mail to one customer must never share one: keyed alike (`…:<subject>`),
 * the next page after a verified customer was taken for that customer's mail
 * and silently dropped, and the walk stopped after its first page.
 */
export const versionMailKeys = {
  page: (version: number, after: string) => `${VERSION_MAIL_TOPIC}:${version}:after:${after}`,
  mail: (version: number, subjectId: string) => `${VERSION_MAIL_TOPIC}:${version}:to:${subjectId}`,
};

/** Looks a customer's verified e-mail address up (identity decrypts it); null when there is none. */
export type VerifiedEmail = (subjectId: string) => Promise<string | null>;

export function noticeMail(
  lang: AgreementLanguage,
  version: number,
  effective: string,
  url: string,
): { subject: string; text: string } {
  switch (lang) {
    case 'uz-Latn':
      return {
        subject: `Maxfiylik va shaxsga doir maʼlumotlar toʻgʻrisidagi kelishuvning yangi tahriri (${version})`,
        text: `Kelishuvning ${version}-tahriri eʼlon qilindi va ${effective} sanasidan kuchga kiradi. Uni shaxsiy kabinetingizda oʻqib, qabul qilishingiz mumkin: ${url}`,
      };
    case 'ru':
      return {
        subject: `Новая редакция соглашения о конфиденциальности и персональных данных (${version})`,
        text: `Опубликована редакция ${version} соглашения; она вступает в силу ${effective}. Прочитать и принять её можно в личном кабинете: ${url}`,
      };
    case 'en':
      return {
        subject: `A new version of the agreement on confidentiality and personal data (${version})`,
        text: `Version ${version} of the agreement has been published and takes effect on ${effective}. You can read and accept it in your personal cabinet: ${url}`,
      };
    default:
      return {
        subject: `Махфийлик ва шахсга доир маълумотлар тўғрисидаги келишувнинг янги таҳрири (${version})`,
        text: `Келишувнинг ${version}-таҳрири эълон қилинди ва ${effective} санасидан кучга киради. Уни шахсий кабинетингизда ўқиб, қабул қилишингиз мумкин: ${url}`,
      };
  }
}

const LANGS = new Set<string>(['uz-Cyrl', 'uz-Latn', 'ru', 'en']);

export function createNoticeMailHandler(deps: {
  database: Database;
  audit: AuditAppender;
  outbox: Pick<Outbox, 'enqueue'>;
  clock: Clock;
  verifiedEmail: VerifiedEmail;
  publicUrl: string;
  batchSize: number;
}): OutboxHandler {
  const { database, audit, outbox, clock, verifiedEmail, batchSize } = deps;
  const cabinet = `${deps.publicUrl.replace(/\/$/, '')}/`;
  const handler: OutboxHandler = {
    topic: VERSION_MAIL_TOPIC,
    name: 'agreement.version-mail',
    async handle(payload, ctx) {
      const { version, after, effectiveAt } = payload as {
        version: number;
        after: string;
        effectiveAt: number;
      };
      // Read and decrypt before the write: the transaction holds only inserts.
      const page = await database.db
        .selectFrom('customers')
        .select(['subject_id', 'email_verified', 'locale'])
        .where('subject_id', '>', after)
        .where('status', '!=', 'closed')
        .orderBy('subject_id')
        .limit(batchSize)
        .execute();
      const effective = effectiveMoment(effectiveAt).text;
      const mails: { subjectId: string; message: { to: string; subject: string; text: string } }[] = [];
      for (const c of page) {
        const to = c.email_verified === 1 ? await verifiedEmail(c.subject_id) : null;
        if (!to) continue;
        const lang = (c.locale && LANGS.has(c.locale) ? c.locale : 'uz-Cyrl') as AgreementLanguage;
        const message = { to, ...noticeMail(lang, version, effective, cabinet) };
        assertMailMessage(message);
        mails.push({ subjectId: c.subject_id, message });
      }
      const more = page.length === batchSize;
      const last = page.at(-1)?.subject_id;
      await database.write((trx) =>
        processOnce(
          trx,
          handler.name,
          ctx.idempotencyKey,
          async () => {
            for (const m of mails)
              await outbox.enqueue(trx, {
                topic: MAIL_TOPIC,
                // A million of these must not queue ahead of a sign-in code.
                lane: 'bulk',
                payload: m.message,
                idempotencyKey: versionMailKeys.mail(version, m.subjectId),
              });
            const row = await trx
              .selectFrom('agreement_notifications')
              .select(['mail_done', 'mail_sent'])
              .where('version', '=', version)
              .executeTakeFirst();
            await trx
              .updateTable('agreement_notifications')
              .set({
                mail_done: Number(row?.mail_done ?? 0) + page.length,
                mail_sent: Number(row?.mail_sent ?? 0) + mails.length,
                mail_finished_at: more ? null : clock.now(),
              })
              .where('version', '=', version)
              .execute();
            await audit.append(trx, {
              actor: 'system',
              action: 'agreement.reacceptance.mailed',
              target: `agreement-version:${version}`,
              details: { walked: page.length, mailed: mails.length },
            });
            if (more && last)
              await outbox.enqueue(trx, {
                topic: VERSION_MAIL_TOPIC,
                lane: 'bulk',
                payload: { version, after: last, effectiveAt },
                idempotencyKey: versionMailKeys.page(version, last),
              });
          },
          clock.now(),
        ),
      );
    },
  };
  return handler;
}

/** The customer's verified address, read through identity (a system read). */
export async function verifiedEmailFrom(
  identity: { profileOf(subjectId: string): Promise<{ email: string | null; emailVerified: boolean }> },
  subjectId: string,
): Promise<string | null> {
  const profile = await identity.profileOf(subjectId);
  return profile.emailVerified ? profile.email : null;
}
