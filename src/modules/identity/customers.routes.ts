import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { errors } from '../../http/schemas.js';
import { CUSTOMER_PAGE_MAX } from './customers.js';
import { Id } from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const CustomerSummary = Type.Object({
  id: Id,
  status: Type.String(),
  createdAt: Type.Integer(),
  lastSignInAt: Nullable(Type.Integer()),
  emailMasked: Nullable(Type.String({ description: 'Like `a•••@example.com`.' })),
  phoneMasked: Nullable(Type.String({ description: 'Like `+998•••••67`.' })),
  factors: Type.Object({ totp: Type.Boolean(), passkeys: Type.Integer() }),
});

/**
 * Staff look customers up (support, admin, dpo, security): account facts and
 * masked contacts, never a name, a full contact or cabinet data.
 */
export function customersRoutes(deps: {
  identity: IdentityService;
  requireStaff: onRequestAsyncHookHandler;
  actorOf: (request: unknown) => string;
}): FastifyPluginAsyncTypebox {
  const { identity, actorOf } = deps;
  const guarded = { onRequest: deps.requireStaff };

  return async (app) => {
    const tags = ['customers'];

    app.get(
      '/v1/customers',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Customers, newest first, with masked contacts (cursor pagination)',
          querystring: Type.Object(
            {
              cursor: Type.Optional(Id),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CUSTOMER_PAGE_MAX, default: 50 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              customers: Type.Array(CustomerSummary),
              next: Nullable(
                Type.String({ description: 'The `cursor` of the next page; null on the last.' }),
              ),
            }),
            ...errors(401, 403),
          },
        },
      },
      async (request) => identity.customers.list(actorOf(request), request.query),
    );

    app.get(
      '/v1/customers/:id',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'One customer: the summary, open incidents and live sessions',
          params: Type.Object({ id: Id }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              ...CustomerSummary.properties,
              openIncidents: Type.Integer(),
              sessions: Type.Integer({ description: 'Live sessions.' }),
            }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (request) => identity.customers.get(actorOf(request), request.params.id),
    );
  };
}
