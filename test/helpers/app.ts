import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { build } from '../../src/app.js';
import { type Clock, systemClock } from '../../src/clock.js';
import { loadOptions, type Options } from '../../src/config/options.js';
import { createServices, type Services, startBackground, stopBackground } from '../../src/container.js';
import { envKekProvider } from '../../src/crypto/kek.js';
import type { DatabaseKind } from '../../src/db/database.js';
import { readCompanyFile } from '../../src/modules/org/org.service.js';
import { openTestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  options: Options;
  close(): Promise<void>;
}

/**
 * The whole application on a fresh database, with the default company loaded,
 * a random KEK from the environment source, the development inbox on a free
 * loopback port, strict response checking and a silent logger.
 */
export async function createTestApp(
  kind: DatabaseKind = 'sqlite',
  opts: { clock?: Clock; options?: Partial<Options>; seed?: boolean; listen?: boolean } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'maxfiy-app-'));
  const options = loadOptions(
    {
      dataDir,
      devInboxPort: 0,
      logLevel: 'silent',
      rateLimitPerMinute: 100_000,
      inProcessWorker: false,
      // Tests run their sites and webhook subscribers on 127.0.0.1; refusal is tested apart.
      outboundPrivateAddresses: 'allow',
      ...opts.options,
    },
    {},
  );
  const db = await openTestDatabase(kind);
  const kek = envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') });
  const logger = pino({ level: 'silent' });
  const services = await createServices({
    options,
    database: db.database,
    kek,
    clock: opts.clock ?? systemClock,
    logger,
  });
  if (opts.seed ?? true) await services.org.seed(readCompanyFile(options.companyFile));
  const app = await build({ services, logger, strictResponses: true });
  if (opts.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    await startBackground(services);
  } else {
    await app.ready();
  }
  return {
    app,
    services,
    options,
    async close() {
      await app.close();
      await stopBackground(services);
      await db.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
