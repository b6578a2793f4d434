import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';
import pino from 'pino';
import { build } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadOptions } from '../../src/config/options.js';
import { createServices, stopBackground } from '../../src/container.js';
import { envKekProvider } from '../../src/crypto/kek.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateUp } from '../../src/db/migrate.js';
import * as store from '../../src/modules/agreements/agreements.store.js';
import { readCompanyFile } from '../../src/modules/org/org.service.js';
import { cpuPerRequest, mainThreadCpuSeconds } from './server-cpu.js';
import type { BenchResult } from './types.js';

type Result = { requests: { average: number; total: number }; non2xx: number; errors: number };
type Autocannon = (o: object) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const log = (msg: string) => process.stderr.write(`  acceptance: ${msg}\n`);
const CONNECTIONS = 50;
const SECONDS = 6;
const BATCH = 50;
/** Requests in flight per connection in the pipelined round. */
const PIPELINED = 10;

const REQUESTS = path.resolve('test/bench/acceptance.requests.cjs');
type Kind = 'accept' | 'accept-batch' | 'state' | 'c15t-record' | 'c15t-read';

/**
 * Loads a URL with 50 connections on loopback, from a worker thread so the load
 * generator does not take the server's thread; requests of `kind` from
 * acceptance.requests.cjs, each different; `pipelining` requests in flight on
 * each connection. Returns requests/s, how many succeeded, and the server
 * thread's CPU per request.
 */
async function load(
  url: string,
  seconds: number,
  kind: Kind,
  headers: Record<string, string>,
  params: { prefix: string; count?: number },
  pipelining = 1,
): Promise<{ rate: number; total: number; cpu: ReturnType<typeof cpuPerRequest> }> {
  process.env.MAXFIY_BENCH_LOAD = JSON.stringify({ kind, batch: BATCH, ...params });
  const cpuBefore = mainThreadCpuSeconds();
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    pipelining,
    duration: seconds,
    workers: 1,
    headers,
    requests: [{ setupRequest: REQUESTS }],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  const cpu = cpuPerRequest(mainThreadCpuSeconds() - cpuBefore, r.requests.total, seconds);
  return { rate: r.requests.average, total: r.requests.total, cpu };
}

/**
 * Acceptances recorded per second over HTTP (one per request: durable, with its
 * consent record, audit entry and receipt hash), against plain durable inserts
 * of the same rows through the same storage, and against @c15t/backend 2.2.1
 * (Kysely on better-sqlite3, synchronous=NORMAL, served by @hono/node-server)
 * recording with POST /api/c15t/subjects; then reading a customer's acceptance
 * state against c15t's GET /api/c15t/subjects/:id. Same run, same load. Also
 * batches of 50 acceptances per request (one transaction each, every acceptance
 * with its own audit entry), and both comparisons again with 10 requests
 * pipelined per connection, which takes most of the load generator's cost off
 * the two cores the servers share with it. Every server runs on this process's
 * main thread, so its CPU per request is measured too: the same comparison with
 * the load generator left out.
 */
