import type { Clock } from '../../clock.js';
import type { Options } from '../../config/options.js';
import type { Database, Trx } from '../../db/database.js';
import { assertDelivered, outboundRequest, type PrivateAddressPolicy } from '../../http/outbound.js';
import { newId } from '../../ids.js';
import { insertDevInboxMessage } from '../../mail/dev-inbox.store.js';
import { queueMail } from '../../mail/mail.service.js';
import type { Outbox, OutboxHandler } from '../../outbox/outbox.service.js';
import { maskPhone } from './identity.crypto.js';
import type { ChannelId } from './identity.table.js';
import type { SmsBudget } from './sms-budget.js';

/** A message to a customer: the subject is used by e-mail only; SMS sends the text. */
export interface CustomerMessage {
  subject: string;
  text: string;
  /** When the message stops being of use (a code's end): SMS not sent by then are dropped. */
  validUntil?: number;
}

/**
 * A way to reach a customer (e-mail, SMS): one small interface, a registry
 * keyed by id. Every delivery goes through the outbox in the caller's
 * transaction, so it is sent only if the change that caused it commits.
 */
export interface DeliveryChannel {
  readonly id: ChannelId;
  queue(trx: Trx, to: string, message: CustomerMessage): Promise<void>;
}

export function emailChannel(outbox: Outbox): DeliveryChannel {
  return {
    id: 'email',
    async queue(trx, to, message) {
      await queueMail(trx, outbox, { to, subject: message.subject, text: message.text });
    },
  } satisfies DeliveryChannel;
}

export const SMS_TOPIC = 'sms.send';

interface SmsPayload {
  to: string;
  text: string;
  validUntil?: number;
}

/** SMS through the outbox; with `budget`, each one is counted first and a code over it refused. */
export function smsChannel(outbox: Outbox, budget?: SmsBudget): DeliveryChannel {
  return {
    id: 'sms',
    async queue(trx, to, message) {
      // A code (it has an end) is refused over the budget; a notice of a change to the account is always sent.
      await budget?.take(trx, to, message.validUntil !== undefined);
      const payload: SmsPayload = {
        to,
        text: message.text,
        ...(message.validUntil === undefined ? {} : { validUntil: message.validUntil }),
      };
      await outbox.enqueue(trx, { topic: SMS_TOPIC, payload });
    },
  } satisfies DeliveryChannel;
}

export type ChannelRegistry = Record<ChannelId, DeliveryChannel>;

export function createChannels(outbox: Outbox, smsBudget?: SmsBudget): ChannelRegistry {
  return { email: emailChannel(outbox), sms: smsChannel(outbox, smsBudget) };
}

/** What actually sends an SMS: an operator's gateway, or the development transport. */
export interface SmsChannel {
  send(to: string, text: string): Promise<void>;
}

/**
 * The development SMS transport: no message leaves the machine. The log says an
 * SMS went to a masked number (never the number or the text, which holds a
 * code); the message itself is kept in the development inbox as a pseudo-mail,
 * so the console's inbox page shows it to the developer.
 */
export function devSmsTransport(deps: {
  database: Database;
  clock: Clock;
  logger: { info(obj: object, msg: string): void };
}): SmsChannel {
  return {
    async send(to, text) {
      const receivedAt = deps.clock.now();
      const raw = [
        'From: SMS <sms@localhost>',
        `To: <sms:${to}>`,
        'Subject: SMS',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        text,
      ].join('\r\n');
      await deps.database.write((trx) =>
        insertDevInboxMessage(trx, {
          id: newId(receivedAt),
          receivedAt,
          from: 'sms@localhost',
          to: [`sms:${to}`],
          subject: 'SMS',
          raw,
        }),
      );
      deps.logger.info({ to: maskPhone(to) }, 'development SMS kept in the inbox');
    },
  };
}

/** How long the SMS gateway has to answer one message. */
const SMS_GATEWAY_TIMEOUT_MS = 10_000;

/**
 * An operator's HTTP SMS gateway: one POST per message, `{ to, text }` as JSON
 * with a bearer token. Any 2xx is sent; anything else throws, and the outbox
 * retries with backoff until its dead letters. Errors carry a code, never the
 * number, the text (it holds a code) or the token.
 */
