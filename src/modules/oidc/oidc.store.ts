import type { Db, Trx } from '../../db/database.js';
import type { OidcClientTable, OidcModelTable } from './oidc.table.js';

export async function upsertModel(trx: Trx, row: OidcModelTable): Promise<void> {
  const { kind, id, ...rest } = row;
  await trx
    .insertInto('oidc_models')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(rest))
    .execute();
}

export function findModel(db: Db | Trx, kind: string, by: 'id' | 'uid' | 'user_code', value: string) {
  return db
    .selectFrom('oidc_models')
    .selectAll()
    .where('kind', '=', kind)
    .where(by, '=', value)
    .executeTakeFirst();
}

/** Marks a code or token used; false when it was used already (or is gone): one statement, so two racing uses cannot both win. */
export async function consumeModel(trx: Trx, kind: string, id: string, now: number): Promise<boolean> {
  const r = await trx
    .updateTable('oidc_models')
    .set({ consumed_at: now })
    .where('kind', '=', kind)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function destroyModel(trx: Trx, kind: string, id: string): Promise<void> {
  await trx.deleteFrom('oidc_models').where('kind', '=', kind).where('id', '=', id).execute();
}

/** Every model of one grant (codes, tokens, the grant itself). */
export async function destroyGrant(trx: Trx, grantId: string): Promise<void> {
  await trx.deleteFrom('oidc_models').where('grant_id', '=', grantId).execute();
}

/** A grant and every code and token issued under it. */
export async function destroyGrantWithModels(trx: Trx, grantId: string): Promise<void> {
  await destroyGrant(trx, grantId);
  await destroyModel(trx, 'Grant', grantId);
}

/** Sessions and grants of a customer: who to tell when everything of theirs ends. */
export function listAccountModels(db: Db | Trx, accountId: string) {
  return db
    .selectFrom('oidc_models')
    .select(['kind', 'id', 'payload', 'client_id', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('kind', 'in', ['Session', 'Grant'])
    .execute();
}

/** Replaces one model's payload (a session that lets go of an app), keeping its expiry. */
export async function replacePayload(trx: Trx, kind: string, id: string, payload: string): Promise<void> {
  await trx
    .updateTable('oidc_models')
    .set({ payload })
    .where('kind', '=', kind)
    .where('id', '=', id)
    .execute();
}

/** The codes and tokens issued under these grants: when each app was last used, and which can act alone. */
export function listGrantTokens(db: Db | Trx, grantIds: string[]) {
  if (grantIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('oidc_models')
    .select(['kind', 'grant_id', 'payload', 'expires_at', 'consumed_at'])
    .where('grant_id', 'in', grantIds)
    .where('kind', 'in', ['AuthorizationCode', 'AccessToken', 'RefreshToken'])
    .execute();
}

/**
 * Every session, grant, code and token of a customer, and of their grants; the
 * number of rows removed. With `clientId`, only what was issued to that app
 * (sessions carry no client and stay: the caller edits them).
 */
export async function destroyAccount(
  trx: Trx,
  accountId: string,
  grantIds: string[],
  clientId?: string,
): Promise<number> {
  let n = 0;
  let mine = trx.deleteFrom('oidc_models').where('account_id', '=', accountId);
  if (clientId !== undefined) mine = mine.where('client_id', '=', clientId);
  const byAccount = await mine.executeTakeFirst();
  n += Number(byAccount.numDeletedRows);
  if (grantIds.length > 0) {
    const byGrant = await trx.deleteFrom('oidc_models').where('grant_id', 'in', grantIds).executeTakeFirst();
    n += Number(byGrant.numDeletedRows);
  }
  return n;
}

export async function destroyClientModels(trx: Trx, clientId: string): Promise<void> {
  await trx.deleteFrom('oidc_models').where('client_id', '=', clientId).execute();
}

export async function deleteExpired(trx: Trx, now: number): Promise<number> {
  const r = await trx.deleteFrom('oidc_models').where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function findClient(db: Db | Trx, clientId: string) {
  return db.selectFrom('oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export function listClients(db: Db) {
  return db.selectFrom('oidc_clients').selectAll().orderBy('client_id').execute();
}

export async function insertClient(trx: Trx, row: OidcClientTable): Promise<boolean> {
  const r = await trx
    .insertInto('oidc_clients')
    .values(row)
    .onConflict((oc) => oc.column('client_id').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The config file is the truth for its clients: on start their metadata is replaced. */
export async function upsertConfigClient(trx: Trx, row: OidcClientTable): Promise<void> {
  await trx
    .insertInto('oidc_clients')
    .values(row)
    .onConflict((oc) => oc.column('client_id').doUpdateSet({ metadata: row.metadata, source: 'config' }))
    .execute();
}

/** Replaces an administrator's client's metadata; false when no such client (config clients are left alone). */
export async function updateAdminClient(trx: Trx, clientId: string, metadata: string): Promise<boolean> {
  const r = await trx
    .updateTable('oidc_clients')
    .set({ metadata })
    .where('client_id', '=', clientId)
    .where('source', '=', 'admin')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteClient(trx: Trx, clientId: string): Promise<boolean> {
  const r = await trx.deleteFrom('oidc_clients').where('client_id', '=', clientId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
