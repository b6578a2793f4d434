import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { DatabaseKind } from '../database.js';
import { foundation } from './0001_foundation.js';

/** Column types that differ between the two databases. */
export interface ColumnTypes {
  /** Milliseconds since the epoch, and other integers that outgrow 32 bits. */
  time: 'bigint' | 'integer';
  binary: 'bytea' | 'blob';
}

export function columnTypes(kind: DatabaseKind): ColumnTypes {
  return kind === 'postgres' ? { time: 'bigint', binary: 'bytea' } : { time: 'integer', binary: 'blob' };
}

/**
 * Every migration, in order, listed by hand: the order is global and a migration,
 * once released, never changes. Add new ones at the end.
 */
export function migrations(kind: DatabaseKind): Record<string, Migration> {
  const t = columnTypes(kind);
  return {
    '0001_foundation': foundation(t),
  };
}

export class ListMigrationProvider implements MigrationProvider {
  constructor(private readonly list: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.list;
  }
}

export type AnyKysely = Kysely<unknown>;
