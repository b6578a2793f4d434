import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { Value } from 'typebox/value';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { ConfigError } from '../../config/options.js';
import { type Database, onCommit, type Trx, writeInTurn } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { notifyQuery, REGISTER_CHANGED } from '../decisions/channel.js';
import { MAX_PURPOSES } from '../decisions/engine.js';
import {
  type DataCategory,
  type DataStore,
  type PurposeDefinition,
  RegisterFile,
} from './purposes.schemas.js';
import * as store from './purposes.store.js';

/** The whole register as the decision engine reads it. */
export interface RegisterSnapshot {
  purposes: store.IndexedPurpose[];
  categories: DataCategory[];
  stores: DataStore[];
}

export const UZ = 'UZ';

/** `config/purposes.json` sits beside the company file, so a deployment replaces both together. */
export function registerFileFor(companyFile: string): string {
  return path.join(path.dirname(companyFile), 'purposes.json');
}

/** Reads and validates the register file; an invalid field or reference stops the start, naming it. */
export function readRegisterFile(file: string): RegisterFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not valid JSON';
    throw new ConfigError(`purpose register ${file} ${why}`);
  }
  const first = Value.Errors(RegisterFile, parsed)[0];
  if (first) {
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'root';
    throw new ConfigError(`purpose register ${file}: invalid field "${field}": ${first.message}`);
  }
  const config = parsed as RegisterFile;
  if (config.purposes.length > MAX_PURPOSES)
    throw new ConfigError(`purpose register ${file}: more than ${MAX_PURPOSES} purposes`);
  const stores = new Map(config.stores.map((s) => [s.id, s]));
  const categories = new Set(config.categories.map((c) => c.id));
  for (const [i, c] of config.categories.entries()) {
    const where = stores.get(c.storeId);
    if (!where)
      throw new ConfigError(`purpose register ${file}: categories.${i}.storeId: no store "${c.storeId}"`);
    if (c.mustStayInUz && where.country !== UZ) {
      throw new ConfigError(
        `purpose register ${file}: categories.${i}: must stay in UZ but store is in ${where.country}`,
      );
    }
  }
  for (const [i, p] of config.purposes.entries()) {
    const missing = p.categories.find((c) => !categories.has(c));
    if (missing)
      throw new ConfigError(`purpose register ${file}: purposes.${i}.categories: no category "${missing}"`);
  }
  return config;
}

export type RegisterListener = (snapshot: RegisterSnapshot) => void;

/** Key of the PostgreSQL advisory lock under which the purpose register changes ("purp"). */
const REGISTER_LOCK = 0x70757270;

