import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { AuditAppender } from '../../audit/appender.js';
import type { Database } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { customerToken } from '../../http/customer-auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import { securityHeaders } from '../../http/security-headers.js';
import { pickLanguage } from '../../i18n/errors-define.js';
import type { CustomerPrincipal } from '../identity/sessions.js';
import { consentPage } from './oidc.pages.js';
import { Client, ClientId, ClientInput, ClientJwks } from './oidc.schemas.js';
import { OIDC_PATH, type OidcService } from './oidc.service.js';

export interface OidcRouteDeps {
  oidc: OidcService;
  identity: { authenticate(token: string | undefined): Promise<CustomerPrincipal | null> };
  audit: AuditAppender;
  database: Database;
  publicUrl: string;
  /** Guard for client registration: administrators. */
  requireAdmin: onRequestAsyncHookHandler;
  actorOf(request: unknown): string;
}

/**
 * Our security headers, with forms allowed to lead on to the apps: a consent or
 * logout form's answer is a redirect to the app's own address, which
 * `form-action 'self'` would stop in the browser.
 */
export function oidcHeaders(publicUrl: string): Record<string, string> {
  const headers = securityHeaders(publicUrl);
  const appTargets = publicUrl.startsWith('https:') ? 'https:' : 'https: http:';
  headers['content-security-policy'] = (headers['content-security-policy'] ?? '').replace(
    "form-action 'self'",
    `form-action 'self' ${appTargets}`,
  );
  return headers;
}

const Uid = Type.Object({ uid: Type.String({ pattern: '^[A-Za-z0-9_-]{10,64}$' }) });
const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 20 })) });

