import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pino from 'pino';
import { build } from '../../src/app.js';
import { auditLogSize, insertAuditEntry } from '../../src/audit/audit.store.js';
import { systemClock } from '../../src/clock.js';
import { loadOptions } from '../../src/config/options.js';
import { createServices, type Services, stopBackground } from '../../src/container.js';
import { envKekProvider } from '../../src/crypto/kek.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateUp } from '../../src/db/migrate.js';
import * as consentStore from '../../src/modules/consents/consents.store.js';
import { createDecisionService } from '../../src/modules/decisions/decisions.service.js';
import { DecisionEngine } from '../../src/modules/decisions/engine.js';
import { readCompanyFile } from '../../src/modules/org/org.service.js';
import { createPurposeService, readRegisterFile } from '../../src/modules/purposes/purposes.service.js';
import { casbinDecider, cedarDecider } from './decisions.rivals.js';
import { prng, randomSubject, subjectId, workload } from './decisions.workload.js';
import { cpuPerRequest, mainThreadCpuSeconds } from './server-cpu.js';
import type { BenchResult } from './types.js';

type Autocannon = (
  o: object,
) => Promise<{ requests: { average: number; total: number }; non2xx: number; errors: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const REGISTER = readRegisterFile('config/purposes.json');
/** The index is rebuilt from a database of this many customers: issue 5 asks for the time a million take. */
const REBUILD_SUBJECTS = 1_000_000;
/**
 * Microseconds of CPU the "working" bare route spends per request before it
 * answers: the room the 0.6 target leaves a single decision above a bare route.
 */
const WORK_MICROS = 15;
/** Rounds of single decisions, each beside a round of the bare route. */
const SINGLE_ROUNDS = 3;
/** Alternating rounds of the durable consent writes (one transaction each, group commit, rows alone). */
const WRITE_ROUNDS = 3;
/** The rate over rounds of equal counts: their count over their total time. */
const overall = (rates: number[]) => rates.length / rates.reduce((sum, r) => sum + 1 / r, 0);
const withIndexes = (r: typeof REGISTER) => ({
  ...r,
  purposes: r.purposes.map((p, idx) => ({ ...p, idx, version: 1 })),
});
const log = (msg: string) => process.stderr.write(`  decisions: ${msg}\n`);
const rate = (n: number, ms: number) => (n * 1000) / ms;

function gcNow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
function heldBytes(): number {
  gcNow();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Decisions per second over `n` questions of the workload, the best of `rounds`. */
function measure(
  decide: (s: string, p: string, c: string) => boolean,
  qs: { subjectId: string; purpose: string; category: string }[],
  n: number,
  rounds = 3,
): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const q = qs[i % qs.length] as (typeof qs)[number];
      decide(q.subjectId, q.purpose, q.category);
    }
    best = Math.max(best, rate(n, performance.now() - t));
  }
  return best;
}

export async function openStack(
  dir: string,
  maxBatch: number,
  sync: 'wal-fsync' | 'full' = 'wal-fsync',
): Promise<Services> {
  const options = loadOptions(
    {
      dataDir: dir,
      devInboxPort: 0,
      logLevel: 'silent',
      inProcessWorker: false,
      rateLimitPerMinute: 1_000_000_000,
    },
    {},
  );
  const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'maxfiy.db'), maxBatch, sync });
  await migrateUp(database);
  const services = await createServices({
    options,
    database,
    kek: envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') }),
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  });
  await services.org.seed(readCompanyFile(options.companyFile));
  await services.purposes.seed(REGISTER);
  return services;
}

export async function closeStack(s: Services): Promise<void> {
  await stopBackground(s);
  await s.database.close();
}

/** Consent writes per second from 64 concurrent writers, each acknowledged durable. */
export async function consentWrites(s: Services, perWriter: number): Promise<number> {
  const t = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        await s.consents.record('app:bench', `bench-${w}-${i % 7}`, {
          purpose: i % 2 ? 'offers-newsletters' : 'interest-analytics',
          action: i % 3 ? 'give' : 'withdraw',
          source: 'app',
          notice: { version: '1', language: 'uz-Latn' },
        });
      }
    }),
  );
  return rate(64 * perWriter, performance.now() - t);
}

