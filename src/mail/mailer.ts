import nodemailer from 'nodemailer';
import { isLoopbackHost } from '../http/outbound.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  /** `<…@…>`; stable across redeliveries of one outbox message, so a receiver can spot a duplicate. */
  messageId?: string;
}

/** Sends one message now. Services never call this directly: mail goes through the outbox (`queueMail`). */
export interface Mailer {
  send(msg: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * A mailer over SMTP: `smtp://host:port`, `smtps://user:pass@host:465`, or the
 * development inbox on loopback. Timeouts stay well inside the outbox lease so a
 * relay that hangs fails the attempt instead of outliving the claim.
 */
export function createSmtpMailer(opts: { smtpUrl: string; from: string }): Mailer {
  const url = new URL(opts.smtpUrl);
  // Plain smtp:// to another machine must upgrade with STARTTLS or fail: a relay
  // whose offer of it was stripped on the way would otherwise get the login and
  // the mail (codes, links) in clear.
  const requireTLS = url.protocol === 'smtp:' && !isLoopbackHost(url.hostname);
  const transport = nodemailer.createTransport(
    {
      url: opts.smtpUrl,
      requireTLS,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    },
    { from: opts.from },
  );
  return {
    async send(msg) {
      const info = await transport.sendMail({
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        ...(msg.html !== undefined && { html: msg.html }),
        ...(msg.headers && { headers: msg.headers }),
        ...(msg.messageId && { messageId: msg.messageId }),
      });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

/** The mailer that delivers into the development inbox listening on `port`. */
export function createDevInboxMailer(opts: { port: number; from: string }): Mailer {
  return createSmtpMailer({ smtpUrl: `smtp://127.0.0.1:${opts.port}`, from: opts.from });
}
