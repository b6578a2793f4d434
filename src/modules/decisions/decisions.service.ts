import { sql } from 'kysely';
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { type Database, onCommit, type Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import * as consentStore from '../consents/consents.store.js';
import type { PurposeService } from '../purposes/purposes.service.js';
import { CHANNEL_SQL, notifyQuery, REGISTER_CHANGED } from './channel.js';
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

/** How the listener's PostgreSQL session is named, so operators can find it in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'maxfiy-decisions';

/** Waits between reconnects of a lost listener: the first, doubled after each failure up to the last. */
export interface ReconnectBackoff {
  firstMs: number;
  maxMs: number;
}
/** Quick enough that a restarted database is followed again at once, gentle enough not to hammer a failing one. */
const DEFAULT_BACKOFF: ReconnectBackoff = { firstMs: 100, maxMs: 5000 };

/** How long stop() waits for the server to acknowledge the listener's goodbye: a vanished host never does. */
const STOP_GRACE_MS = 2000;

/** Waits for `work`, but no longer than `ms`; its failure is of no interest here. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** Error name and code only: a message may quote a query, and logs carry no personal data. */
const errorFields = (err: unknown) => ({
  error: err instanceof Error ? err.name : typeof err,
  code: (err as { code?: unknown } | undefined)?.code,
});

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
  /** Waits between reconnects of a lost listener (PostgreSQL); DEFAULT_BACKOFF unless a test needs another. */
  backoff?: ReconnectBackoff;
}) {
  const { database, clock, purposes, logger } = deps;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const engine = new DecisionEngine(clock);
  // SQLite has one process per file, so there is no other node to follow.
  const needsListener = database.kind === 'postgres' && Boolean(database.url);
  /** The connected, LISTENing client and its backend's pid; unset while disconnected. */
  let listener: pg.Client | undefined;
  let listenerPid: number | undefined;
  /** A client still connecting, so stop() can close it. */
  let connecting: pg.Client | undefined;
  /** True once the listener is LISTENing and the index has caught up with what happened before. */
  let caughtUp = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  /** A catch-up under way: stop() waits for it, so it never reads from a database being closed. */
  let catchUp: Promise<unknown> | undefined;
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
  function rebuild(
    progress?: (done: number, total: number) => void,
  ): Promise<{ subjects: number; ms: number }> {
    return load(progress, () => false);
  }

  /** rebuild(), giving up between pages once `abandon()` says so (a catch-up cut short by stop() or a new loss). */
  async function load(
    progress: ((done: number, total: number) => void) | undefined,
    abandon: () => boolean,
  ): Promise<{ subjects: number; ms: number }> {
    const started = Date.now();
    // Through the guarded reload: a catch-up that read the register just before
    // this node's own edit committed must not undo that edit.
    await reloadRegister();
    const total = await consentStore.countSubjects(database.db);
    let after = '';
    let done = 0;
    while (!abandon()) {
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
    if (database.kind === 'postgres') await notifyQuery(state.subjectId).execute(trx);
    // The id may be cut from a request's URL; the index keeps its own flat copy.
    onCommit(trx, () => engine.setSubject({ ...state, subjectId: flatId(state.subjectId) }));
  }

  async function reloadSubject(subjectId: string): Promise<void> {
    const state = await consentStore.subjectState(database.db, subjectId);
    // setSubject ignores a state older than the one held, so a late reload never undoes a newer write.
    if (state) engine.setSubject(state);
  }

  /** Opens a listener client and LISTENs; the client becomes `listener` only once it listens. */
  async function connect(): Promise<pg.Client> {
    // Loaded here, as the database layer does: SQLite deployments never load pg.
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({
      connectionString: database.url,
      application_name: LISTENER_APPLICATION_NAME,
      // The connection is idle between notifications: keepalives let a NAT or
      // firewall that drops idle flows be noticed, and a dead host fail the connect.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    // Errors while connecting reject connect() below; these handle a listener already in service.
    client.on('error', (err) => lost(client, err));
    client.on('end', () => lost(client));
    // Named by the listener's own session, which has the schema the pool's sessions have.
    let channel: string | undefined;
    client.on('notification', (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      const work = msg.payload === REGISTER_CHANGED ? reloadRegister() : reloadSubject(msg.payload);
      work.catch((err: unknown) => logger.warn(errorFields(err), 'consent change not applied'));
    });
    connecting = client;
    try {
      await client.connect();
      const named = await client.query<{ channel: string }>(`select ${CHANNEL_SQL} as channel`);
      channel = named.rows[0]?.channel;
      if (!channel || !/^[a-z0-9_]+$/.test(channel)) throw new Error('consent channel not named');
      await client.query(`LISTEN "${channel}"`);
      if (stopped) throw new Error('consent listener stopped');
    } catch (err) {
      void client.end().catch(() => undefined);
      throw err;
    } finally {
      if (connecting === client) connecting = undefined;
    }
    // Two starts that raced (listen() beside a reconnect) keep one listener.
    if (listener) {
      void client.end().catch(() => undefined);
      return listener;
    }
    // Set in the same turn as the last answer arrived: a drop after it reaches lost().
    listener = client;
    // The backend's pid, from the connection handshake (pg sets it; its types do not declare it).
    listenerPid = (client as unknown as { processID?: number }).processID;
    return client;
  }

  /** The listener's connection failed or ended: stop claiming to follow, and reconnect unless stopped. */
  function lost(client: pg.Client, err?: Error): void {
    if (client !== listener) return;
    listener = undefined;
    caughtUp = false;
    void client.end().catch(() => undefined);
    if (stopped) return;
    logger.warn(
      err ? errorFields(err) : {},
      'consent listener disconnected: other nodes’ changes are not followed until it reconnects',
    );
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (stopped || retry) return;
    const ceiling = Math.min(backoff.maxMs, backoff.firstMs * 2 ** failures);
    failures += 1;
    // Jitter, so that the nodes a database restart cut off do not all come back in the same instant.
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    retry = setTimeout(() => {
      retry = undefined;
      void reconnect();
    }, delay);
    // A pending reconnect never keeps the process alive; stop() clears it anyway.
    retry.unref();
  }

  /** LISTEN again, then catch up on every change committed while no one was listening. */
  async function reconnect(): Promise<void> {
    if (stopped) return;
    let client: pg.Client | undefined;
    let run: Promise<unknown> | undefined;
    try {
      client = await connect();
      // Abandoned if the listener is lost again meanwhile: the next reconnect catches up instead.
      run = load(undefined, () => stopped || listener !== client);
      catchUp = run;
      await run;
    } catch (err) {
      if (stopped) return;
      logger.warn(errorFields(err), 'consent listener could not reconnect; retrying');
      // Listening without the catch-up would leave earlier changes missed: drop it and start over.
      if (client && client === listener) {
        listener = undefined;
        void client.end().catch(() => undefined);
      }
      scheduleReconnect();
      return;
    } finally {
      if (catchUp === run) catchUp = undefined;
    }
    // Lost again during the catch-up (a retry is already scheduled), or stopped.
    if (client !== listener || stopped) return;
    caughtUp = true;
    logger.info({ attempts: failures }, 'consent listener reconnected and caught up');
    failures = 0;
  }

  /**
   * Builds the index. On PostgreSQL it first LISTENs, so a change another node
   * commits while the index loads is not missed and the node follows others
   * from its first answer; the composition root calls this once, before any
   * port opens. If the build fails, the listener is closed again.
   */
  async function start(
    progress?: (done: number, total: number) => void,
  ): Promise<{ subjects: number; ms: number }> {
    stopped = false;
    failures = 0;
    if (needsListener && !listener) await connect();
    try {
      const built = await rebuild(progress);
      if (listener) caughtUp = true;
      return built;
    } catch (err) {
      await stop();
      throw err;
    }
  }

  /**
   * PostgreSQL only: follow other nodes' consent changes, if not already (a
   * no-op on SQLite); a node waiting to reconnect tries at once.
   */
  async function listen(): Promise<void> {
    if (!needsListener || listener || connecting) return;
    if (retry) {
      clearTimeout(retry);
      retry = undefined;
      await reconnect();
      return;
    }
    await start();
  }

  /** Whether this node hears of other nodes' changes now: always on SQLite; on PostgreSQL while LISTENing and caught up. */
  function following(): boolean {
    // lost() and stop() clear caughtUp, so it holds only while a listener is in service.
    return !needsListener || caughtUp;
  }

  /** Stops following: cancels a pending reconnect and closes the listener; resolves promptly. */
  async function stop(): Promise<void> {
    stopped = true;
    caughtUp = false;
    clearTimeout(retry);
    retry = undefined;
    const client = listener;
    listener = undefined;
    // A client still connecting is closed without waiting: pg never settles a
    // connect() that end() interrupts, and its reconnect() is abandoned with it.
    void connecting?.end().catch(() => undefined);
    connecting = undefined;
    await Promise.all([within(STOP_GRACE_MS, client?.end()), catchUp?.catch(() => undefined)]);
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
    start,
    listen,
    following,
    /** The PostgreSQL backend serving the LISTEN, for finding it in pg_stat_activity; undefined while disconnected. */
    listenerPid: (): number | undefined => (listener ? listenerPid : undefined),
    stop,
    decide: (subjectId: string, purpose: string, category: string, context?: DecisionContext) =>
      engine.decide(subjectId, purpose, category, context),
    decideMany,
  };
}

export type DecisionService = ReturnType<typeof createDecisionService>;
