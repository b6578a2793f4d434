import { createHmac, randomBytes } from 'node:crypto';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database, Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import {
  assertDelivered,
  checkDestination,
  outboundRequest,
  type PrivateAddressPolicy,
  secureOrLocal,
} from '../../http/outbound.js';
import { newId } from '../../ids.js';
import type { Outbox, OutboxHandler, OutboxLogger } from '../../outbox/outbox.service.js';
import * as store from './consents.store.js';

export const WEBHOOK_TOPIC = 'consents.webhook';
const MASTER_SECRET = 'webhook-signing-key';
/** A subscriber slower than this counts as failed; the outbox retries it later with backoff. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** What subscribers receive: ids and codes, no personal data beyond the subject's id. */
export interface ConsentChange {
  eventId: string;
  subjectId: string;
  rev: number;
  purpose: string;
  purposeVersion: number;
  scope: string;
  kind: 'consent' | 'objection';
  state: 'given' | 'withdrawn' | 'expired';
  at: number;
}

/** `v1=<hex HMAC-SHA-256 over "<timestamp>.<body>">`: the signature header apps check. */
export function signature(secret: Buffer | string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Webhooks to apps that subscribe to consent changes. Each subscriber's secret
 * is derived from one server secret and its id, so no secret is stored; it is
 * shown once, when the subscription is made. Deliveries go through the outbox:
 * a slow or failing endpoint is retried with backoff and never holds up a write.
 */
export async function createWebhooks(deps: {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  outbox: Outbox;
  logger: OutboxLogger;
  /** Whether a subscriber's URL may reach internal addresses (the `outboundPrivateAddresses` option). */
  options: { outboundPrivateAddresses: PrivateAddressPolicy };
}) {
  const { database, audit, clock, outbox } = deps;
  const master = await deps.keyring.secret(MASTER_SECRET, () => randomBytes(32));
  const secretFor = (id: string) => createHmac('sha256', master).update(`webhook:${id}`).digest('base64url');

  const handler: OutboxHandler = {
    topic: WEBHOOK_TOPIC,
    name: 'consents.webhook',
    async handle(payload, ctx) {
      const { subscriberId, change } = payload as { subscriberId: string; change: ConsentChange };
      const subscriber = await store.findSubscriber(database.db, subscriberId);
      // A removed subscription gets nothing more: the message is done.
      if (!subscriber || subscriber.active !== 1) return;
      const body = JSON.stringify({ type: 'consent.changed', deliveryId: ctx.idempotencyKey, change });
      const timestamp = String(Math.floor(clock.now() / 1000));
      // No redirect is followed: a 3xx fails below like any other non-2xx, since
      // the endpoint is the one registered and a redirect could point inside.
      const res = await outboundRequest({
        url: subscriber.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-maxfiy-timestamp': timestamp,
          'x-maxfiy-signature': signature(secretFor(subscriberId), timestamp, body),
          'x-maxfiy-delivery': ctx.idempotencyKey,
        },
        body,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        // The status is the answer; the body is not read.
        maxBytes: 0,
        privateAddresses: deps.options.outboundPrivateAddresses,
      });
      // The outbox records name and code only, never the URL; each is retried with backoff.
      assertDelivered(res, 'Webhook', 'webhook endpoint');
    },
  };

  /** Queues the change for every active subscriber, in the writing transaction. */
  async function enqueue(trx: Trx, change: ConsentChange): Promise<void> {
    for (const s of await store.listSubscribers(trx, true)) {
      await outbox.enqueue(trx, {
        topic: WEBHOOK_TOPIC,
        // A subscriber's endpoint: slow or down, it holds up only the subscribers' lane.
        lane: 'subscribers',
        payload: { subscriberId: s.id, change },
        idempotencyKey: `webhook:${change.eventId}:${s.id}`,
      });
    }
  }

  async function subscribe(actor: string, url: string) {
    // Subject ids and consent states travel in the body: never in clear over a network.
    const parsed = URL.canParse(url) ? new URL(url) : null;
    if (!parsed || !secureOrLocal(parsed) || parsed.username || parsed.password)
      throw new MaxfiyError('MXF_WEBHOOK_URL_INSECURE');
    // Every delivery would be refused: say so now, not in the dead letters.
    const destination = await checkDestination(parsed, deps.options.outboundPrivateAddresses);
    if (destination === 'address-refused') throw new MaxfiyError('MXF_WEBHOOK_URL_PRIVATE');
    if (destination === 'unresolved') throw new MaxfiyError('MXF_WEBHOOK_URL_UNRESOLVED');
    const now = clock.now();
    const id = newId(now);
    await database.write(async (trx) => {
      await store.insertSubscriber(trx, { id, url, createdBy: actor, now });
      await audit.append(trx, { actor, action: 'webhooks.subscribed', target: `webhook:${id}` });
    });
    return { webhook: { id, url, active: true, createdAt: now }, secret: secretFor(id) };
  }

  async function unsubscribe(actor: string, id: string): Promise<void> {
    await database.write(async (trx) => {
      if (!(await store.deactivateSubscriber(trx, id, clock.now())))
        throw new MaxfiyError('MXF_WEBHOOK_NOT_FOUND');
      await audit.append(trx, { actor, action: 'webhooks.unsubscribed', target: `webhook:${id}` });
    });
  }

  async function list() {
    return (await store.listSubscribers(database.db, false)).map((s) => ({
      id: s.id,
      url: s.url,
      active: s.active === 1,
      createdAt: Number(s.created_at),
    }));
  }

  return { handler, enqueue, subscribe, unsubscribe, list, secretFor };
}

export type Webhooks = Awaited<ReturnType<typeof createWebhooks>>;
