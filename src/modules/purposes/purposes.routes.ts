import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import { errors } from '../../http/schemas.js';
import type { Company } from '../org/org.schemas.js';
import { buildRopa, ropaCsv } from './purposes.ropa.js';
import {
  CategoryPlacement,
  DataCategory,
  DataStore,
  Purpose,
  PurposeDefinition,
  PurposeVersion,
  RegisterId,
} from './purposes.schemas.js';
import type { PurposeService } from './purposes.service.js';

export interface PurposeRouteDeps {
  purposes: PurposeService;
  clock: Clock;
  company(): Promise<Company | undefined>;
  /** Reading the register: any staff member. */
  requireStaff: onRequestAsyncHookHandler;
  /** Editing it: DPO and administrators. */
  requireEditor: onRequestAsyncHookHandler;
  actorOf(request: unknown): string;
}

export function purposeRoutes(deps: PurposeRouteDeps): FastifyPluginAsyncTypebox {
  const { purposes, requireStaff, requireEditor, actorOf } = deps;
  return async (app) => {
    const tags = ['purposes'];
    const idParams = Type.Object({ id: RegisterId }, { additionalProperties: false });

    app.get(
      '/v1/purposes',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'The purpose register at its current versions',
          response: { 200: Type.Object({ purposes: Type.Array(Purpose) }), ...errors(401, 403) },
        },
      },
      async () => ({ purposes: await purposes.listPurposes() }),
    );

    app.get(
      '/v1/purposes/:id',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'One purpose and every version it has had',
          params: idParams,
          response: {
            200: Type.Object({ purpose: Purpose, versions: Type.Array(PurposeVersion) }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => purposes.getPurpose(req.params.id),
    );

    app.post(
      '/v1/purposes',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Add a purpose (DPO, administrators)',
          body: Type.Object(
            { id: RegisterId, ...PurposeDefinition.properties },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ purpose: Purpose }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        const { id, ...definition } = req.body;
        return reply.code(201).send({ purpose: await purposes.createPurpose(actorOf(req), id, definition) });
      },
    );

    app.put(
      '/v1/purposes/:id',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Edit a purpose: writes version n+1; earlier versions stay as they were',
          params: idParams,
          body: PurposeDefinition,
          response: { 200: Type.Object({ purpose: Purpose }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req) => ({ purpose: await purposes.updatePurpose(actorOf(req), req.params.id, req.body) }),
    );

    app.get(
      '/v1/data-categories',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'Data categories (§10), their class and where each is stored',
          response: {
            200: Type.Object({ categories: Type.Array(DataCategory), stores: Type.Array(DataStore) }),
            ...errors(401, 403),
          },
        },
      },
      async () => ({ categories: await purposes.listCategories(), stores: await purposes.listStores() }),
    );

    app.put(
      '/v1/data-categories/:id/store',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Move a category to another storage location; a must-stay category is refused one abroad',
          params: idParams,
          body: CategoryPlacement,
          response: { 200: Type.Object({ category: DataCategory }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req) => ({
        category: await purposes.placeCategory(actorOf(req), req.params.id, req.body.storeId),
      }),
    );

    app.post(
      '/v1/data-stores',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Register a storage location with its country',
          body: DataStore,
          response: { 201: Type.Object({ store: DataStore }), ...errors(401, 403, 409) },
        },
      },
      async (req, reply) => reply.code(201).send({ store: await purposes.addStore(actorOf(req), req.body) }),
    );

    const ropa = async () => buildRopa(await purposes.snapshot(), await deps.company(), deps.clock.now());

    app.get(
      '/v1/ropa.json',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'The record of processing activities (§14), as JSON',
          response: { 200: Type.Unknown(), ...errors(401, 403) },
        },
      },
      async () => ropa(),
    );

    app.get(
      '/v1/ropa.csv',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'The record of processing activities (§14), as CSV',
          produces: ['text/csv'],
          response: { 200: Type.String(), ...errors(401, 403) },
        },
      },
      async (_req, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="ropa.csv"')
          .send(ropaCsv(await ropa())),
    );
  };
}
