import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { Type } from 'typebox';
import type { Services } from '../container.js';
import { migrationsCurrent } from '../db/migrate.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]),
  detail: Type.Optional(Type.String()),
});
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Object({ database: Check, migrations: Check, shutdown: Check, decisions: Check }),
});

/** Liveness, readiness and Prometheus metrics for operators. */
export function healthRoutes(services: Services): FastifyPluginAsyncTypebox {
  const { database, metrics, lifecycle, decisions } = services;
  return async (app) => {
    const tags = ['operations'];
    app.get(
      '/healthz',
      {
        schema: {
          tags,
          summary: 'Liveness: the process answers',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags,
          summary:
            "Readiness: the database answers, migrations are current, the server is not shutting down, and it follows other nodes' consent changes",
          response: { 200: Ready, 503: Ready },
        },
      },
      async (_req, reply) => {
        const checks = {
          database: { status: 'ok' as 'ok' | 'fail', detail: undefined as string | undefined },
          migrations: { status: 'ok' as 'ok' | 'fail', detail: undefined as string | undefined },
          shutdown: { status: lifecycle.shuttingDown ? ('fail' as const) : ('ok' as const) },
          // A PostgreSQL node whose listener is down would answer "allow" after a
          // withdrawal made through another node: take it out of rotation until it
          // has reconnected and caught up.
          decisions: decisions.following()
            ? { status: 'ok' as const }
            : { status: 'fail' as const, detail: 'not following other nodes' },
        };
        try {
          await sql`select 1`.execute(database.db);
        } catch {
          checks.database = { status: 'fail', detail: 'unreachable' };
        }
        if (checks.database.status === 'ok') {
          try {
            if (!(await migrationsCurrent(database)))
              checks.migrations = { status: 'fail', detail: 'pending' };
          } catch {
            checks.migrations = { status: 'fail', detail: 'schema newer than code' };
          }
        } else {
          checks.migrations = { status: 'fail', detail: 'database unreachable' };
        }
        const ready = Object.values(checks).every((c) => c.status === 'ok');
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
      },
    );

    app.get(
      '/metrics',
      {
        schema: {
          tags,
          summary: 'Prometheus metrics (text exposition format)',
          produces: ['text/plain'],
          response: { 200: Type.String() },
        },
      },
      async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await metrics.render()),
    );
  };
}
