import { sql } from 'kysely';
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { type Database, onCommit, type Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import * as consentStore from '../consents/consents.store.js';
import type { PurposeService } from '../purposes/purposes.service.js';
import { CONSENT_CHANNEL, REGISTER_CHANGED } from './channel.js';
import { type Decision, type DecisionContext, DecisionEngine, type SubjectState } from './engine.js';
import { flatId } from './subject-index.js';

/** A batch larger than this is refused (MXF_DECISION_BATCH_TOO_LARGE). */
export const MAX_BATCH = 10_000;
const REBUILD_PAGE = 5000;

export interface DecisionQuestion {
  subjectId: string;
  purpose: string;
  category: string;
  context?: DecisionContext;
}

export interface DecisionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Owns the decision index: rebuilds it from the database, keeps it current on
 * this node through commit hooks (a write is in the index before it is
 * acknowledged), and on PostgreSQL through LISTEN/NOTIFY for writes made by
 * other nodes. Deciding never touches the database.
 */
export function createDecisionService(deps: {
  database: Database;
  clock: Clock;
  purposes: PurposeService;
  logger: DecisionLogger;
}) {
  const { database, clock, purposes, logger } = deps;
  const engine = new DecisionEngine(clock);
  let listener: pg.Client | undefined;
  // A register reload read from the database (after a NOTIFY) may have started
  // before this node's own edit committed; applied afterwards it would undo that
  // edit. Reloads run one at a time, and one that overlapped a local change is
  // dropped: the local change's own NOTIFY brings a fresh reload.
  let registerEpoch = 0;
  let registerReloads: Promise<void> = Promise.resolve();
  purposes.onChange((snapshot) => {
    registerEpoch += 1;
    engine.setRegister(snapshot);
  });
  const reloadRegister = (): Promise<void> => {
    const run = registerReloads.then(async () => {
      const epoch = registerEpoch;
      const snapshot = await purposes.snapshot();
      if (epoch === registerEpoch) engine.setRegister(snapshot);
    });
    // A failed reload (logged by the caller) must not stop the ones after it.
    registerReloads = run.catch(() => {});
    return run;
  };

  /** Loads the register and every subject; `progress(done, total)` is called after each page. */
  async function rebuild(
    progress?: (done: number, total: number) => void,
  ): Promise<{ subjects: number; ms: number }> {
    const started = Date.now();
    engine.setRegister(await purposes.snapshot());
    const total = await consentStore.countSubjects(database.db);
    let after = '';
    let done = 0;
    for (;;) {
      const page = await consentStore.subjectStatesPage(database.db, after, REBUILD_PAGE);
      if (page.length === 0) break;
      for (const s of page) engine.setSubject(s);
      done += page.length;
      after = (page.at(-1) as SubjectState).subjectId;
      progress?.(done, total);
    }
    return { subjects: done, ms: Date.now() - started };
  }

  /**
   * Called by a consent write inside its transaction with the subject's state
   * after the write: this node's index takes it on commit, other nodes hear of
   * it on commit (a NOTIFY is delivered only when its transaction commits).
   */
  async function afterWrite(trx: Trx, state: SubjectState): Promise<void> {
    if (database.kind === 'postgres')
      await sql`select pg_notify(${CONSENT_CHANNEL}, ${state.subjectId})`.execute(trx);
    // The id may be cut from a request's URL; the index keeps its own flat copy.
    onCommit(trx, () => engine.setSubject({ ...state, subjectId: flatId(state.subjectId) }));
  }

  async function reloadSubject(subjectId: string): Promise<void> {
    const state = await consentStore.subjectState(database.db, subjectId);
    // setSubject ignores a state older than the one held, so a late reload never undoes a newer write.
    if (state) engine.setSubject(state);
  }

  /** PostgreSQL only: follow other nodes' consent changes. A no-op on SQLite (one process owns the file). */
  async function listen(): Promise<void> {
    if (database.kind !== 'postgres' || listener || !database.url) return;
    // Loaded here, as the database layer does: SQLite deployments never load pg.
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: database.url });
    client.on('error', (err) => logger.warn({ error: err.name }, 'consent listener connection failed'));
    client.on('notification', (msg) => {
      if (msg.channel !== CONSENT_CHANNEL || !msg.payload) return;
      const work = msg.payload === REGISTER_CHANGED ? reloadRegister() : reloadSubject(msg.payload);
      work.catch((err: Error) => logger.warn({ error: err.name }, 'consent change not applied'));
    });
    await client.connect();
    await client.query(`LISTEN ${CONSENT_CHANNEL}`);
    listener = client;
    // Changes committed between the rebuild and LISTEN would be missed: catch up once.
    await rebuild();
  }

  async function stop(): Promise<void> {
    const client = listener;
    listener = undefined;
    await client?.end().catch(() => undefined);
  }

  function decideMany(questions: DecisionQuestion[]): Decision[] {
    if (questions.length > MAX_BATCH)
      throw new MaxfiyError('MXF_DECISION_BATCH_TOO_LARGE', { max: MAX_BATCH });
    const out = new Array<Decision>(questions.length);
    for (let i = 0; i < questions.length; i++) {
      const q = questions[i] as DecisionQuestion;
      out[i] = engine.decide(q.subjectId, q.purpose, q.category, q.context);
    }
    return out;
  }

  return {
    engine,
    rebuild,
    afterWrite,
    listen,
    stop,
    decide: (subjectId: string, purpose: string, category: string, context?: DecisionContext) =>
      engine.decide(subjectId, purpose, category, context),
    decideMany,
  };
}

export type DecisionService = ReturnType<typeof createDecisionService>;