/**
 * The rows a consent write leaves (subject revision, audit entry, event with its
 * record, current state), written with no logic around them by 64 concurrent
 * writers through the same group commit: what group commit could show for this
 * write on this machine if everything but the storage cost nothing. Values are
 * taken from a real write, so the rows have the real sizes.
 */
export async function plainConsentRows(s: Services, perWriter: number): Promise<number> {
  const real = await s.consents.record('app:bench', 'bench-plain-model', {
    purpose: 'offers-newsletters',
    action: 'give',
    source: 'app',
    notice: { version: '1', language: 'uz-Latn' },
  });
  const model = await s.database.db
    .selectFrom('consent_events')
    .selectAll()
    .where('id', '=', real.id)
    .executeTakeFirstOrThrow();
  const entry = await s.database.db
    .selectFrom('audit_entries')
    .selectAll()
    .where('seq', '=', model.audit_seq)
    .executeTakeFirstOrThrow();
  let seq = await auditLogSize(s.database.db);
  let n = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const subjectId = `plain-${w}-${i % 7}`;
        const id = `${real.id}-${n++}`;
        await s.database.write(async (trx) => {
          const now = Date.now();
          const { rev } = await consentStore.bumpSubject(trx, subjectId, now);
          const at = seq++;
          await insertAuditEntry(trx, { ...entry, seq: at, at: now, subject_id: subjectId });
          await consentStore.insertEvent(trx, {
            ...model,
            id,
            subject_id: subjectId,
            rev,
            at: now,
            audit_seq: at,
          });
          await consentStore.upsertCurrent(trx, {
            subjectId,
            purposeId: model.purpose_id,
            scope: model.scope,
            kind: model.kind,
            state: model.state,
            eventId: id,
            expiresAt: model.expires_at,
            now,
          });
        });
      }
    }),
  );
  return rate(64 * perWriter, performance.now() - t);
}

/** What the index of a million customers holds, filled directly (heap and array buffers, after gc). */
function millionIndexBytes(register: ReturnType<typeof withIndexes>): number {
  const random = prng(1_000_000);
  const before = heldBytes();
  const engine = new DecisionEngine(systemClock);
  engine.setRegister(register);
  for (let i = 0; i < 1_000_000; i++) engine.setSubject(randomSubject(register, subjectId(random), random));
  const bytes = heldBytes() - before;
  // Keep the index alive until measured.
  if (engine.subjectCount !== 1_000_000) throw new Error('the index lost subjects');
  return bytes;
}

/** Rebuilding the index from SQLite at start: subjects per second, with progress. */
async function rebuildRate(
  dir: string,
  register: ReturnType<typeof withIndexes>,
  subjects: number,
): Promise<number> {
  const file = path.join(dir, 'rebuild.db');
  const database: Database = await openDatabase({ databaseUrl: '', file });
  await migrateUp(database);
  const audit = { append: async () => ({ seq: 0 }) };
  const purposes = createPurposeService({ database, audit, clock: systemClock });
  await purposes.seed(REGISTER);
  const raw = new SQLite(file);
  const random = prng(subjects);
  const subject = raw.prepare(
    'insert into consent_subjects (subject_id, status, rev, updated_at) values (?, ?, 1, 0)',
  );
  const current = raw.prepare(
    "insert into consent_current (subject_id, purpose_id, scope, kind, state, event_id, expires_at, updated_at) values (?, ?, '', ?, ?, 'e', null, 0)",
  );
  raw.transaction(() => {
    for (let i = 0; i < subjects; i++) {
      const s = randomSubject(register, subjectId(random), random);
      subject.run(s.subjectId, s.status);
      for (const r of s.rows) current.run(s.subjectId, r.purposeId, r.kind, r.state);
    }
  })();
  raw.close();
  const decisions = createDecisionService({
    database,
    clock: systemClock,
    purposes,
    logger: { info() {}, warn() {} },
  });
  let shown = 0;
  const { ms } = await decisions.rebuild((done, total) => {
    if (done - shown >= 200_000 || done === total) {
      shown = done;
      log(`rebuilding the index: ${done}/${total}`);
    }
  });
  await database.close();
  return rate(subjects, ms);
}

