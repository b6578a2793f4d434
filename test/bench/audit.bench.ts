import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAuditLog } from '../../src/audit/audit.service.js';
import { type AuditEntryRow, auditEntryPage } from '../../src/audit/audit.store.js';
import { canonicalJson, entryBytes, entryLeafHash } from '../../src/audit/canonical.js';
import { systemClock } from '../../src/clock.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateUp } from '../../src/db/migrate.js';
import type { BenchResult } from './types.js';

const APPENDS = 20_000;
const APPEND_BATCH = 100;
const VERIFY_SIZE = 100_000;
const PAGE = 2000;

/**
 * The audit log on a temporary SQLite database:
 * (a) append rate through `database.write` (writes of 100 entries) against
 *     SHA-256 chaining of the same entry bytes in memory, and against a
 *     hash-chained table appended in the same writes (the simplest tamper-evident
 *     log on the same storage);
 * (b) `verify()` over 100,000 entries against recomputing a SHA-256 chain over
 *     the same rows, read the same way (pages of 2,000 in seq order).
 */
export async function benchAudit(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-bench-audit-'));
  const database = await openDatabase({ databaseUrl: '', file: path.join(dir, 'bench.db') });
  try {
    await migrateUp(database);
    const secrets = new Map<string, Buffer>();
    const keyring = {
      async secret(name: string, generate: () => Buffer) {
        const known = secrets.get(name) ?? generate();
        secrets.set(name, known);
        return known;
      },
    };
    const audit = createAuditLog({
      database,
      keyring,
      clock: systemClock,
      options: { treeHeadEveryEntries: 1_000_000, treeHeadEverySeconds: 3600 },
    });

    // (a) appends
    const appendStart = process.hrtime.bigint();
    for (let done = 0; done < APPENDS; done += APPEND_BATCH) {
      await database.write(async (trx) => {
        for (let i = done; i < done + APPEND_BATCH; i++) await audit.append(trx, entryInput(i));
      });
    }
    const appendRate = APPENDS / seconds(appendStart);
    const appended = await readAll(database, APPENDS);
    const chainRate = APPENDS / timeChain(appended);
    const chainedInsertRate = await chainedInsertBaseline(database);

    // (b) verify: fill to VERIFY_SIZE (rows built as append builds them), a tree head every 10,000
    await audit.issueTreeHead();
    for (let seq = APPENDS; seq < VERIFY_SIZE; ) {
      const end = Math.min(seq + 10_000, VERIFY_SIZE);
      await database.write(async (trx) => {
        for (; seq < end; seq += 500) {
          const rows = Array.from({ length: Math.min(500, end - seq) }, (_, j) => storedRow(seq + j));
          await trx.insertInto('audit_entries').values(rows).execute();
        }
      });
      await audit.issueTreeHead();
    }
    let verifyBest = Number.POSITIVE_INFINITY;
    let chainBest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 2; round++) {
      const v = process.hrtime.bigint();
      const result = await audit.verify({ pageSize: PAGE });
      if (!result.ok || result.size !== VERIFY_SIZE)
        throw new Error(`bench log does not verify: ${JSON.stringify(result)}`);
      verifyBest = Math.min(verifyBest, seconds(v));
      const c = process.hrtime.bigint();
      await chainOverStoredRows(database);
      chainBest = Math.min(chainBest, seconds(c));
    }
    const verifyRate = VERIFY_SIZE / verifyBest;
    const chainVerifyRate = VERIFY_SIZE / chainBest;

    return [
      {
        name: 'audit_append',
        value: Math.round(appendRate),
        unit: 'entries/s',
        ratio: appendRate / chainRate,
        baseline: `SHA-256 chaining of the same entry bytes in memory, no storage (${Math.round(chainRate)} entries/s)`,
      },
      {
        name: 'audit_append_vs_chained_table',
        value: Math.round(appendRate),
        unit: 'entries/s',
        ratio: appendRate / chainedInsertRate,
        baseline: `a SHA-256 hash-chained table appended in the same writes of ${APPEND_BATCH} (${Math.round(chainedInsertRate)} entries/s)`,
      },
      {
        name: 'audit_verify',
        value: Math.round(verifyRate),
        unit: 'entries/s',
        ratio: verifyRate / chainVerifyRate,
        baseline: `recomputing a SHA-256 chain over the same ${VERIFY_SIZE} rows read the same way (${Math.round(chainVerifyRate)} entries/s)`,
      },
    ];
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

function entryInput(i: number) {
  return {
    actor: `app:shop-${i % 5}`,
    action: 'consent.given',
    purpose: 'marketing',
    subjectId: `0192a7b0-${String(i).padStart(4, '0')}-7abc-8def-0123456789ab`,
    target: `consent:${i}`,
    details: { agreementVersion: 3, site: 'shop.example.uz', channel: 'web' },
  };
}

function storedRow(seq: number): AuditEntryRow {
  const e = entryInput(seq);
  const row = {
    seq,
    at: Date.now(),
    actor: e.actor,
    purpose: e.purpose,
    subject_id: e.subjectId,
    action: e.action,
    target: e.target,
    details: canonicalJson(e.details),
  };
  return { ...row, leaf_hash: entryLeafHash(row) };
}

async function readAll(database: Database, n: number): Promise<AuditEntryRow[]> {
  const rows: AuditEntryRow[] = [];
  while (rows.length < n) rows.push(...(await auditEntryPage(database.db, rows.length, PAGE)));
  return rows;
}

/** Seconds to chain the rows' entry bytes in memory. */
function timeChain(rows: AuditEntryRow[]): number {
  const start = process.hrtime.bigint();
  let h = Buffer.alloc(32);
  for (const row of rows) h = createHash('sha256').update(h).update(entryBytes(row)).digest();
  return seconds(start);
}

/** Entries/s of a hash-chained table: the same entries, the same writes, h_i = SHA-256(h_{i-1} || entry). */
async function chainedInsertBaseline(database: Database): Promise<number> {
  await sql`create table bench_chain (seq integer primary key, at integer not null, actor text not null,
    purpose text, subject_id text, action text not null, target text, details text not null, chain_hash blob not null)`.execute(
    database.schemaDb,
  );
  let h = Buffer.alloc(32);
  const start = process.hrtime.bigint();
  for (let done = 0; done < APPENDS; done += APPEND_BATCH) {
    await database.write(async (trx) => {
      for (let i = done; i < done + APPEND_BATCH; i++) {
        const e = entryInput(i);
        const row = {
          seq: i,
          at: Date.now(),
          actor: e.actor,
          purpose: e.purpose,
          subject_id: e.subjectId,
          action: e.action,
          target: e.target,
          details: canonicalJson(e.details),
        };
        h = createHash('sha256').update(h).update(entryBytes(row)).digest();
        await sql`insert into bench_chain values (${row.seq}, ${row.at}, ${row.actor}, ${row.purpose}, ${row.subject_id},
          ${row.action}, ${row.target}, ${row.details}, ${h})`.execute(trx);
      }
    });
  }
  return APPENDS / seconds(start);
}

/** The chain recomputed from the stored audit rows, paged exactly as verify pages them. */
async function chainOverStoredRows(database: Database): Promise<Buffer> {
  let h = Buffer.alloc(32);
  for (let cursor = 0; ; ) {
    const rows = await auditEntryPage(database.db, cursor, PAGE);
    for (const row of rows) h = createHash('sha256').update(h).update(entryBytes(row)).digest();
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return h;
    cursor = Number(last.seq) + 1;
  }
}