export function createPurposeService(deps: { database: Database; audit: AuditAppender; clock: Clock }) {
  const { database, audit, clock } = deps;
  /**
   * Register edits read (the next index, the current version, whether an id is
   * taken) and then write: on PostgreSQL two at once both passed and one failed
   * on a unique key with a 500. They take turns.
   */
  const registerWrite = <T>(fn: (trx: Trx) => Promise<T>) => writeInTurn(database, REGISTER_LOCK, fn);
  const listeners = new Set<RegisterListener>();
  const editListeners = new Set<() => void>();

  async function snapshot(db: Database['db'] | Trx = database.db): Promise<RegisterSnapshot> {
    const [purposes, categories, stores] = await Promise.all([
      store.listPurposes(db),
      store.listCategories(db),
      store.listStores(db),
    ]);
    return { purposes, categories, stores };
  }

  /**
   * The engine learns of a register change when, and only when, it commits.
   * Caches of what a write reads in its own transaction are dropped at once:
   * on SQLite the writes after this one in the same group commit see the edit.
   */
  async function announce(trx: Trx): Promise<void> {
    for (const l of editListeners) l();
    const next = await snapshot(trx);
    // Other nodes reload the register when this commits (purpose edits are rare).
    if (database.kind === 'postgres') await notifyQuery(REGISTER_CHANGED).execute(trx);
    onCommit(trx, () => {
      for (const l of listeners) l(next);
    });
  }

  async function assertCategories(trx: Trx, ids: string[]): Promise<void> {
    const known = new Set((await store.listCategories(trx)).map((c) => c.id));
    for (const id of ids) assertThat(known.has(id), 'MXF_PURPOSE_CATEGORY_NOT_FOUND');
  }

  /** Loads the shipped register into an empty database; a register already there is left as staff keep it. */
  async function seed(config: RegisterFile): Promise<boolean> {
    return registerWrite(async (trx) => {
      if ((await store.countPurposes(trx)) > 0) return false;
      const now = clock.now();
      for (const s of config.stores) {
        if (!(await store.findStore(trx, s.id))) await store.insertStore(trx, s, now);
      }
      for (const c of config.categories) {
        if (!(await store.findCategory(trx, c.id))) await store.insertCategory(trx, c, now);
      }
      for (const [idx, p] of config.purposes.entries()) {
        const { id, ...definition } = p;
        await store.insertPurpose(trx, id, idx, now);
        await store.insertPurposeVersion(trx, {
          purposeId: id,
          version: 1,
          definition,
          createdBy: 'system',
          now,
        });
      }
      await audit.append(trx, {
        actor: 'system',
        action: 'purposes.seeded',
        details: {
          purposes: config.purposes.map((p) => p.id),
          categories: config.categories.map((c) => c.id),
        },
      });
      await announce(trx);
      return true;
    });
  }

  async function getPurpose(id: string) {
    const purpose = await store.findPurpose(database.db, id);
    assertThat(purpose, 'MXF_PURPOSE_NOT_FOUND');
    const { idx: _idx, ...current } = purpose;
    return { purpose: current, versions: await store.listPurposeVersions(database.db, id) };
  }

  async function createPurpose(actor: string, id: string, definition: PurposeDefinition) {
    return registerWrite(async (trx) => {
      if (await store.findPurpose(trx, id)) throw new MaxfiyError('MXF_PURPOSE_ID_TAKEN');
      await assertCategories(trx, definition.categories);
      const now = clock.now();
      const idx = await store.nextPurposeIdx(trx);
      // Refused here: committed, a purpose the decision index cannot take would fail every later start.
      if (idx >= MAX_PURPOSES) throw new MaxfiyError('MXF_PURPOSE_REGISTER_FULL', { max: MAX_PURPOSES });
      await store.insertPurpose(trx, id, idx, now);
      await store.insertPurposeVersion(trx, { purposeId: id, version: 1, definition, createdBy: actor, now });
      await audit.append(trx, {
        actor,
        action: 'purposes.created',
        target: `purpose:${id}`,
        details: { version: 1 },
      });
      await announce(trx);
      return { id, version: 1, ...definition };
    });
  }

  /** An edit never changes a version: it appends version n+1, and decisions name the one they used. */
  async function updatePurpose(actor: string, id: string, definition: PurposeDefinition) {
    return registerWrite(async (trx) => {
      const current = await store.findPurpose(trx, id);
      assertThat(current, 'MXF_PURPOSE_NOT_FOUND');
      // Consents and withdrawals answer a consent purpose; under another basis they
      // would count for nothing, and a customer who said no would be processed.
      if (current.legalBasis === 'consent' && definition.legalBasis !== 'consent')
        throw new MaxfiyError('MXF_PURPOSE_CONSENT_BASIS_FIXED');
      // A consent covers the data named when it was given: a category added later is in no
      // consent given so far, and would be processed on them all. (Dropping one narrows it.)
      if (
        current.legalBasis === 'consent' &&
        definition.categories.some((c) => !current.categories.includes(c))
      )
        throw new MaxfiyError('MXF_PURPOSE_CONSENT_CATEGORIES_FIXED');
      // Likewise a consent to depersonalised data only: lifting that would process the customers' own data on it.
      if (current.legalBasis === 'consent' && current.depersonalisedOnly && !definition.depersonalisedOnly)
        throw new MaxfiyError('MXF_PURPOSE_CONSENT_DEPERSONALISED_FIXED');
      // Objections answer a legitimate-interest purpose; on a contract or a legal obligation
      // they would count for nothing, and a customer who objected would be processed.
      if (
        current.legalBasis === 'legitimate-interest' &&
        (definition.legalBasis === 'contract' || definition.legalBasis === 'legal-obligation')
      )
        throw new MaxfiyError('MXF_PURPOSE_OBJECTION_BASIS_FIXED');
      await assertCategories(trx, definition.categories);
      const version = current.version + 1;
      await store.insertPurposeVersion(trx, {
        purposeId: id,
        version,
        definition,
        createdBy: actor,
        now: clock.now(),
      });
      await audit.append(trx, {
        actor,
        action: 'purposes.updated',
        target: `purpose:${id}`,
        details: { version },
      });
      await announce(trx);
      return { id, version, ...definition };
    });
  }

  /** Moves a category to another store; a must-stay category is refused a store outside Uzbekistan. */
  async function placeCategory(actor: string, categoryId: string, storeId: string): Promise<DataCategory> {
    return registerWrite(async (trx) => {
      const category = await store.findCategory(trx, categoryId);
      assertThat(category, 'MXF_PURPOSE_CATEGORY_NOT_FOUND');
      const where = await store.findStore(trx, storeId);
      assertThat(where, 'MXF_PURPOSE_STORE_NOT_FOUND');
      if (category.mustStayInUz && where.country !== UZ) throw new MaxfiyError('MXF_PURPOSE_MUST_STAY_IN_UZ');
      await store.updateCategoryStore(trx, categoryId, storeId, clock.now());
      await audit.append(trx, {
        actor,
        action: 'purposes.category.placed',
        target: `category:${categoryId}`,
        details: { storeId, country: where.country },
      });
      await announce(trx);
      return { ...category, storeId };
    });
  }

  /** Registers a storage location (e.g. a new data centre); placing categories there is checked per category. */
  async function addStore(actor: string, s: DataStore): Promise<DataStore> {
    return registerWrite(async (trx) => {
      if (await store.findStore(trx, s.id)) throw new MaxfiyError('MXF_PURPOSE_ID_TAKEN');
      await store.insertStore(trx, s, clock.now());
      await audit.append(trx, {
        actor,
        action: 'purposes.store.added',
        target: `store:${s.id}`,
        details: { country: s.country },
      });
      return s;
    });
  }

  return {
    seed,
    snapshot: () => snapshot(),
    onChange(listener: RegisterListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Calls `listener` as an edit is written, before it commits: for caches that read inside their own writes. */
    onEdit(listener: () => void) {
      editListeners.add(listener);
      return () => editListeners.delete(listener);
    },
    listPurposes: async () => (await store.listPurposes(database.db)).map(({ idx: _idx, ...p }) => p),
    getPurpose,
    createPurpose,
    updatePurpose,
    listCategories: () => store.listCategories(database.db),
    listStores: () => store.listStores(database.db),
    placeCategory,
    addStore,
  };
}

export type PurposeService = ReturnType<typeof createPurposeService>;
