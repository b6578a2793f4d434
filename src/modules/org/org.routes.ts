import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { errors } from '../../http/schemas.js';
import { Company, CompanyPatch, OrgId, Product, ProductPatch, Site, SitePatch } from './org.schemas.js';
import type { OrgService } from './org.service.js';

export interface OrgRouteDeps {
  org: OrgService;
  /** Guard for changes: administrators only. */
  requireAdmin: onRequestAsyncHookHandler;
  /** Guard for the full view: any staff member. */
  requireStaff: onRequestAsyncHookHandler;
  /** The acting staff member's audit actor (`staff:<id>`). */
  actorOf(request: unknown): string;
}

export function orgRoutes(deps: OrgRouteDeps): FastifyPluginAsyncTypebox {
  const { org, requireAdmin, requireStaff, actorOf } = deps;
  return async (app) => {
    const tags = ['org'];
    app.get(
      '/v1/org/sites',
      {
        schema: {
          tags,
          summary: 'The company’s sites (public: the embeddable notice and the cabinet use it)',
          response: { 200: Type.Object({ sites: Type.Array(Site) }), ...errors() },
        },
      },
      async () => ({ sites: await org.listSites() }),
    );

    app.get(
      '/v1/org',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'The company, its products and sites',
          response: {
            200: Type.Object({ company: Company, products: Type.Array(Product), sites: Type.Array(Site) }),
            ...errors(401, 403, 503),
          },
        },
      },
      async () => org.get(),
    );

    app.patch(
      '/v1/org/company',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Change the company’s details (administrators)',
          body: CompanyPatch,
          response: { 200: Type.Object({ company: Company }), ...errors(401, 403, 503) },
        },
      },
      async (req) => ({ company: await org.updateCompany(actorOf(req), req.body) }),
    );

    app.post(
      '/v1/org/products',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Register a product (administrators)',
          body: Product,
          response: { 201: Type.Object({ product: Product }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) =>
        reply.code(201).send({ product: await org.createProduct(actorOf(req), req.body) }),
    );

    app.patch(
      '/v1/org/products/:id',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Change a product (administrators)',
          params: Type.Object({ id: OrgId }),
          body: ProductPatch,
          response: { 200: Type.Object({ product: Product }), ...errors(401, 403, 404) },
        },
      },
      async (req) => ({ product: await org.updateProduct(actorOf(req), req.params.id, req.body) }),
    );

    app.post(
      '/v1/org/sites',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Register a site (administrators)',
          body: Site,
          response: { 201: Type.Object({ site: Site }), ...errors(401, 403, 409) },
        },
      },
      async (req, reply) => reply.code(201).send({ site: await org.createSite(actorOf(req), req.body) }),
    );

    app.patch(
      '/v1/org/sites/:id',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Change a site (administrators)',
          params: Type.Object({ id: OrgId }),
          body: SitePatch,
          response: { 200: Type.Object({ site: Site }), ...errors(401, 403, 404) },
        },
      },
      async (req) => ({ site: await org.updateSite(actorOf(req), req.params.id, req.body) }),
    );
  };
}
