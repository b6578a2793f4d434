import type { Db, Trx } from '../db/database.js';

export interface DevInboxSummary {
  id: string;
  receivedAt: number;
  from: string;
  to: string[];
  subject: string;
}

export interface DevInboxMessage extends DevInboxSummary {
  raw: string;
}

export async function insertDevInboxMessage(trx: Trx, m: DevInboxMessage): Promise<void> {
  await trx
    .insertInto('dev_inbox')
    .values({
      id: m.id,
      received_at: m.receivedAt,
      envelope_from: m.from,
      envelope_to: JSON.stringify(m.to),
      subject: m.subject,
      raw: m.raw,
    })
    .execute();
}

/** Newest first. */
export async function listDevInbox(db: Db | Trx, limit: number): Promise<DevInboxSummary[]> {
  const rows = await db
    .selectFrom('dev_inbox')
    .select(['id', 'received_at', 'envelope_from', 'envelope_to', 'subject'])
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    receivedAt: r.received_at,
    from: r.envelope_from,
    to: JSON.parse(r.envelope_to) as string[],
    subject: r.subject,
  }));
}

export async function findDevInboxMessage(db: Db | Trx, id: string): Promise<DevInboxMessage | undefined> {
  const r = await db.selectFrom('dev_inbox').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    r && {
      id: r.id,
      receivedAt: r.received_at,
      from: r.envelope_from,
      to: JSON.parse(r.envelope_to) as string[],
      subject: r.subject,
      raw: r.raw,
    }
  );
}

export async function clearDevInbox(trx: Trx): Promise<number> {
  const result = await trx.deleteFrom('dev_inbox').executeTakeFirst();
  return Number(result.numDeletedRows);
}
