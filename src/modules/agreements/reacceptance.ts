/**
 * §20: publishing a new version asks everyone who accepted an earlier one to
 * accept again. E-mail through `queueMail` goes here once identity holds
 * addresses; until then the state (`needs_reacceptance`) is what apps and the
 * cabinet show.
 */
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { type Outbox, type OutboxHandler, processOnce } from '../../outbox/outbox.service.js';
import * as store from './agreements.store.js';
import { VERSION_PUBLISHED_TOPIC } from './versions.service.js';

/**
 * Fans a publication out to everyone who accepted an earlier version: one
 * batch per message, the next batch enqueued in the same transaction, progress
 * in `agreement_notifications`. E-mail follows when identity holds addresses.
 */
export function createReacceptanceHandler(deps: {
  database: Database;
  audit: AuditAppender;
  outbox: Pick<Outbox, 'enqueue'>;
  clock: Clock;
  batchSize: number;
}): OutboxHandler {
  const { database, audit, outbox, clock, batchSize } = deps;
  const notifyHandler: OutboxHandler = {
    topic: VERSION_PUBLISHED_TOPIC,
    name: 'agreement.reacceptance-requests',
    async handle(payload, ctx) {
      const { version, after } = payload as { version: number; after: string };
      await database.write((trx) =>
        processOnce(
          trx,
          notifyHandler.name,
          ctx.idempotencyKey,
          async () => {
            const ids = await store.subjectsToNotify(trx, version, after, batchSize);
            await store.markNotified(trx, ids, version);
            const more = ids.length === batchSize;
            await store.addNotified(trx, version, ids.length, more ? null : clock.now());
            await audit.append(trx, {
              actor: 'system',
              action: 'agreement.reacceptance.requested',
              target: `agreement-version:${version}`,
              details: { count: ids.length },
            });
            const last = ids.at(-1);
            if (more && last) {
              await outbox.enqueue(trx, {
                topic: VERSION_PUBLISHED_TOPIC,
                lane: 'bulk',
                payload: { version, after: last },
                idempotencyKey: `${VERSION_PUBLISHED_TOPIC}:${version}:${last}`,
              });
            }
          },
          clock.now(),
        ),
      );
    },
  };
  return notifyHandler;
}
