import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, PG_URL, type TestDatabase } from '../../../test/helpers/db.js';
import { build } from '../../app.js';
import { systemClock } from '../../clock.js';
import { loadOptions } from '../../config/options.js';
import { createServices, type Services, stopBackground } from '../../container.js';
import { envKekProvider } from '../../crypto/kek.js';
import { type Database, openDatabase } from '../../db/database.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import {
  createDecisionService,
  type DecisionService,
  LISTENER_APPLICATION_NAME,
} from './decisions.service.js';

const notice = { version: '1', language: 'en' as const };

/** Polls every turn of the event loop, so a state that lasts longer than one turn is always seen. */
async function until(what: string, done: () => boolean): Promise<void> {
  const started = performance.now();
  while (!done()) {
    if (performance.now() - started > 10_000) throw new Error(`never: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Cuts a listener's connection from the server side, as a restart, failover or idle-connection killer would. */
async function terminate(pid: number | undefined): Promise<void> {
  expect(pid).toBeTypeOf('number');
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    // By pid and name, so only this node's listener goes: other test files share the server.
    const { rows } = await admin.query(
      'select pg_terminate_backend(pid) as done from pg_stat_activity where pid = $1 and application_name = $2',
      [pid, LISTENER_APPLICATION_NAME],
    );
    expect(rows).toEqual([{ done: true }]);
  } finally {
    await admin.end();
  }
}

/** Two maxfiy nodes on one PostgreSQL schema, as in decisions.nodes.test.ts, whose listeners get cut. */
describe.skipIf(!PG_URL)(
  "following other nodes' changes across a lost connection (runs only with MAXFIY_TEST_DATABASE_URL set)",
  () => {
    let tdb: TestDatabase;
    let bDatabase: Database;
    const nodes: Services[] = [];
    let a: Services;
    let b: Services;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'maxfiy-listener-'));
    /** What node B logs, to show the listener's lines carry no subject id. */
    const bLog: string[] = [];

    beforeAll(async () => {
      tdb = await openTestDatabase('postgres');
      bDatabase = await openDatabase({ databaseUrl: tdb.database.url as string, file: '', poolSize: 4 });
      const kek = envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') });
      const options = loadOptions(
        { dataDir, devInboxPort: 0, logLevel: 'silent', inProcessWorker: false },
        {},
      );
      for (const database of [tdb.database, bDatabase]) {
        // No listen() here: createServices itself follows other nodes before it returns.
        const node = await createServices({
          options,
          database,
          kek,
          clock: systemClock,
          logger:
            nodes.length === 0
              ? pino({ level: 'silent' })
              : pino({ level: 'info' }, { write: (line: string) => bLog.push(line) }),
        });
        nodes.push(node);
        if (nodes.length === 1) await node.purposes.seed(readRegisterFile('config/purposes.json'));
      }
      [a, b] = nodes as [Services, Services];
    });
    afterAll(async () => {
      for (const node of nodes) await stopBackground(node);
      await bDatabase?.close();
      await tdb?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const allowsOn = (node: Services, subject: string) =>
      node.decisions.decide(subject, 'interest-analytics', 'interests').allow;
    const record = (node: Services, subject: string, action: 'give' | 'withdraw') =>
      node.consents.record('app:test', subject, {
        purpose: 'interest-analytics',
        action,
        source: action === 'give' ? 'app' : 'cabinet',
        notice,
      });

    it('follows from the moment it is created', () => {
      expect(a.decisions.following()).toBe(true);
      expect(b.decisions.following()).toBe(true);
    });

    it('a withdrawal made while the other node was cut off is denied there once it reconnects', async () => {
      await record(a, 'cut-1', 'give');
      await until('node B learns of the consent', () => allowsOn(b, 'cut-1'));
      const cut = b.decisions.listenerPid();

      await terminate(cut);
      await until('node B notices the cut', () => !b.decisions.following());
      // Its NOTIFY most likely reaches no one: only the catch-up after reconnecting can bring it.
      await record(a, 'cut-1', 'withdraw');
      await until('node B denies after the withdrawal', () => !allowsOn(b, 'cut-1'));
      await until('node B follows again', () => b.decisions.following());
      expect(b.decisions.listenerPid()).not.toBe(cut);

      // And it hears new changes through the new connection.
      await record(a, 'cut-2', 'give');
      await until('node B learns of a change after the reconnect', () => allowsOn(b, 'cut-2'));

      const listenerLines = bLog.filter((line) => line.includes('consent listener'));
      const messages = listenerLines.map((line) => JSON.parse(line).msg);
      expect(messages[0]).toBe(
        'consent listener disconnected: other nodes’ changes are not followed until it reconnects',
      );
      expect(messages.at(-1)).toBe('consent listener reconnected and caught up');
      // PostgreSQL's own code for a terminated backend, and no subject.
      expect(JSON.parse(listenerLines[0] as string)).toMatchObject({ error: 'error', code: '57P01' });
      expect(bLog.join('\n')).not.toMatch(/cut-[12]/);
    });

    describe('a node waiting to reconnect', () => {
      // A third node on B's database whose first retry is a minute away, so that
      // the time it spends cut off is long enough to look at.
      let c: DecisionService;
      let app: FastifyInstance;
      beforeAll(async () => {
        c = createDecisionService({
          database: bDatabase,
          clock: systemClock,
          purposes: b.purposes,
          logger: pino({ level: 'silent' }),
          backoff: { firstMs: 60_000, maxMs: 60_000 },
        });
        await c.start();
        app = await build({
          services: { ...b, decisions: c },
          logger: pino({ level: 'silent' }),
          strictResponses: true,
        });
        await app.ready();
      });
      afterAll(async () => {
        await app?.close();
        await c?.stop();
      });

      const cAllows = (subject: string) => c.decide(subject, 'interest-analytics', 'interests').allow;

      it('is not ready while cut off, and catches up on what it missed when it reconnects', async () => {
        await record(a, 'cut-3', 'give');
        await until('node C learns of the consent', () => cAllows('cut-3'));
        expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);

        await terminate(c.listenerPid());
        await until('node C notices the cut', () => !c.following());
        const res = await app.inject({ url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.json().checks.decisions).toEqual({ status: 'fail', detail: 'not following other nodes' });

        // Withdrawn while C hears nothing: its NOTIFY is lost to C, which still allows.
        await record(a, 'cut-3', 'withdraw');
        expect(allowsOn(a, 'cut-3')).toBe(false);
        expect(cAllows('cut-3')).toBe(true);
        // listen() reconnects at once rather than in a minute; the catch-up brings the withdrawal.
        await c.listen();
        expect(c.following()).toBe(true);
        expect(cAllows('cut-3')).toBe(false);
        expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      });

      it('stop() does not wait for a pending reconnect', async () => {
        await terminate(c.listenerPid());
        await until('node C notices the cut', () => !c.following());
        const started = performance.now();
        await c.stop();
        expect(performance.now() - started).toBeLessThan(1000);
        expect(c.following()).toBe(false);
        expect(c.listenerPid()).toBeUndefined();
      });
    });
  },
);
