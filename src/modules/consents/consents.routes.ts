import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { MaxfiyError } from '../../errors.js';
import { errors, NoContent } from '../../http/schemas.js';
import {
  ConsentEvent,
  ConsentInput,
  HistoryQuery,
  SubjectConsents,
  SubjectId,
  SubjectStatusInput,
  Webhook,
  WebhookInput,
} from './consents.schemas.js';
import type { ConsentService } from './consents.service.js';
import type { Webhooks } from './consents.webhooks.js';

export interface ConsentRouteDeps {
  consents: ConsentService;
  webhooks: Webhooks;
  /**
   * Who may read and record consents. The cabinet and the apps will call these
   * routes with their own credentials once identity exists; until then staff
   * (DPO, administrators, support) do, e.g. entering paper forms.
   */
  requireConsentStaff: onRequestAsyncHookHandler;
  /** Blocking an account and managing webhooks: administrators, DPO, security. */
  requireAdmin: onRequestAsyncHookHandler;
  actorOf(request: unknown): string;
}

export function consentRoutes(deps: ConsentRouteDeps): FastifyPluginAsyncTypebox {
  const { consents, webhooks, requireConsentStaff, requireAdmin, actorOf } = deps;
  return async (app) => {
    const tags = ['consents'];
    const params = Type.Object({ subjectId: SubjectId }, { additionalProperties: false });

    app.get(
      '/v1/consents/subjects/:subjectId',
      {
        onRequest: requireConsentStaff,
        schema: {
          tags,
          summary:
            "A subject's current consents and objections, and their full history, latest first in pages",
          params,
          querystring: HistoryQuery,
          response: { 200: SubjectConsents, ...errors(401, 403, 404) },
        },
      },
      async (req) => consents.forSubject(req.params.subjectId, req.query.before),
    );

    app.post(
      '/v1/consents/subjects/:subjectId',
      {
        onRequest: requireConsentStaff,
        schema: {
          tags,
          summary:
            'Give or withdraw a consent, or object to a legitimate-interest purpose (takes effect at once)',
          params,
          body: ConsentInput,
          response: { 201: Type.Object({ event: ConsentEvent }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        // Where a consent was given is what the caller is: the cabinet and the sites' notice have routes of their own.
        const own = req.appPrincipal ? 'app' : 'staff-paper';
        if (req.body.source !== own) throw new MaxfiyError('MXF_CONSENT_SOURCE_NOT_CALLER');
        return reply
          .code(201)
          .send({ event: await consents.record(actorOf(req), req.params.subjectId, req.body) });
      },
    );

    app.put(
      '/v1/consents/subjects/:subjectId/status',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Register a subject or block its account (a blocked account is denied every processing)',
          params,
          body: SubjectStatusInput,
          response: { 200: Type.Object({ rev: Type.Integer() }), ...errors(401, 403) },
        },
      },
      async (req) => ({ rev: await consents.setStatus(actorOf(req), req.params.subjectId, req.body.status) }),
    );

    app.get(
      '/v1/webhooks',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Subscriptions to consent changes',
          response: { 200: Type.Object({ webhooks: Type.Array(Webhook) }), ...errors(401, 403) },
        },
      },
      async () => ({ webhooks: await webhooks.list() }),
    );

    app.post(
      '/v1/webhooks',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary:
            'Subscribe an endpoint to consent changes; the signing secret is shown only in this answer',
          body: WebhookInput,
          response: {
            201: Type.Object({ webhook: Webhook, secret: Type.String() }),
            ...errors(401, 403, 422),
          },
        },
      },
      async (req, reply) => reply.code(201).send(await webhooks.subscribe(actorOf(req), req.body.url)),
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'End a subscription',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await webhooks.unsubscribe(actorOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
