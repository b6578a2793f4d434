/** Consent figures over time for the console's chart: one grouped query, zero-filled per UTC day. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { errors } from '../../http/schemas.js';
import { DAY_MS, dayRange, StatsQuery } from '../agreements/agreements.stats.js';

export async function consentStats(database: Database, now: number, days: number) {
  const range = dayRange(now, days);
  const since = (range[0]?.n ?? 0) * DAY_MS;
  const dayOf = sql<number>`at / ${sql.lit(DAY_MS)}`;
  // Served by the (at, kind, state, purpose_id) index without touching the table.
  const rows = await database.db
    .selectFrom('consent_events')
    .select((eb) => [dayOf.as('d'), 'kind', 'state', 'purpose_id', eb.fn.countAll<number>().as('n')])
    .where('at', '>=', since)
    .groupBy([dayOf, 'kind', 'state', 'purpose_id'])
    .execute();
  const byDay = new Map(range.map((r) => [r.n, { day: r.day, given: 0, withdrawn: 0, objected: 0 }]));
  const byPurpose = new Map<string, { purposeId: string; given: number; withdrawn: number }>();
  for (const r of rows) {
    const d = byDay.get(Number(r.d));
    if (!d) continue;
    const n = Number(r.n);
    if (r.kind === 'objection') {
      if (r.state === 'given') d.objected += n;
      continue;
    }
    if (r.state !== 'given' && r.state !== 'withdrawn') continue;
    d[r.state] += n;
    const p = byPurpose.get(r.purpose_id) ?? { purposeId: r.purpose_id, given: 0, withdrawn: 0 };
    p[r.state] += n;
    byPurpose.set(r.purpose_id, p);
  }
  return {
    days: [...byDay.values()],
    byPurpose: [...byPurpose.values()].sort((a, b) => a.purposeId.localeCompare(b.purposeId)),
  };
}

export function consentStatsRoutes(deps: {
  database: Database;
  clock: Clock;
  /** DPO, admin, marketing, auditor. */
  requireReader: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/consents/stats',
      {
        onRequest: deps.requireReader,
        schema: {
          tags: ['consents'],
          summary: 'Consents given and withdrawn and objections per UTC day, and per purpose over the period',
          querystring: StatsQuery,
          response: {
            200: Type.Object({
              days: Type.Array(
                Type.Object({
                  day: Type.String(),
                  given: Type.Integer(),
                  withdrawn: Type.Integer(),
                  objected: Type.Integer(),
                }),
              ),
              byPurpose: Type.Array(
                Type.Object({ purposeId: Type.String(), given: Type.Integer(), withdrawn: Type.Integer() }),
              ),
            }),
            ...errors(401, 403),
          },
        },
      },
      async (req) => consentStats(deps.database, deps.clock.now(), req.query.days ?? 30),
    );
  };
}
