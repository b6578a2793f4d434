import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { MaxfiyError } from '../errors.js';
import type { AppScope } from '../modules/apps/apps.schemas.js';
import type { AppPrincipal } from '../modules/apps/apps.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireApp` once the app's bearer credential checks out. */
    appPrincipal?: AppPrincipal;
  }
}

/** The token of an `Authorization: Bearer …` header, if that is what the request carries. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer +(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * A route guard (an onRequest hook) that lets through only a product app whose credential holds
 * `scope`: 401 MXF_APP_CREDENTIAL_INVALID without a valid one, 403
 * MXF_APP_SCOPE_MISSING when it was issued for other calls.
 */
export function requireApp(
  apps: { verify(secret: string | undefined): Promise<AppPrincipal | null> },
  scope: AppScope,
): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = await apps.verify(bearerToken(request));
    if (!principal) throw new MaxfiyError('MXF_APP_CREDENTIAL_INVALID');
    if (!principal.scopes.includes(scope)) throw new MaxfiyError('MXF_APP_SCOPE_MISSING', { scope });
    request.appPrincipal = principal;
  };
}

/**
 * Routes both apps and the console use: a request with an `Authorization`
 * header is an app's and must pass `appGuard`; any other must pass
 * `staffGuard` (the staff cookie).
 */
export function staffOrApp(
  staffGuard: onRequestAsyncHookHandler,
  appGuard: onRequestAsyncHookHandler,
): onRequestAsyncHookHandler {
  // The chosen guard's own promise, not one more around it: this runs on every API call.
  return function guard(this: unknown, request, reply) {
    const chosen = request.headers.authorization === undefined ? staffGuard : appGuard;
    return chosen.call(this as never, request, reply);
  };
}

/**
 * An app acts for its own product's site only: an acceptance, a use or a state
 * asked with another product's `siteId` is refused (MXF_APP_SITE_NOT_OWN).
 * Staff, and an app naming no site, pass.
 */
export function assertOwnSite(request: FastifyRequest, siteId: string | undefined): void {
  const app = request.appPrincipal;
  if (app && siteId !== undefined && siteId !== app.siteId)
    throw new MaxfiyError('MXF_APP_SITE_NOT_OWN', { site: siteId });
}

/** The app of a guarded route. */
export function appOf(request: FastifyRequest): AppPrincipal {
  if (!request.appPrincipal) throw new MaxfiyError('MXF_APP_CREDENTIAL_INVALID');
  return request.appPrincipal;
}

/** The audit actor of a route open to apps and staff: `app:<credential id>` or `staff:<id>`. */
export function callerActor(request: unknown): string {
  const r = request as FastifyRequest;
  if (r.appPrincipal) return `app:${r.appPrincipal.credentialId}`;
  if (r.staff) return `staff:${r.staff.id}`;
  throw new MaxfiyError('MXF_AUTH_REQUIRED');
}
