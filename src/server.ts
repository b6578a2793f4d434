import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { build, REDACTED_LOG_PATHS } from './app.js';
import { systemClock } from './clock.js';
import { loadOptions, type Options } from './config/options.js';
import { createServices, type Services, startBackground, stopBackground } from './container.js';
import { loadKekProvider } from './crypto/kek.js';
import { type Database, openDatabase, sqliteFileFor } from './db/database.js';
import { migrateUp } from './db/migrate.js';
import { readCompanyFile } from './modules/org/org.service.js';
import { readRegisterFile, registerFileFor } from './modules/purposes/purposes.service.js';

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  /** Stops taking requests, lets those in flight finish, stops background work, closes the database. */
  close(): Promise<void>;
}

export function createLogger(options: Pick<Options, 'logLevel'>): Logger {
  return pino({ level: options.logLevel, redact: REDACTED_LOG_PATHS });
}

/** Opens the database and brings its schema up to date; refuses a schema newer than the code. */
export async function openMigrated(options: Options): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: options.databaseUrl,
    file: sqliteFileFor(options.dataDir),
  });
  try {
    await migrateUp(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/**
 * Starts maxfiy: every check that can refuse the start runs before the port is
 * opened, so a misconfigured server never half-serves; and the decision index
 * is built and (on PostgreSQL) following other nodes before the first answer.
 */
export async function startServer(overrides: Partial<Options> = {}, log?: Logger): Promise<RunningServer> {
  const options = loadOptions(overrides);
  const logger = log ?? createLogger(options);
  const company = readCompanyFile(options.companyFile);
  const kek = await loadKekProvider(options);
  const database = await openMigrated(options);
  let services: Services | undefined;
  try {
    services = await createServices({ options, database, kek, clock: systemClock, logger });
    await services.org.seed(company);
    await services.agreements.seed();
    await services.purposes.seed(readRegisterFile(registerFileFor(options.companyFile)));
  } catch (err) {
    // createServices has opened the decision listener and the development inbox: close them too.
    if (services) await stopBackground(services).catch(() => undefined);
    await database.close();
    throw err;
  }
  const app = await build({ services, logger });
  await app.listen({ port: options.port, host: options.host });
  // The worker, tree heads and single sign-on start beside a server that answers.
  await startBackground(services);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ url, database: database.kind }, 'maxfiy is listening');

  const setupLink = await services.staff.ensureSetupLink();
  if (setupLink) {
    // Printed, never logged: the link is a credential for creating the first administrator.
    process.stdout.write(
      `\nNo administrator exists yet. Create the first one with this one-time link (valid 24 hours):\n  ${setupLink}\n\n`,
    );
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      services.lifecycle.shuttingDown = true;
      const force = setTimeout(() => app.server.closeAllConnections(), options.shutdownGraceMs);
      force.unref();
      await app.close();
      clearTimeout(force);
      await stopBackground(services);
      await database.close();
      logger.info('maxfiy stopped');
    })();
    return closing;
  };
  return { app, services, url, close };
}

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serveForever(overrides: Partial<Options> = {}): Promise<void> {
  // Handlers go in before the start: a SIGTERM that arrives while the server is
  // still starting waits for the start, then shuts down cleanly, instead of
  // killing the process halfway through a migration or a first write.
  let server: RunningServer | undefined;
  let requested: string | undefined;
  const stop = (signal: string) => {
    if (!server) {
      requested ??= signal;
      return;
    }
    const running = server;
    running.app.log.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err) => {
        running.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  server = await startServer(overrides);
  if (requested) stop(requested);
}
