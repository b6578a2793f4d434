import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Options } from '../config/options.js';
import type { Database, Trx } from '../db/database.js';
import { assertThat } from '../errors.js';
import type { Outbox, OutboxHandler, OutboxLogger } from '../outbox/outbox.service.js';
import { type DevInbox, startDevInbox } from './dev-inbox.js';
import { createDevInboxMailer, createSmtpMailer, type Mailer } from './mailer.js';

export const MAIL_TOPIC = 'mail.send';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
}

const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,253}$/;
const LINE_BREAK = /[\r\n]/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
/** Headers a message may not set: they name recipients or are the mailer's own. */
const RESERVED_HEADERS =
  /^(to|cc|bcc|from|sender|subject|date|message-id|mime-version|content-.*|received|return-path|dkim-signature)$/i;

/** Rejects what could add recipients or headers (line breaks, reserved names) or is not a plain address. */
export function assertMailMessage(value: unknown): asserts value is MailMessage {
  const m = value as Partial<MailMessage> | null;
  assertThat(typeof m === 'object' && m !== null, 'MXF_MAIL_MESSAGE_INVALID');
  assertThat(
    typeof m.to === 'string' && m.to.length <= 254 && ADDRESS.test(m.to),
    'MXF_MAIL_ADDRESS_INVALID',
  );
  assertThat(
    typeof m.subject === 'string' &&
      m.subject.length > 0 &&
      m.subject.length <= 998 &&
      !LINE_BREAK.test(m.subject),
    'MXF_MAIL_MESSAGE_INVALID',
  );
  assertThat(typeof m.text === 'string' && m.text.length <= 1_000_000, 'MXF_MAIL_MESSAGE_INVALID');
  assertThat(
    m.html === undefined || (typeof m.html === 'string' && m.html.length <= 2_000_000),
    'MXF_MAIL_MESSAGE_INVALID',
  );
  if (m.headers !== undefined) {
    assertThat(typeof m.headers === 'object' && m.headers !== null, 'MXF_MAIL_MESSAGE_INVALID');
    for (const [name, v] of Object.entries(m.headers)) {
      assertThat(HEADER_NAME.test(name) && !RESERVED_HEADERS.test(name), 'MXF_MAIL_MESSAGE_INVALID');
      assertThat(typeof v === 'string' && v.length <= 998 && !LINE_BREAK.test(v), 'MXF_MAIL_MESSAGE_INVALID');
    }
  }
}

/**
 * Queues a mail in the caller's transaction: it is sent only if the change that
 * caused it commits, and sent again until the relay accepts it. Mail is never sent inline.
 */
export async function queueMail(
  trx: Trx,
  outbox: Outbox,
  mail: MailMessage & { idempotencyKey?: string },
): Promise<{ id: string; enqueued: boolean }> {
  const { idempotencyKey, ...message } = mail;
  assertMailMessage(message);
  return outbox.enqueue(trx, {
    topic: MAIL_TOPIC,
    payload: message,
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  });
}

/** Delivers `mail.send` messages through the mailer. */
export function createMailSendHandler(mailer: Mailer) {
  return {
    topic: MAIL_TOPIC,
    name: 'mail.send',
    async handle(payload, ctx) {
      assertMailMessage(payload);
      // The same Message-ID on every redelivery lets mail clients drop a duplicate.
      const digest = createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32);
      await mailer.send({ ...payload, messageId: `<${digest}@maxfiy.outbox>` });
    },
  } satisfies OutboxHandler;
}

export interface MailTransport {
  mailer: Mailer;
  /** Present when the built-in development inbox is on (no `smtpUrl`). */
  devInbox?: DevInbox;
  stop(): Promise<void>;
}

/**
 * The mailer the options ask for: a real relay when `smtpUrl` is set, else the
 * development inbox, started here on loopback, and a mailer pointed at it.
 */
export async function startMailTransport(deps: {
  options: Pick<Options, 'smtpUrl' | 'mailFrom' | 'devInboxPort'>;
  database: Database;
  clock: Clock;
  logger: OutboxLogger;
}): Promise<MailTransport> {
  const { options } = deps;
  if (options.smtpUrl) {
    const mailer = createSmtpMailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
    return { mailer, stop: async () => mailer.close() };
  }
  const devInbox = await startDevInbox({ ...deps, port: options.devInboxPort, host: '127.0.0.1' });
  const mailer = createDevInboxMailer({ port: devInbox.port, from: options.mailFrom });
  return {
    mailer,
    devInbox,
    async stop() {
      mailer.close();
      await devInbox.stop();
    },
  };
}
