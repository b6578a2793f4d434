import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock } from '../clock.js';
import { ConfigError, type Options } from '../config/options.js';
import { createServices } from '../container.js';
import { loadKekProvider } from '../crypto/kek.js';
import { holdsWrappedKeys } from '../crypto/keys.store.js';
import { openDatabase, sqliteFileFor } from '../db/database.js';
import { migrationsCurrent } from '../db/migrate.js';
import { createDevInboxMailer, createSmtpMailer, type Mailer } from '../mail/mailer.js';
import { createWorker } from '../outbox/outbox.worker.js';

/** Unique per process, so a claim names who holds it. Not secret. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * The mailer of an out-of-process worker. With no relay configured it sends to
 * the development inbox the server runs on loopback, rather than starting a
 * second one on the same port.
 */
function workerMailer(options: Options): Mailer {
  if (options.smtpUrl) return createSmtpMailer({ smtpUrl: options.smtpUrl, from: options.mailFrom });
  return createDevInboxMailer({ port: options.devInboxPort, from: options.mailFrom });
}

/**
 * `maxfiy worker`: delivers outbox messages in its own process (servers then run
 * with MAXFIY_IN_PROCESS_WORKER=false). Resolves once SIGTERM or SIGINT has
 * stopped it cleanly: no new claims, deliveries in flight finished.
 */
export async function runWorker(opts: {
  options: Options;
  logger: Logger;
  /** Stops the worker instead of a signal (tests, an embedding process). */
  stop?: AbortSignal;
}): Promise<void> {
  const { options, logger } = opts;
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    file: sqliteFileFor(options.dataDir),
  });
  const mailer = workerMailer(options);
  let services: Awaited<ReturnType<typeof createServices>> | undefined;
  try {
    if (!(await migrationsCurrent(database))) {
      throw new ConfigError(
        'the database schema is not current: start a server or run `maxfiy migrate up` first',
      );
    }
    // The same services as a server, so every outbox handler the server registers
    // is registered here too; only the mailer differs.
    services = await createServices({
      options,
      database,
      // As in the server: a key file gone from a database with wrapped keys is refused, not replaced.
      kek: await loadKekProvider({ ...options, createIfMissing: !(await holdsWrappedKeys(database.db)) }),
      clock: systemClock,
      logger,
      mail: { mailer, stop: async () => {} },
    });
    const worker = createWorker({
      database,
      outbox: services.outbox,
      clock: systemClock,
      logger,
      workerId: newWorkerId(),
    });
    worker.start();
    logger.info({ workerId: worker.workerId }, 'outbox worker started');

    const signal = await untilStopped(opts.stop);
    logger.info({ signal }, 'outbox worker stopping');
    await worker.stop();
    logger.info('outbox worker stopped');
  } finally {
    // The decision service follows other nodes on PostgreSQL: its connection closes before the pool.
    await services?.decisions.stop();
    mailer.close();
    await database.close();
  }
}

/** Resolves with what asked the worker to stop: SIGTERM, SIGINT, or the abort signal. */
function untilStopped(abort: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      abort?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onSignal = (signal: NodeJS.Signals) => done(signal);
    const onAbort = () => done('abort');
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (abort?.aborted) return done('abort');
    abort?.addEventListener('abort', onAbort, { once: true });
  });
}