export async function benchAcceptance(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-bench-acceptance-'));
  const logger = pino({ level: 'silent' });
  const options = loadOptions(
    {
      dataDir: dir,
      devInboxPort: 0,
      logLevel: 'silent',
      rateLimitPerMinute: 100_000_000,
      inProcessWorker: false,
    },
    {},
  );
  const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'maxfiy.db') });
  await migrateUp(database);
  const services = await createServices({
    options,
    database,
    kek: envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') }),
    clock: systemClock,
    logger,
  });
  await services.org.seed(readCompanyFile(options.companyFile));
  await services.agreements.seed();
  const app = await build({ services, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  const c15tDb = new SQLite(path.join(dir, 'c15t.db'));
  c15tDb.pragma('journal_mode = WAL');
  c15tDb.pragma('synchronous = NORMAL');
  const c15t = await startC15t(c15tDb);
  try {
    // A product's back end records and reads, as apps do: with its bearer credential.
    const { secret } = await services.apps.issue('system', {
      productId: 'smartpos-trade',
      scopes: ['agreements'],
      label: 'bench',
    });
    const auth = { authorization: `Bearer ${secret}` };
    const json = { 'content-type': 'application/json' };
    const one = await measure(1, { maxfiy: 'm', c15t: 'M', bare: 'y' });
    const batched =
      (await load(base, SECONDS, 'accept-batch', { ...json, ...auth }, { prefix: 'b' })).rate * BATCH;
    log(`maxfiy records ${batched.toFixed(0)}/s in batches of ${BATCH}`);
    const plain = await plainInserts(database, SECONDS);
    log(`plain durable inserts ${plain.toFixed(0)}/s`);
    // The same loads with requests pipelined on each connection: the load
    // generator then spends less of the shared CPU per request, so every
    // server, c15t included, is measured nearer its own limit.
    const piped = await measure(PIPELINED, { maxfiy: 'p', c15t: 'N', bare: 'z' });

    /** One round: maxfiy and c15t recording, then reading what they recorded, then the bare ceiling. */
    async function measure(pipelining: number, prefix: { maxfiy: string; c15t: string; bare: string }) {
      const tag = pipelining > 1 ? ` (pipelined ${pipelining})` : '';
      await load(base, 1, 'accept', { ...json, ...auth }, { prefix: `w${prefix.maxfiy}` }, pipelining);
      const written = await load(
        base,
        SECONDS,
        'accept',
        { ...json, ...auth },
        { prefix: prefix.maxfiy },
        pipelining,
      );
      log(`maxfiy records ${written.rate.toFixed(0)}/s${tag}`);
      // c15t takes base58 subject ids: the warm-up's prefix is another base58 letter.
      await load(c15t.url, 1, 'c15t-record', json, { prefix: prefix.c15t === 'M' ? 'W' : 'X' }, pipelining);
      const c15tWritten = await load(
        c15t.url,
        SECONDS,
        'c15t-record',
        json,
        { prefix: prefix.c15t },
        pipelining,
      );
      log(`c15t records ${c15tWritten.rate.toFixed(0)}/s${tag}`);

      // Reads cycle over subjects written above (the first `total` requests, less those still in flight at the end).
      const inFlight = CONNECTIONS * pipelining;
      const customers = { prefix: prefix.maxfiy, count: Math.max(1, written.total - inFlight) };
      await load(base, 1, 'state', auth, customers, pipelining);
      const reads = await load(base, SECONDS, 'state', auth, customers, pipelining);
      log(`maxfiy reads acceptance state ${reads.rate.toFixed(0)}/s${tag}`);
      const subjects = { prefix: prefix.c15t, count: Math.max(1, c15tWritten.total - inFlight) };
      await load(c15t.url, 1, 'c15t-read', {}, subjects, pipelining);
      const c15tRead = await load(c15t.url, SECONDS, 'c15t-read', {}, subjects, pipelining);
      log(`c15t reads ${c15tRead.rate.toFixed(0)}/s${tag}`);

      // What any server on one Node thread can show here: a bare Fastify route, same paths, bodies and load.
      const ceiling = await bareCeiling(customers, prefix.bare, pipelining);
      log(`bare Fastify: writes ${ceiling.writes.toFixed(0)}/s, reads ${ceiling.reads.toFixed(0)}/s${tag}`);
      const cpu = {
        write: { maxfiy: written.cpu, c15t: c15tWritten.cpu, bare: ceiling.cpu.writes },
        read: { maxfiy: reads.cpu, c15t: c15tRead.cpu, bare: ceiling.cpu.reads },
      };
      return {
        recorded: written.rate,
        c15tRecorded: c15tWritten.rate,
        read: reads.rate,
        c15tReads: c15tRead.rate,
        ceiling,
        cpu,
      };
    }
    const { recorded, c15tRecorded, read, c15tReads, ceiling, cpu } = one;
    const rowsCeiling = 1e6 / (1e6 / plain + cpu.write.bare.micros);
    /** Server CPU per request beside c15t's and the bare route's: the ratios without the load generator in them. */
    const perRequest = (c: (typeof cpu)['write'], what: string): Omit<BenchResult, 'name'> => ({
      value: Math.round(c.maxfiy.micros),
      unit: 'µs CPU/request',
      ratio: c.c15t.micros / c.maxfiy.micros,
      baseline: `@c15t/backend 2.2.1 ${what} ${Math.round(c.c15t.micros)} µs; bare Fastify ${Math.round(c.bare.micros)} µs, so no server here can pass ${(c.c15t.micros / c.bare.micros).toFixed(1)}× c15t (server thread busy: maxfiy ${Math.round(c.maxfiy.busy * 100)}%, c15t ${Math.round(c.c15t.busy * 100)}%, bare ${Math.round(c.bare.busy * 100)}%)`,
    });

    return [
      {
        name: 'agreement_acceptances_per_s_http',
        value: Math.round(recorded),
        unit: 'acceptances/s',
        ratio: recorded / c15tRecorded,
        baseline: `@c15t/backend 2.2.1 POST /api/c15t/subjects ${Math.round(c15tRecorded)}/s (synchronous=NORMAL, no tamper-evident audit)`,
      },
      {
        name: 'agreement_acceptances_per_s_http_batched',
        value: Math.round(batched),
        unit: 'acceptances/s',
        ratio: batched / c15tRecorded,
        baseline: `@c15t/backend 2.2.1 POST /api/c15t/subjects ${Math.round(c15tRecorded)}/s (one per request; it has no batch call)`,
      },
      {
        name: 'agreement_acceptances_vs_plain_inserts',
        value: Math.round(recorded),
        unit: 'acceptances/s',
        ratio: recorded / plain,
        baseline: `plain durable inserts of the same rows, 50 concurrent writers, no HTTP or audit: ${Math.round(plain)}/s`,
      },
      {
        name: 'agreement_acceptance_state_reads_per_s_http',
        value: Math.round(read),
        unit: 'reads/s',
        ratio: read / c15tReads,
        baseline: `@c15t/backend 2.2.1 GET /api/c15t/subjects/:id ${Math.round(c15tReads)}/s`,
      },
      {
        name: 'agreement_http_ceiling_bare_fastify_writes',
        value: Math.round(ceiling.writes),
        unit: 'req/s',
        ratio: ceiling.writes / c15tRecorded,
        baseline: `c15t's recording rate: the most any one-thread server could show here (maxfiy is at ${(recorded / ceiling.writes).toFixed(2)} of it)`,
      },
      {
        // An estimate, not a measurement: both costs fall on the one thread, the rows'
        // time under group commit (the plain inserts' rate, CPU-bound) and the bare
        // route's CPU per request, so their sum is what such a server would spend.
        name: 'agreement_http_ceiling_rows_and_bare_route_estimate',
        value: Math.round(rowsCeiling),
        unit: 'acceptances/s',
        ratio: rowsCeiling / c15tRecorded,
        baseline: `c15t's recording rate: an estimate, from two figures of this run, of a server that only stored each acceptance's rows durably (${(1e6 / plain).toFixed(1)} µs each, plain inserts) and answered like the bare route (${Math.round(cpu.write.bare.micros)} µs CPU), nothing else (maxfiy is at ${(recorded / rowsCeiling).toFixed(2)} of it)`,
      },
      {
        name: 'agreement_http_ceiling_bare_fastify_reads',
        value: Math.round(ceiling.reads),
        unit: 'req/s',
        ratio: ceiling.reads / c15tReads,
        baseline: `c15t's read rate: the most any one-thread server could show here (maxfiy is at ${(read / ceiling.reads).toFixed(2)} of it)`,
      },
      {
        name: 'agreement_acceptance_server_cpu_per_request',
        ...perRequest(cpu.write, 'POST /api/c15t/subjects'),
      },
      {
        name: 'agreement_acceptance_state_read_server_cpu_per_request',
        ...perRequest(cpu.read, 'GET /api/c15t/subjects/:id'),
      },
      {
        name: 'agreement_acceptances_per_s_http_pipelined',
        value: Math.round(piped.recorded),
        unit: 'acceptances/s',
        ratio: piped.recorded / piped.c15tRecorded,
        baseline: `@c15t/backend 2.2.1 POST /api/c15t/subjects ${Math.round(piped.c15tRecorded)}/s, both loaded with ${PIPELINED} requests pipelined per connection (bare Fastify: ${Math.round(piped.ceiling.writes)}/s, ${(piped.ceiling.writes / piped.c15tRecorded).toFixed(1)}× c15t)`,
      },
      {
        name: 'agreement_acceptance_state_reads_per_s_http_pipelined',
        value: Math.round(piped.read),
        unit: 'reads/s',
        ratio: piped.read / piped.c15tReads,
        baseline: `@c15t/backend 2.2.1 GET /api/c15t/subjects/:id ${Math.round(piped.c15tReads)}/s, both loaded with ${PIPELINED} requests pipelined per connection (bare Fastify: ${Math.round(piped.ceiling.reads)}/s, ${(piped.ceiling.reads / piped.c15tReads).toFixed(1)}× c15t)`,
      },
    ];
  } finally {
    await app.close();
    await stopBackground(services);
    await database.close();
    await c15t.close();
    c15tDb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A bare Fastify server answering the same two routes with fixed JSON, loaded
 * the same way: the ceiling this machine's loopback HTTP puts on any figure above.
 */
async function bareCeiling(
  customers: { prefix: string; count: number },
  prefix: string,
  pipelining: number,
): Promise<{
  writes: number;
  reads: number;
  cpu: { writes: ReturnType<typeof cpuPerRequest>; reads: ReturnType<typeof cpuPerRequest> };
}> {
  const bare = Fastify({ logger: false });
  bare.post('/v1/agreements/acceptances', async (req, reply) =>
    reply.code(201).send({ subjectId: (req.body as { subjectId: string }).subjectId, version: 1 }),
  );
  bare.get('/v1/agreements/acceptance-state', async (req) => ({
    subjectId: (req.query as { subjectId: string }).subjectId,
    current: true,
    versionInForce: 1,
    acceptedVersion: 1,
  }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;
    const json = { 'content-type': 'application/json' };
    await load(url, 1, 'accept', json, { prefix: `x${prefix}` }, pipelining);
    const writes = await load(url, SECONDS, 'accept', json, { prefix }, pipelining);
    const reads = await load(url, SECONDS, 'state', {}, customers, pipelining);
    return { writes: writes.rate, reads: reads.rate, cpu: { writes: writes.cpu, reads: reads.cpu } };
  } finally {
    await bare.close();
  }
}

/** The same rows as an acceptance writes (record and state), through `database.write`, 50 writers at once. */
async function plainInserts(
  database: Awaited<ReturnType<typeof openDatabase>>,
  seconds: number,
): Promise<number> {
  const record = JSON.stringify({
    consentRecord: { schemaVersion: 'ISO/IEC TS 27560:2023' },
    pad: 'x'.repeat(2000),
  });
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const writer = async () => {
    while (Date.now() < end) {
      const i = n++;
      await database.write(async (trx) => {
        await store.insertAcceptance(trx, {
          id: `plain-${i}`,
          subject_id: `plain-${i}`,
          version: 1,
          lang: 'uz-Cyrl',
          content_hash: 'sha256:0',
          site_id: null,
          method: 'api',
          accepted_at: Date.now(),
          audit_seq: i,
          record,
        });
        await store.upsertSubjectState(trx, {
          subject_id: `plain-${i}`,
          accepted_version: 1,
          accepted_at: Date.now(),
          last_acceptance_id: `plain-${i}`,
          notified_version: 1,
          needs_reacceptance: 0,
        });
      });
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, writer));
  return (n * 1000) / (Date.now() - start);
}

/** @c15t/backend as its quickstart sets it up, on better-sqlite3 through its Kysely adapter. */
async function startC15t(sqlite: SQLite.Database): Promise<{ url: string; close(): Promise<void> }> {
  const { c15tInstance } = await import('@c15t/backend');
  const { kyselyAdapter } = await import('@c15t/backend/db/adapters/kysely');
  const { DB } = await import('@c15t/backend/db/schema');
  const { migrator } = await import('@c15t/backend/db/migrator');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  const adapter = kyselyAdapter({ db, provider: 'sqlite' });
  const migration = (await migrator({ db: DB.client(adapter), schema: 'latest' })) as {
    execute?: () => Promise<void>;
  };
  await migration.execute?.();
  // A legal-document consent names its policy: version 1 of the agreement, as c15t stores policies.
  sqlite
    .prepare(
      'insert into "consentPolicy" (id, version, type, hash, "effectiveDate", "isActive", "createdAt") values (?, ?, ?, ?, ?, 1, ?)',
    )
    .run('pol_v1', '1', 'privacy_policy', '0'.repeat(64), Date.now() - 1000, Date.now());
  const instance = c15tInstance({
    appName: 'bench',
    basePath: '/api/c15t',
    trustedOrigins: ['http://127.0.0.1'],
    adapter,
    logger: { level: 'error' },
  } as Parameters<typeof c15tInstance>[0]);
  return new Promise((resolve) => {
    const server = serve({ fetch: instance.handler, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
