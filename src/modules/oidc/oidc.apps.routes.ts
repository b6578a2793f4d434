import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { customerOf } from '../../http/customer-auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import { AppGrant, ClientId } from './oidc.schemas.js';
import type { OidcService } from './oidc.service.js';

/**
 * The apps a customer let sign them in, in the cabinet: what the consent
 * screen promises can be taken back there. Taking access back only narrows
 * what the apps hold, like revoking a staff member's cabinet grant or ending a
 * session, so it needs the session alone, not a recent sign-in.
 */
export function appGrantRoutes(deps: {
  oidc: Pick<OidcService, 'apps'>;
  requireCustomer: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { apps } = deps.oidc;
  return async (app) => {
    const tags = ['cabinet'];
    const guarded = { onRequest: deps.requireCustomer };

    app.get(
      '/v1/me/apps',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'The apps I let sign me in: what each may see, since when, when last used',
          response: { 200: Type.Object({ apps: Type.Array(AppGrant) }), ...errors(401) },
        },
      },
      async (request) => ({ apps: await apps.list(customerOf(request).subjectId) }),
    );

    app.delete(
      '/v1/me/apps/:clientId',
      {
        ...guarded,
        schema: {
          tags,
          summary:
            'Take back an app’s access: its tokens end, it is signed out, and its next sign-in asks me again',
          params: Type.Object({ clientId: ClientId }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 404) },
        },
      },
      async (request, reply) => {
        await apps.revoke(customerOf(request).subjectId, request.params.clientId);
        return reply.code(204).send(null);
      },
    );
  };
}