export function oidcRoutes(deps: OidcRouteDeps): FastifyPluginAsyncTypebox {
  const { oidc, identity, requireAdmin, actorOf } = deps;
  const headers = oidcHeaders(deps.publicUrl);

  return async (app) => {
    // Everything under /oidc belongs to the provider: Fastify neither parses nor answers it.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      const hand = (req: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
        reply.raw.setHeader('x-request-id', req.id);
        oidc.handle(req.raw, reply.raw, { protocol: req.protocol, host: req.host, ip: req.ip });
      };
      scope.all(`${OIDC_PATH}/*`, { schema: { hide: true } }, hand);
    });

    // The interaction: sign-in through the cabinet's session, then the app's consent screen.
    await app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
      );
      scope.addHook('onRequest', async (_req, reply) => {
        reply.headers(headers);
        reply.header('cache-control', 'no-store');
      });

      async function details(req: FastifyRequest, reply: FastifyReply) {
        const provider = await oidc.provider();
        try {
          return await provider.interactionDetails(req.raw, reply.raw);
        } catch (err) {
          throw new MaxfiyError('MXF_OIDC_INTERACTION_INVALID', {}, { cause: err });
        }
      }

      /** The customer signed in to the cabinet in this browser, if any. */
      const customer = (req: FastifyRequest) => identity.authenticate(customerToken(req, deps.publicUrl));

      /**
       * Another customer signed in to the cabinet at this browser since the
       * provider's session began (a shared computer): that session ends here,
       * before the sign-in is finished, so the provider starts a new one for
       * the customer now signed in. Left to the provider, the switch would go
       * through its automatic sign-out page, a scripted form in English only
       * that leaves the browser on a "Continue" button when scripts are off.
       */
      async function endOtherCustomersSession(
        interaction: Awaited<ReturnType<typeof details>>,
        principal: CustomerPrincipal,
      ) {
        const previous = interaction.session;
        if (!previous || previous.accountId === principal.subjectId) return;
        await oidc.endBrowserSession(previous.cookie);
        interaction.session = undefined;
        await interaction.persist();
      }

      scope.get(
        `${OIDC_PATH}/interaction/:uid`,
        { schema: { hide: true, params: Uid, querystring: LangQuery } },
        async (req, reply) => {
          const provider = await oidc.provider();
          const interaction = await details(req, reply);
          const { uid } = req.params as { uid: string };
          const lang = pickLanguage((req.query as { lang?: string }).lang, req.headers['accept-language']);
          const principal = await customer(req);
          if (interaction.prompt.name === 'login') {
            // No cabinet session, or not one as fresh as the app asks (prompt=login, max_age): sign in.
            if (!principal || !oidc.provesSignIn(interaction, principal)) {
              const back = `${OIDC_PATH}/interaction/${uid}?lang=${lang}`;
              return reply.redirect(`/signin?return=${encodeURIComponent(back)}`, 303);
            }
            await endOtherCustomersSession(interaction, principal);
            reply.hijack();
            // auth_time is when the customer last proved a factor, not when the app asked.
            const ts = Math.floor(principal.authenticatedAt / 1000);
            return provider.interactionFinished(
              req.raw,
              reply.raw,
              { login: { accountId: principal.subjectId, ts } },
              { mergeWithLastSubmission: false },
            );
          }
          // Consent for the customer the provider's session names, and only if that is who is signed in here.
          if (!principal || principal.subjectId !== interaction.session?.accountId) {
            reply.hijack();
            return provider.interactionFinished(req.raw, reply.raw, {
              error: 'login_required',
              error_description: 'the cabinet session ended or changed',
            });
          }
          const client = await provider.Client.find(String(interaction.params.client_id));
          const scopes = String(interaction.params.scope ?? '').split(' ');
          // An app allowed refresh tokens gets one whatever it asked (the provider's
          // issueRefreshToken): the screen says so, asked or not.
          if (client?.grantTypeAllowed('refresh_token') && !scopes.includes('offline_access'))
            scopes.push('offline_access');
          return reply.type('text/html; charset=utf-8').send(
            consentPage(lang, {
              appName: client?.clientName ?? String(interaction.params.client_id),
              scopes,
              confirmAction: `${OIDC_PATH}/interaction/${uid}/confirm?lang=${lang}`,
              abortAction: `${OIDC_PATH}/interaction/${uid}/abort?lang=${lang}`,
            }),
          );
        },
      );

      scope.post(
        `${OIDC_PATH}/interaction/:uid/confirm`,
        { schema: { hide: true, params: Uid, querystring: LangQuery } },
        async (req, reply) => {
          const provider = await oidc.provider();
          const interaction = await details(req, reply);
          const principal = await customer(req);
          const accountId = interaction.session?.accountId;
          if (interaction.prompt.name !== 'consent' || !principal || principal.subjectId !== accountId)
            throw new MaxfiyError('MXF_OIDC_INTERACTION_INVALID');
          const clientId = String(interaction.params.client_id);
          const grant = interaction.grantId
            ? await provider.Grant.find(interaction.grantId)
            : new provider.Grant({ accountId, clientId });
          if (!grant) throw new MaxfiyError('MXF_OIDC_INTERACTION_INVALID');
          const missing = interaction.prompt.details as {
            missingOIDCScope?: string[];
            missingOIDCClaims?: string[];
            missingResourceScopes?: Record<string, string[]>;
          };
          if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
          if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
          for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
            grant.addResourceScope(indicator, scopes.join(' '));
          const grantId = await grant.save();
          await deps.database.write((trx) =>
            deps.audit.append(trx, {
              actor: `subject:${accountId}`,
              action: 'oidc.consent.given',
              subjectId: accountId,
              target: `oidc-client:${clientId}`,
              details: { scopes: missing.missingOIDCScope ?? [] },
            }),
          );
          reply.hijack();
          return provider.interactionFinished(
            req.raw,
            reply.raw,
            { consent: { grantId } },
            {
              mergeWithLastSubmission: true,
            },
          );
        },
      );

      scope.post(
        `${OIDC_PATH}/interaction/:uid/abort`,
        { schema: { hide: true, params: Uid, querystring: LangQuery } },
        async (req, reply) => {
          const provider = await oidc.provider();
          await details(req, reply);
          reply.hijack();
          return provider.interactionFinished(
            req.raw,
            reply.raw,
            { error: 'access_denied', error_description: 'the customer refused' },
            { mergeWithLastSubmission: false },
          );
        },
      );
    });

    const tags = ['oidc'];
    app.get(
      '/v1/oidc/clients',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'The apps (OIDC relying parties) that may sign customers in (administrators)',
          response: { 200: Type.Object({ clients: Type.Array(Client) }), ...errors(401, 403) },
        },
      },
      async () => ({ clients: await oidc.listClients() }),
    );

    app.post(
      '/v1/oidc/clients',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Register an app for single sign-on (administrators); public client, PKCE required',
          body: ClientInput,
          response: { 201: Type.Object({ client: Client }), ...errors(401, 403, 409, 422) },
        },
      },
      async (req, reply) =>
        reply.code(201).send({ client: await oidc.registerClient(actorOf(req), req.body) }),
    );

    app.put(
      '/v1/oidc/clients/:clientId/keys',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary:
            'Replace the public keys an app’s server signs its token-endpoint assertions with (private_key_jwt; administrators). Its customers stay signed in.',
          params: Type.Object({ clientId: ClientId }),
          body: ClientJwks,
          response: { 200: Type.Object({ client: Client }), ...errors(401, 403, 404, 409, 422) },
        },
      },
      async (req) => ({ client: await oidc.replaceClientKeys(actorOf(req), req.params.clientId, req.body) }),
    );

    app.delete(
      '/v1/oidc/clients/:clientId',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary:
            'Remove an app an administrator registered, with every token issued to it (administrators)',
          params: Type.Object({ clientId: ClientId }),
          response: { 204: NoContent, ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await oidc.deleteClient(actorOf(req), req.params.clientId);
        return reply.code(204).send(null);
      },
    );
  };
}
