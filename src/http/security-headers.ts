import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MaxfiyError } from '../errors.js';

/**
 * The security headers of every answer. They do not depend on the request, so
 * they are computed once at start and set with one call, instead of a dozen
 * middleware functions per request (that was a tenth of the CPU of a small
 * request). A route may override one (notice.js is loaded by other origins).
 */
export function securityHeaders(publicUrl: string): Record<string, string> {
  const https = publicUrl.startsWith('https:');
  const csp = [
    "default-src 'self'",
    "base-uri 'self'",
    "font-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "object-src 'none'",
    // OPAQUE runs as WebAssembly in the browser.
    "script-src 'self' 'wasm-unsafe-eval'",
    "script-src-attr 'none'",
    // Inbox mail shown in a sandboxed frame, and the API reference, style inline.
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "frame-src 'self'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
  return {
    'content-security-policy': csp,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
    ...(https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * API answers carry personal data (a cabinet, consents, a customer's state):
 * no browser or proxy may keep a copy (OWASP ASVS 8.2.1). Only answers to GET
 * and HEAD can be stored without explicit freshness (RFC 9111 §3), so those
 * are the ones marked; a route that publishes something cacheable sets its
 * own header, which wins.
 */
const API_PREFIX = '/v1/';

export type AnswerHeaders = (request: FastifyRequest, reply: FastifyReply) => void;

/** Sets what every answer carries: the security headers, the request id, and no-store on API reads. */
export function answerHeaders(publicUrl: string): AnswerHeaders {
  const headers = securityHeaders(publicUrl);
  return (request, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    if ((request.method === 'GET' || request.method === 'HEAD') && request.url.startsWith(API_PREFIX))
      reply.header('cache-control', 'no-store');
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A change to the API sent with a cookie from another site's page, a sibling
 * subdomain's included, is refused. SameSite=Lax keeps the customer cookie off
 * requests from other sites, but a subdomain of the same site (a product's
 * page with a flaw in it) counts as the same site; the console and the cabinet
 * send from this origin only. Browsers say where a request comes from in
 * `Sec-Fetch-Site`. One that sends none (Safari before 16.4) still sends
 * `Origin` with a change: any origin but this service's own (its public URL,
 * or the host the request was sent to) is refused, `null` included. A client
 * that sends neither (an app with its bearer credential, a test) is not a
 * browser page and is let through.
 */
export function crossSiteCheck(publicUrl: string): (request: FastifyRequest) => boolean {
  const own = new URL(publicUrl).origin;
  return (request) => {
    if (SAFE_METHODS.has(request.method) || request.headers.cookie === undefined) return false;
    // The route the router matched, not the address as sent: `/%76%31/…` is routed to `/v1/…`.
    if (!(request.routeOptions.url ?? '').startsWith(API_PREFIX)) return false;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined) return site === 'cross-site' || site === 'same-site';
    const origin = request.headers.origin;
    return origin !== undefined && origin !== own && hostOf(origin) !== request.headers.host;
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `null` and anything else that is no origin
  }
}

/** The requests refused as cross-site changes: the strict-response check lets their 403 pass. */
export const refusedAsCrossSite = new WeakSet<FastifyRequest>();

/** Every answer gets `apply` (answerHeaders) before its route runs; a cross-site change (`crossSiteCheck`) is refused there. */
export function registerSecurityHeaders(
  app: FastifyInstance,
  apply: AnswerHeaders,
  isCrossSiteChange: (request: FastifyRequest) => boolean,
): void {
  app.addHook('onRequest', (request, reply, done) => {
    apply(request, reply);
    if (!isCrossSiteChange(request)) return done();
    refusedAsCrossSite.add(request);
    done(new MaxfiyError('MXF_REQUEST_CROSS_SITE'));
  });
}
