import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, PG_URL, type TestDatabase } from '../../../test/helpers/db.js';
import { systemClock } from '../../clock.js';
import { loadOptions } from '../../config/options.js';
import { createServices, type Services, stopBackground } from '../../container.js';
import { envKekProvider } from '../../crypto/kek.js';
import { type Database, openDatabase } from '../../db/database.js';
import { readRegisterFile } from '../purposes/purposes.service.js';
import { shippedRegister } from './decisions.testkit.js';

const notice = { version: '1', language: 'en' as const };

/** Two maxfiy nodes on one PostgreSQL schema, sharing the key-encryption key as real nodes do. */
describe.skipIf(!PG_URL)(
  'two nodes on one PostgreSQL (runs only with MAXFIY_TEST_DATABASE_URL set, as .ci/run does)',
  () => {
    let tdb: TestDatabase;
    let bDatabase: Database;
    const nodes: Services[] = [];
    let a: Services;
    let b: Services;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'maxfiy-nodes-'));

    beforeAll(async () => {
      tdb = await openTestDatabase('postgres');
      bDatabase = await openDatabase({ databaseUrl: tdb.database.url as string, file: '', poolSize: 4 });
      const kek = envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') });
      const options = loadOptions(
        { dataDir, devInboxPort: 0, logLevel: 'silent', inProcessWorker: false },
        {},
      );
      for (const database of [tdb.database, bDatabase]) {
        const node = await createServices({
          options,
          database,
          kek,
          clock: systemClock,
          logger: pino({ level: 'silent' }),
        });
        nodes.push(node);
        if (nodes.length === 1) await node.purposes.seed(readRegisterFile('config/purposes.json'));
        await node.decisions.listen();
      }
      [a, b] = nodes as [Services, Services];
    });
    afterAll(async () => {
      for (const node of nodes) await stopBackground(node);
      await bDatabase?.close();
      await tdb?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function untilOn(node: Services, subject: string, purpose: string, want: boolean): Promise<number> {
      const started = performance.now();
      while (node.decisions.decide(subject, purpose, 'interests').allow !== want) {
        if (performance.now() - started > 10_000)
          throw new Error('the other node never learned of the change');
        await new Promise((r) => setImmediate(r));
      }
      return performance.now() - started;
    }

    it('a withdrawal through one node is denied by the other; reports how long it took', async () => {
      const lags: number[] = [];
      for (let i = 0; i < 20; i++) {
        const subject = `two-node-${i}`;
        await a.consents.record('app:test', subject, {
          purpose: 'interest-analytics',
          action: 'give',
          source: 'app',
          notice,
        });
        await untilOn(b, subject, 'interest-analytics', true);
        await a.consents.record('app:test', subject, {
          purpose: 'interest-analytics',
          action: 'withdraw',
          source: 'cabinet',
          notice,
        });
        expect(a.decisions.decide(subject, 'interest-analytics', 'interests').allow).toBe(false);
        lags.push(await untilOn(b, subject, 'interest-analytics', false));
      }
      // And the other way round: a change made through the second node reaches the first.
      await b.consents.record('app:test', 'two-node-b', {
        purpose: 'interest-analytics',
        action: 'give',
        source: 'app',
        notice,
      });
      await untilOn(a, 'two-node-b', 'interest-analytics', true);
      lags.sort((x, y) => x - y);
      console.log(
        `two-node withdrawal propagation over LISTEN/NOTIFY: median ${lags[10]?.toFixed(2)} ms, max ${lags.at(-1)?.toFixed(2)} ms (20 withdrawals)`,
      );
    });

    it('a register edit through one node reaches the other', async () => {
      const current = await a.purposes.getPurpose('interest-analytics');
      const { id: _id, version: _v, ...definition } = current.purpose;
      const edited = await a.purposes.updatePurpose('staff:1', 'interest-analytics', {
        ...definition,
        retentionDays: 200,
      });
      const started = performance.now();
      while (
        b.decisions.decide('two-node-b', 'interest-analytics', 'interests').versions.purpose !==
        edited.version
      ) {
        if (performance.now() - started > 10_000)
          throw new Error('the register edit never reached the other node');
        await new Promise((r) => setImmediate(r));
      }
    });

    it('a deployment in another schema of the same database hears none of it', async () => {
      // Another deployment (or test run) beside this one: NOTIFY reaches every session of the database.
      const other = await openTestDatabase('postgres');
      const node = await createServices({
        options: loadOptions({ dataDir, devInboxPort: 0, logLevel: 'silent', inProcessWorker: false }, {}),
        database: other.database,
        kek: envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') }),
        clock: systemClock,
        logger: pino({ level: 'silent' }),
      });
      try {
        await node.decisions.listen();
        // Its register is held in memory only: a reload from its own (empty) tables would drop it.
        node.decisions.engine.setRegister(shippedRegister());
        const before = node.decisions.decide('someone', 'interest-analytics', 'interests');
        expect(before.reasons).not.toContain('unknown-purpose');
        const current = await a.purposes.getPurpose('interest-analytics');
        const { id: _id, version: _v, ...definition } = current.purpose;
        const edited = await a.purposes.updatePurpose('staff:1', 'interest-analytics', {
          ...definition,
          retentionDays: 201,
        });
        await a.consents.record('app:test', 'someone', {
          purpose: 'interest-analytics',
          action: 'give',
          source: 'app',
          notice,
        });
        // Node b of this deployment has heard both; the other deployment, listening as long, neither.
        await untilOn(b, 'someone', 'interest-analytics', true);
        expect(b.decisions.decide('someone', 'interest-analytics', 'interests').versions.purpose).toBe(
          edited.version,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(node.decisions.decide('someone', 'interest-analytics', 'interests')).toEqual(before);
      } finally {
        await stopBackground(node);
        await other.cleanup();
      }
    });
  },
);
