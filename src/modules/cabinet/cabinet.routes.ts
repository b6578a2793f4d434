import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { MaxfiyError } from '../../errors.js';
import { staffOf } from '../../http/auth.js';
import { customerOf } from '../../http/customer-auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import {
  AccessSchema,
  CustomerParams,
  GrantBody,
  GrantedSchema,
  GranteesSchema,
  GrantIdParams,
  GrantInForceSchema,
  GrantParams,
  GrantSchema,
  ProductLinkSchema,
  ProductParams,
  RecordBody,
  RecordKeyBody,
  Records,
  RecordsQuery,
} from './cabinet.schemas.js';
import type { AppCaller, CabinetService } from './cabinet.service.js';

export interface CabinetRouteDeps {
  cabinet: CabinetService;
  /** The customer's session (`requireCustomer`). */
  requireCustomer: onRequestAsyncHookHandler;
  /** A sign-in within the step-up window (`requireRecentSignIn`), run after `requireCustomer`. */
  requireRecentSignIn: onRequestAsyncHookHandler;
  /** A product app holding the `cabinet` scope (`requireApp(apps, 'cabinet')`), and who it is. */
  requireApp: onRequestAsyncHookHandler;
  appOf: (request: FastifyRequest) => AppCaller;
  /**
   * The customer's own authorization for an app to read their cabinet: the
   * OIDC access token the customer's sign-in gave that app (scope `cabinet`).
   * An app credential alone writes but never reads, so whoever can issue app
   * credentials (an administrator) still cannot read a cabinet without the customer.
   */
  customerToken(token: string): Promise<{ customerId: string; clientId: string; scopes: string[] } | null>;
  /** Any staff member: what each may read is decided by the grants that name them. */
  requireStaff: onRequestAsyncHookHandler;
  /** Staff who oversee grants (admin, dpo, security, auditor): grants in force, never data. */
  requireOversight: onRequestAsyncHookHandler;
}

const GRANTED_RECORDS = '/v1/cabinet/granted/:grantId/records';
/** Where an app puts the customer's OIDC access token when it reads their cabinet. */
export const CUSTOMER_TOKEN_HEADER = 'x-customer-token';

