/** Acceptance figures over time for the console's chart (§9): one grouped query, zero-filled per UTC day. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { errors } from '../../http/schemas.js';

export const DAY_MS = 86_400_000;

/** The last `days` UTC days up to today, oldest first, as `YYYY-MM-DD` with their day numbers. */
export function dayRange(now: number, days: number): { n: number; day: string }[] {
  const today = Math.floor(now / DAY_MS);
  return Array.from({ length: days }, (_, i) => {
    const n = today - days + 1 + i;
    return { n, day: new Date(n * DAY_MS).toISOString().slice(0, 10) };
  });
}

export const StatsQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) },
  { additionalProperties: false },
);

export async function acceptanceStats(database: Database, now: number, days: number) {
  const range = dayRange(now, days);
  const since = (range[0]?.n ?? 0) * DAY_MS;
  const dayOf = sql<number>`accepted_at / ${sql.lit(DAY_MS)}`;
  // Served by the (accepted_at, method, version) index without touching the table.
  const rows = await database.db
    .selectFrom('agreement_acceptances')
    .select((eb) => [dayOf.as('d'), 'method', 'version', eb.fn.countAll<number>().as('n')])
    .where('accepted_at', '>=', since)
    .groupBy([dayOf, 'method', 'version'])
    .execute();
  const byDay = new Map(
    range.map((r) => [
      r.n,
      { day: r.day, accepted: 0, continuedUse: 0, byVersion: {} as Record<string, number> },
    ]),
  );
  for (const r of rows) {
    const d = byDay.get(Number(r.d));
    if (!d) continue;
    const n = Number(r.n);
    if (r.method === 'continued-use') d.continuedUse += n;
    else d.accepted += n;
    d.byVersion[String(r.version)] = (d.byVersion[String(r.version)] ?? 0) + n;
  }
  return { days: [...byDay.values()] };
}

export function agreementStatsRoutes(deps: {
  database: Database;
  clock: Clock;
  /** DPO, legal, admin, auditor. */
  requireReader: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/agreements/stats',
      {
        onRequest: deps.requireReader,
        schema: {
          tags: ['agreement'],
          summary: 'Acceptances per UTC day: explicit, by continued use, and per version',
          querystring: StatsQuery,
          response: {
            200: Type.Object({
              days: Type.Array(
                Type.Object({
                  day: Type.String(),
                  accepted: Type.Integer(),
                  continuedUse: Type.Integer(),
                  byVersion: Type.Record(Type.String(), Type.Integer()),
                }),
              ),
            }),
            ...errors(401, 403),
          },
        },
      },
      async (req) => acceptanceStats(deps.database, deps.clock.now(), req.query.days ?? 30),
    );
  };
}
