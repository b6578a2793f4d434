import { existsSync } from 'node:fs';
import { ConfigError, type Options } from '../config/options.js';
import { type Database, openDatabase, sqliteFileFor } from '../db/database.js';
import { migrationsCurrent } from '../db/migrate.js';

/**
 * The configured database, which must exist already: opening a SQLite file
 * that is not there would create an empty one (run from the wrong directory,
 * say), and an empty database then reads as "every migration pending".
 */
export async function openExistingDatabase(options: Options): Promise<Database> {
  const file = sqliteFileFor(options.dataDir);
  if (!options.databaseUrl && !existsSync(file))
    throw new ConfigError(
      `no database at ${file}: start maxfiy once or run \`maxfiy migrate up\` first, from the directory the server runs in (or with the same MAXFIY_DATA_DIR)`,
    );
  return openDatabase({ databaseUrl: options.databaseUrl, file });
}

/**
 * Runs `fn` on the configured database, which must exist and be at the
 * current schema (the commands that read and write its rows), then closes it.
 */
export async function withCurrentDatabase<T>(
  options: Options,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await openExistingDatabase(options);
  try {
    if (!(await migrationsCurrent(database)))
      throw new ConfigError(
        'the database schema is not current: start a server or run `maxfiy migrate up` first',
      );
    return await fn(database);
  } finally {
    await database.close();
  }
}