export async function httpDecisions(s: Services): Promise<{
  single: number;
  bare: number;
  batch: number;
  pipelined: { single: number; bare: number };
  /** Server-thread CPU per single decision over the unpipelined rounds, µs. */
  cpu: { single: number; bare: number };
  /** The bare route that also spins for WORK_MICROS per request: its rate and CPU per request. */
  working: { rate: number; cpu: number };
}> {
  const { subjects, questions } = workload(withIndexes(REGISTER), 100_000, 1000);
  for (const subject of subjects) s.decisions.engine.setSubject(subject);
  const app = await build({ services: s, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const bare = Fastify({ logger: false });
  bare.post('/v1/decisions', async (req) => {
    const b = req.body as { subjectId: string };
    return { allow: b.subjectId.length > 0, reasons: [], versions: { purpose: 1, consent: 1 } };
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  // The same bare route doing WORK_MICROS of work first: what that much work per
  // request costs a server on this machine, loaded the same way.
  const working = Fastify({ logger: false });
  working.post('/v1/decisions', async (req) => {
    const until = process.hrtime.bigint() + BigInt(WORK_MICROS * 1000);
    while (process.hrtime.bigint() < until);
    const b = req.body as { subjectId: string };
    return { allow: b.subjectId.length > 0, reasons: [], versions: { purpose: 1, consent: 1 } };
  });
  await working.listen({ port: 0, host: '127.0.0.1' });
  try {
    // The product's backend asks, as apps do: with its bearer credential.
    const { secret } = await s.apps.issue('system', {
      productId: 'smartpos-trade',
      scopes: ['decisions'],
      label: 'bench',
    });
    const one = JSON.stringify(questions[0]);
    const cpu = { single: { seconds: 0, requests: 0 }, bare: { seconds: 0, requests: 0 } };
    const run = async (
      url: string,
      body: string,
      seconds: number,
      pipelining = 1,
      spent?: { seconds: number; requests: number },
    ) => {
      const cpuBefore = mainThreadCpuSeconds();
      const r = await autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body,
        connections: 32,
        pipelining,
        // The load generator in its own thread: in the server's thread it would take its CPU.
        workers: 1,
        duration: seconds,
      });
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      if (spent) {
        spent.seconds += mainThreadCpuSeconds() - cpuBefore;
        spent.requests += r.requests.total;
      }
      return r.requests.average;
    };
    const address = (f: typeof app) =>
      `http://127.0.0.1:${(f.server.address() as { port: number }).port}/v1/decisions`;
    const batchBody = JSON.stringify({
      questions: questions.concat(questions, questions, questions, questions),
    });
    // Every path warm before it is measured: the batch path's first second runs
    // unoptimised code and grows the young generation, so it was a cold figure.
    await run(address(app), one, 1);
    await run(address(bare), one, 1);
    await run(address(app), batchBody, 1);
    // Single and bare alternate, so a slow stretch of this shared machine falls on both.
    let single = 0;
    let bareRate = 0;
    for (let round = 0; round < SINGLE_ROUNDS; round++) {
      single += (await run(address(app), one, 3, 1, cpu.single)) / SINGLE_ROUNDS;
      bareRate += (await run(address(bare), one, 3, 1, cpu.bare)) / SINGLE_ROUNDS;
    }
    // Again with 10 requests pipelined per connection: the load generator's share
    // of the two cores shrinks, and each server is measured nearer its own limit.
    const pipelined = { single: 0, bare: 0 };
    for (let round = 0; round < SINGLE_ROUNDS; round++) {
      pipelined.single += (await run(address(app), one, 3, 10)) / SINGLE_ROUNDS;
      pipelined.bare += (await run(address(bare), one, 3, 10)) / SINGLE_ROUNDS;
    }
    const batch = (await run(address(app), batchBody, 5)) * 5000;
    const micros = (c: { seconds: number; requests: number }) =>
      cpuPerRequest(c.seconds, c.requests, 1).micros;
    const spent = { seconds: 0, requests: 0 };
    await run(address(working), one, 1);
    const workingRate = await run(address(working), one, 3, 1, spent);
    return {
      single,
      bare: bareRate,
      batch,
      pipelined,
      cpu: { single: micros(cpu.single), bare: micros(cpu.bare) },
      working: { rate: workingRate, cpu: micros(spent) },
    };
  } finally {
    await app.close();
    await bare.close();
    await working.close();
  }
}

/**
 * maxfiy's engine against casbin and Cedar in this process, answers checked
 * equal first. Only the rates leave: the rivals' models of 100,000 customers
 * are garbage once it returns, so they do not weigh on the HTTP rounds after it.
 */
async function inProcess(register: ReturnType<typeof withIndexes>) {
  const { subjects, questions } = workload(register, 100_000, 200_000);
  const engine = new DecisionEngine(systemClock);
  engine.setRegister(register);
  for (const s of subjects) engine.setSubject(s);
  const maxfiy = (s: string, p: string, c: string) => engine.decide(s, p, c).allow;
  const casbin = await casbinDecider(register, subjects);
  const cedar = cedarDecider(register, subjects);
  for (const [name, rival, n] of [
    ['casbin', casbin, 20_000],
    ['cedar', cedar, 10_000],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const q = questions[i] as (typeof questions)[number];
      if (rival(q.subjectId, q.purpose, q.category) !== maxfiy(q.subjectId, q.purpose, q.category))
        throw new Error(`${name} disagrees with maxfiy on question ${i}`);
    }
    log(`${name} agrees with maxfiy on ${n} questions`);
  }
  const ours = measure(maxfiy, questions, 1_000_000, 2);
  const casbinRate = measure(casbin, questions, 20_000, 2);
  const cedarRate = measure(cedar, questions, 5_000, 2);
  log(
    `in-process: maxfiy ${ours.toFixed(0)}/s, casbin ${casbinRate.toFixed(0)}/s, cedar ${cedarRate.toFixed(0)}/s`,
  );
  return { ours, casbinRate, cedarRate };
}

/** Issue 5's benchmarks: the engine against casbin and Cedar, index memory, durable writes, HTTP. */
export async function benchDecisions(): Promise<BenchResult[]> {
  const register = withIndexes(REGISTER);
  const { ours, casbinRate, cedarRate } = await inProcess(register);

  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-bench-decisions-'));
  try {
    const bytes = millionIndexBytes(register);
    const rebuilt = await rebuildRate(dir, register, REBUILD_SUBJECTS);
    log(
      `index of 1,000,000 customers: ${(bytes / 2 ** 20).toFixed(1)} MiB; rebuild ${rebuilt.toFixed(0)} subjects/s`,
    );
    const grouped = await openStack(path.join(dir, 'grouped'), 512);
    // The baseline: each write its own transaction, made durable by SQLite inside COMMIT.
    const single = await openStack(path.join(dir, 'single'), 1, 'full');
    // The same rows with no logic, on a stack of their own (their audit entries are not a chain).
    const plain = await openStack(path.join(dir, 'plain'), 512);
    let writes: { grouped: number; single: number; plain: number };
    let web: Awaited<ReturnType<typeof httpDecisions>>;
    try {
      // Past the first thousand writes, so each stack's checkpointer thread is running.
      await consentWrites(grouped, 20);
      await plainConsentRows(plain, 20);
      await consentWrites(single, 2);
      // The disk's sync time, which the baseline waits for, drifts on a shared machine:
      // the three are measured in alternating rounds and each rate is over all of its rounds.
      const runs = { single: [] as number[], grouped: [] as number[], plain: [] as number[] };
      for (let round = 0; round < WRITE_ROUNDS; round++) {
        runs.single.push(await consentWrites(single, 5));
        runs.grouped.push(await consentWrites(grouped, 60));
        runs.plain.push(await plainConsentRows(plain, 60));
      }
      writes = { single: overall(runs.single), grouped: overall(runs.grouped), plain: overall(runs.plain) };
      log(
        `durable consent writes: group commit ${writes.grouped.toFixed(0)}/s, one per transaction ${writes.single.toFixed(0)}/s, their rows alone ${writes.plain.toFixed(0)}/s`,
      );
      web = await httpDecisions(grouped);
    } finally {
      await closeStack(grouped);
      await closeStack(single);
      await closeStack(plain);
    }
    return [
      {
        name: 'decide_in_process_vs_casbin',
        value: Math.round(ours),
        unit: 'decisions/s',
        ratio: ours / casbinRate,
        baseline: `casbin 5.51.1 ABAC, same rules (${Math.round(casbinRate)} decisions/s; target ratio 10)`,
      },
      {
        name: 'decide_in_process_vs_cedar',
        value: Math.round(ours),
        unit: 'decisions/s',
        ratio: ours / cedarRate,
        baseline: `cedar-wasm 4.13.0 statefulIsAuthorized, same rules (${Math.round(cedarRate)} decisions/s; target ratio 100)`,
      },
      {
        name: 'decision_index_1m_customers',
        value: Math.round(bytes / 2 ** 20),
        unit: 'MiB',
        ratio: 150 / (bytes / 2 ** 20),
        baseline: 'the 150 MB limit (heap + array buffers after gc)',
      },
      {
        name: 'decision_index_rebuild_from_sqlite',
        value: Math.round(rebuilt),
        unit: 'subjects/s',
        ratio: rebuilt / 1_000_000,
        baseline: `${REBUILD_SUBJECTS.toLocaleString('en')} customers rebuilt from SQLite in ${(REBUILD_SUBJECTS / rebuilt).toFixed(1)} s, measured`,
      },
      {
        name: 'consent_writes_group_commit_64_writers',
        value: Math.round(writes.grouped),
        unit: 'writes/s',
        ratio: writes.grouped / writes.single,
        baseline: `one transaction per write, each synced in its COMMIT (synchronous=FULL) (${Math.round(writes.single)} writes/s, ${Math.round(1e6 / writes.single)} µs each, most of it the disk's sync: the faster the disk, the lower this ratio; target ratio 10)`,
      },
      {
        name: 'consent_writes_rows_alone_group_commit',
        value: Math.round(writes.plain),
        unit: 'writes/s',
        ratio: writes.plain / writes.single,
        baseline: `the same one-transaction-per-write baseline: the ratio group commit could reach here if a consent write cost only its four rows (maxfiy is at ${(writes.grouped / writes.plain).toFixed(2)} of it)`,
      },
      {
        name: 'http_single_decisions',
        value: Math.round(web.single),
        unit: 'req/s',
        ratio: web.single / web.bare,
        baseline: `bare Fastify JSON route (${Math.round(web.bare)} req/s; target ratio 0.6)`,
      },
      {
        name: 'http_single_decision_server_cpu_per_request',
        value: Math.round(web.cpu.single),
        unit: 'µs CPU/request',
        ratio: web.cpu.bare / web.cpu.single,
        baseline: `bare Fastify JSON route ${Math.round(web.cpu.bare)} µs of server-thread CPU per request: the single-decision ratio with the load generator left out`,
      },
      {
        name: 'http_bare_route_with_15us_work',
        value: Math.round(web.working.rate),
        unit: 'req/s',
        ratio: web.working.rate / web.bare,
        baseline: `the bare route alone (${Math.round(web.bare)} req/s): ${WORK_MICROS} µs of work per request costs ${(web.working.cpu - web.cpu.bare).toFixed(1)} µs of server CPU here (${Math.round(web.working.cpu)} against ${Math.round(web.cpu.bare)} µs), as a busier server wakes an idler load generator more often`,
      },
      {
        name: 'http_single_decisions_pipelined',
        value: Math.round(web.pipelined.single),
        unit: 'req/s',
        ratio: web.pipelined.single / web.pipelined.bare,
        baseline: `bare Fastify JSON route, both with 10 requests pipelined per connection (${Math.round(web.pipelined.bare)} req/s)`,
      },
      {
        name: 'http_batch_decisions',
        value: Math.round(web.batch),
        unit: 'decisions/s',
        ratio: web.batch / 500_000,
        baseline: 'the 500,000 decisions/s target, batches of 5,000',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
