import { sql } from 'kysely';

/**
 * The PostgreSQL channel the nodes of one deployment tell each other of
 * consent and register changes on, as SQL evaluated in the session.
 *
 * NOTIFY reaches every session of the database, whatever its schema, so
 * deployments that share a database in different schemas (staging beside
 * production, or parallel test runs) would reload each other's changes from
 * their own tables. Each schema gets a channel of its own: `maxfiy_consents` in
 * `public`, else `maxfiy_consents_` and 16 hex digits of the md5 of the schema
 * name (a channel name holds at most 63 bytes).
 */
export const CHANNEL_SQL =
  "case when current_schema() = 'public' then 'maxfiy_consents' else 'maxfiy_consents_' || left(md5(current_schema()), 16) end";

/** Sends `payload` to the other nodes of this deployment, when the caller's transaction commits. */
export function notifyQuery(payload: string) {
  return sql`select pg_notify(${sql.raw(CHANNEL_SQL)}, ${payload})`;
}

/** The NOTIFY payload that means "reload the register"; any other payload is a subject id. */
export const REGISTER_CHANGED = '#register';
