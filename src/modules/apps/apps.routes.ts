import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { errors, NoContent } from '../../http/schemas.js';
import { Credential, CredentialId, IssueBody, IssuedCredential } from './apps.schemas.js';
import type { AppCredentials } from './apps.service.js';

export interface AppRouteDeps {
  apps: AppCredentials;
  /** Issue and revoke: administrators. */
  requireAdmin: onRequestAsyncHookHandler;
  /** See the list: administrators and security staff. */
  requireViewer: onRequestAsyncHookHandler;
  actorOf(request: unknown): string;
}

export function appRoutes(deps: AppRouteDeps): FastifyPluginAsyncTypebox {
  const { apps, requireAdmin, requireViewer, actorOf } = deps;
  return async (app) => {
    const tags = ['apps'];
    app.post(
      '/v1/apps/credentials',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary:
            'Issue a credential for one of the company’s apps; the secret is shown in this answer only',
          body: IssueBody,
          response: { 201: IssuedCredential, ...errors(401, 403, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await apps.issue(actorOf(req), req.body)),
    );

    app.get(
      '/v1/apps/credentials',
      {
        onRequest: requireViewer,
        schema: {
          tags,
          summary: 'The apps’ credentials, revoked ones too (never their secrets)',
          response: { 200: Type.Object({ credentials: Type.Array(Credential) }), ...errors(401, 403) },
        },
      },
      async () => ({ credentials: await apps.list() }),
    );

    app.delete(
      '/v1/apps/credentials/:id',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Revoke an app credential at once',
          params: Type.Object({ id: CredentialId }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (req, reply) => {
        await apps.revoke(actorOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