export function httpSmsTransport(deps: {
  url: string;
  token: string;
  privateAddresses: PrivateAddressPolicy;
  logger: { info(obj: object, msg: string): void };
}): SmsChannel {
  return {
    async send(to, text) {
      const res = await outboundRequest({
        url: deps.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(deps.token ? { authorization: `Bearer ${deps.token}` } : {}),
        },
        body: JSON.stringify({ to, text }),
        timeoutMs: SMS_GATEWAY_TIMEOUT_MS,
        maxBytes: 0,
        privateAddresses: deps.privateAddresses,
      });
      assertDelivered(res, 'SmsGateway', 'SMS gateway');
      deps.logger.info({ to: maskPhone(to) }, 'SMS handed to the gateway');
    },
  };
}

/**
 * Whether SMS can reach anyone: through the gateway, or into the development
 * inbox while that is on (no SMTP relay). Otherwise a code sent by SMS would
 * be kept where no one reads it.
 */
export function smsDeliverable(options: Pick<Options, 'smsGatewayUrl' | 'smtpUrl'>): boolean {
  return options.smsGatewayUrl !== '' || options.smtpUrl === '';
}

/**
 * Where SMS go when nothing can deliver them (no gateway, development inbox
 * off): nowhere. Codes are refused before they are made (`assertReachable`),
 * but notices to a customer whose only verified contact is a phone (a new
 * device, a changed password) would otherwise be kept in the development
 * inbox in plain text, where no one reads them. The log names the masked number.
 */
export function undeliverableSms(logger: { warn(obj: object, msg: string): void }): SmsChannel {
  return {
    async send(to) {
      logger.warn({ to: maskPhone(to) }, 'SMS not sent: no SMS gateway is configured');
    },
  };
}

/**
 * Sends queued SMS. One whose use has ended (a code past its ten minutes, after
 * the gateway was down that long) is dropped rather than sent late: the
 * customer has asked for a new code by then, and two codes would confuse.
 */
export function createSmsSendHandler(
  sms: SmsChannel,
  deps: { clock: Clock; logger: { info(obj: object, msg: string): void } },
): OutboxHandler {
  return {
    topic: SMS_TOPIC,
    name: 'sms.send',
    async handle(payload) {
      const p = payload as Partial<SmsPayload> | null;
      if (typeof p?.to !== 'string' || typeof p.text !== 'string') throw new Error('malformed sms payload');
      if (typeof p.validUntil === 'number' && deps.clock.now() >= p.validUntil) {
        deps.logger.info({ to: maskPhone(p.to) }, 'SMS dropped: its code expired before it could be sent');
        return;
      }
      await sms.send(p.to, p.text);
    },
  };
}

/**
 * `identity.compromised`: queued by a compromise report. Its receiver lives in
 * the OIDC module (ends grants and refresh tokens, sends back-channel logout).
 */
export const COMPROMISED_TOPIC = 'identity.compromised';

/**
 * `identity.password-replaced`: queued by a password reset or change, in its
 * transaction. Its receiver lives in the OIDC module and ends what the customer
 * holds at the apps as for a compromise report: whoever signed in with the old
 * password keeps no provider session, grant or refresh token.
 */
export const PASSWORD_REPLACED_TOPIC = 'identity.password-replaced';

/** The outbox receivers identity needs: SMS delivery (the gateway when configured, else the development transport). */
export function identityOutboxHandlers(deps: {
  database: Database;
  clock: Clock;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  options: Pick<Options, 'smsGatewayUrl' | 'smsGatewayToken' | 'outboundPrivateAddresses' | 'smtpUrl'>;
}): OutboxHandler[] {
  const { options } = deps;
  const sms = options.smsGatewayUrl
    ? httpSmsTransport({
        url: options.smsGatewayUrl,
        token: options.smsGatewayToken,
        privateAddresses: options.outboundPrivateAddresses,
        logger: deps.logger,
      })
    : smsDeliverable(options)
      ? devSmsTransport(deps)
      : undeliverableSms(deps.logger);
  return [createSmsSendHandler(sms, deps)];
}
