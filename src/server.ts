import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { build, REDACTED_LOG_PATHS } from './app.js';
import { systemClock } from './clock.js';
import { assertOwnDataDir, ConfigError, loadOptions, type Options } from './config/options.js';
import { createServices, type Services, startBackground, stopBackground } from './container.js';
import { loadKekProvider } from './crypto/kek.js';
import { holdsWrappedKeys } from './crypto/keys.store.js';
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
    throw unreachable(options.databaseUrl, err) ?? err;
  }
  return database;
}

/**
 * A PostgreSQL that cannot be used as configured, as one line naming what to
 * fix (host, port, database and user; never the password); undefined for any
 * other error.
 */
function unreachable(url: string, err: unknown): ConfigError | undefined {
  if (!url) return undefined;
  const { code } = err as { code?: string };
  let where: string;
  let name: string;
  let user: string;
  try {
    // pg also takes forms URL does not (a socket directory as the host): then the error stands as it is.
    const u = new URL(url);
    where = `PostgreSQL at ${u.hostname || u.searchParams.get('host') || 'localhost'}:${u.port || 5432}`;
    name = decodeURIComponent(u.pathname.slice(1));
    user = decodeURIComponent(u.username);
  } catch {
    return undefined;
  }
  const why: Record<string, string> = {
    '3D000': `has no database "${name}": create it (createdb), or fix MAXFIY_DATABASE_URL`,
    '28P01': `refused the password of user "${user}"`,
    '28000': `refused the login of user "${user}"`,
    '42501': `does not let user "${user}" create the schema: make the user own the database, or grant it CREATE`,
    ECONNREFUSED: 'refused the connection: is it running, and listening there?',
    ENOTFOUND: 'is not a name this machine can resolve',
    ETIMEDOUT: 'did not answer in time',
  };
  const reason = code === undefined ? undefined : why[code];
  return reason === undefined ? undefined : new ConfigError(`${where} ${reason}`);
}

/**
 * Starts maxfiy: every check that can refuse the start runs before the port is
 * opened, so a misconfigured server never half-serves; and the decision index
 * is built and (on PostgreSQL) following other nodes before the first answer.
 */
export async function startServer(overrides: Partial<Options> = {}, log?: Logger): Promise<RunningServer> {
  const options = loadOptions(overrides);
  assertOwnDataDir(options.dataDir);
  const logger = log ?? createLogger(options);
  const company = readCompanyFile(options.companyFile);
  const register = readRegisterFile(registerFileFor(options.companyFile));
  const database = await openMigrated(options);
  let services: Services | undefined;
  try {
    // After the database: a failed open leaves no key file behind, and a key file
    // gone from a database that has wrapped keys is refused, not replaced.
    const kek = await loadKekProvider({
      ...options,
      createIfMissing: !(await holdsWrappedKeys(database.db)),
    });
    services = await createServices({ options, database, kek, clock: systemClock, logger });
    await services.agreements.checkSeed();
    await services.org.seed(company);
    await services.agreements.seed();
    await services.purposes.seed(register);
    await services.oidc.start();
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