/** The personal cabinet: the customer's own routes, product apps' writes, and staff reads under a grant. */
export function cabinetRoutes(deps: CabinetRouteDeps): FastifyPluginAsyncTypebox {
  const { cabinet, appOf } = deps;
  return async (app) => {
    const tags = ['cabinet'];
    const customer = { onRequest: deps.requireCustomer };
    const product = { onRequest: deps.requireApp };

    app.get(
      '/v1/me/cabinet/products',
      {
        ...customer,
        schema: {
          tags,
          summary: 'The products, and which of them I allowed to keep records in my cabinet',
          response: { 200: Type.Object({ products: Type.Array(ProductLinkSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ products: await cabinet.products(customerOf(request)) }),
    );

    app.put(
      '/v1/me/cabinet/products/:productId',
      {
        ...customer,
        schema: {
          tags,
          summary: 'Allow a product to keep records in my cabinet',
          params: ProductParams,
          response: { 204: NoContent, ...errors(401, 404) },
        },
      },
      async (request, reply) => {
        await cabinet.link(customerOf(request), request.params.productId);
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/v1/me/cabinet/products/:productId',
      {
        ...customer,
        schema: {
          tags,
          summary: 'Stop a product from writing or reading my cabinet (its records stay mine)',
          params: ProductParams,
          response: { 204: NoContent, ...errors(401, 404) },
        },
      },
      async (request, reply) => {
        await cabinet.unlink(customerOf(request), request.params.productId);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/me/cabinet/records',
      {
        ...customer,
        schema: {
          tags,
          summary: 'My cabinet records, of one product or all',
          querystring: RecordsQuery,
          response: { 200: Records, ...errors(401, 410) },
        },
      },
      async (request) => ({ records: await cabinet.records(customerOf(request), request.query.productId) }),
    );

    app.get(
      '/v1/me/cabinet/grantees',
      {
        ...customer,
        schema: {
          tags,
          summary: 'Whom I can let read my cabinet: named staff members, or the support role',
          response: { 200: GranteesSchema, ...errors(401) },
        },
      },
      async () => cabinet.grantees(),
    );

    app.post(
      '/v1/me/cabinet/grants',
      {
        onRequest: [deps.requireCustomer, deps.requireRecentSignIn],
        schema: {
          tags,
          summary:
            'Let a staff member or the support role read (part of) my cabinet for 1 to 720 hours (needs a recent sign-in)',
          body: GrantBody,
          response: { 201: GrantSchema, ...errors(401, 403, 404, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await cabinet.createGrant(customerOf(request), request.body)),
    );

    app.get(
      '/v1/me/cabinet/grants',
      {
        ...customer,
        schema: {
          tags,
          summary: 'The grants I gave, live or not',
          response: { 200: Type.Object({ grants: Type.Array(GrantSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ grants: await cabinet.grants(customerOf(request)) }),
    );

    app.delete(
      '/v1/me/cabinet/grants/:id',
      {
        ...customer,
        schema: {
          tags,
          summary: 'Revoke a grant: it stops at once',
          params: GrantIdParams,
          response: { 204: NoContent, ...errors(401, 404) },
        },
      },
      async (request, reply) => {
        await cabinet.revokeGrant(customerOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/me/cabinet/access-log',
      {
        ...customer,
        schema: {
          tags,
          summary: 'Who looked at my cabinet, when, under which grant',
          response: { 200: Type.Object({ entries: Type.Array(AccessSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ entries: await cabinet.accessLog(customerOf(request)) }),
    );

    app.put(
      '/v1/cabinet/customers/:customerId/records',
      {
        ...product,
        schema: {
          tags,
          summary:
            "Store a record in a customer's cabinet (the app's product must be linked by the customer); the key goes in the body, never in the address",
          params: CustomerParams,
          body: RecordBody,
          response: { 204: NoContent, ...errors(401, 403, 410, 413) },
        },
      },
      async (request, reply) => {
        const { key, value, kind } = request.body;
        await cabinet.put(appOf(request), request.params.customerId, key, value, kind);
        return reply.code(204).send(null);
      },
    );

    // POST, not DELETE with a body: some proxies drop a DELETE's body, and the key must not go in the address.
    app.post(
      '/v1/cabinet/customers/:customerId/records/delete',
      {
        ...product,
        schema: {
          tags,
          summary: "Delete one of the app's records from a customer's cabinet, named by its key in the body",
          params: CustomerParams,
          body: RecordKeyBody,
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await cabinet.remove(appOf(request), request.params.customerId, request.body.key);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/cabinet/customers/:customerId/records',
      {
        ...product,
        schema: {
          tags,
          summary:
            "The app's own product's records in a customer's cabinet; only with the customer's OIDC access token (scope `cabinet`) for this app in `X-Customer-Token`",
          params: CustomerParams,
          response: { 200: Records, ...errors(401, 403, 410) },
        },
      },
      async (request) => {
        const caller = appOf(request);
        const header = request.headers[CUSTOMER_TOKEN_HEADER];
        const token = typeof header === 'string' && header.length <= 512 ? header : '';
        const authorization = token ? await deps.customerToken(token) : null;
        if (
          !authorization ||
          authorization.customerId !== request.params.customerId ||
          authorization.clientId !== caller.productId ||
          !authorization.scopes.includes('cabinet')
        )
          throw new MaxfiyError('MXF_CABINET_NOT_AUTHORIZED');
        return { records: await cabinet.appRecords(caller, request.params.customerId) };
      },
    );

    app.get(
      '/v1/cabinet/granted',
      {
        onRequest: deps.requireStaff,
        schema: {
          tags: ['staff'],
          summary: 'Grants in force that customers gave me (or my role): ids and scope, no data',
          response: { 200: Type.Object({ grants: Type.Array(GrantedSchema) }), ...errors(401, 403) },
        },
      },
      async (request) => ({ grants: await cabinet.grantedTo(staffOf(request)) }),
    );

    app.get(
      GRANTED_RECORDS,
      {
        onRequest: deps.requireStaff,
        schema: {
          tags: ['staff'],
          summary:
            "A customer's records within a live grant they gave me; every read is audited and shown to the customer",
          params: GrantParams,
          response: {
            200: Type.Object({ grant: GrantedSchema, ...Records.properties }),
            ...errors(401, 403, 404, 410),
          },
        },
      },
      async (request) => cabinet.readUnderGrant(staffOf(request), request.params.grantId, GRANTED_RECORDS),
    );

    app.get(
      '/v1/cabinet/grants',
      {
        onRequest: deps.requireOversight,
        schema: {
          tags: ['staff'],
          summary: 'Every grant in force: who may read whose cabinet, until when, why; never the data',
          response: { 200: Type.Object({ grants: Type.Array(GrantInForceSchema) }), ...errors(401, 403) },
        },
      },
      async () => ({ grants: await cabinet.grantsInForce() }),
    );
  };
}
