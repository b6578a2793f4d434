import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Services } from './container.js';
import { MaxfiyError } from './errors.js';
import { registerDocs } from './http/docs.routes.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/error-handler.js';
import { healthRoutes } from './http/health.routes.js';
import { registerRateLimit } from './http/rate-limit.js';
import { ErrorResponse } from './http/schemas.js';
import { answerHeaders, crossSiteCheck, registerSecurityHeaders } from './http/security-headers.js';
import { validatorCompiler } from './http/validator.js';
import { registerRoutes } from './routes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the built web app is: `dist/web`, whether this runs from `dist/src/` or from `src/` (tests). */
export function defaultWebRoot(): string {
  const fromDist = path.basename(path.dirname(here)) === 'dist';
  return fromDist ? path.resolve(here, '../web') : path.resolve(here, '../dist/web');
}

/**
 * One line per answered request with the route pattern, never the URL: query
 * strings and path parameters can carry tokens and identifiers.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) request.log.error(line, 'request failed');
    else request.log.info(line, 'request completed');
  }
}

export interface BuildOptions {
  services: Services;
  /** The process logger, or `false` for silence (tests). Default: a new one at the configured level. */
  logger?: Logger | false;
  /** Fail any answer whose status the route does not declare (tests turn it on). */
  strictResponses?: boolean;
  webRoot?: string;
}

/** Routes the rate limit never throttles; checked on every request, so a Set. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** Fields pino removes from every log line: credentials and anything that could be personal data. */
export const REDACTED_LOG_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'err.detail',
  'err.parameters',
  // Node's parser errors carry the raw bytes received; clientErrorHandler never logs them, and this is the guard.
  'err.rawPacket',
];

/** The HTTP application, ready for `inject()` or `listen()`. */
export async function build(opts: BuildOptions): Promise<FastifyInstance> {
  const { services } = opts;
  const { options } = services;
  const setHeaders = answerHeaders(options.publicUrl);
  const app = Fastify({
    ...(opts.logger
      ? { loggerInstance: opts.logger }
      : { logger: opts.logger === false ? false : { level: options.logLevel, redact: REDACTED_LOG_PATHS } }),
    bodyLimit: options.bodyLimit,
    // Request ids are ours: a client-sent id could smuggle text into the logs.
    genReqId: () => crypto.randomUUID(),
    logController: new RequestLog({ requestIdLogLabel: 'requestId' }),
    trustProxy: options.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler(setHeaders),
    clientErrorHandler,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ErrorResponse);

  registerErrorHandling(app, { strictResponses: opts.strictResponses ?? false, metrics: services.metrics });

  registerSecurityHeaders(app, setHeaders, crossSiteCheck(options.publicUrl));
  registerRateLimit(app, {
    max: options.rateLimitPerMinute,
    windowMs: 60_000,
    // Windows are intervals: measured on a clock that never steps back when NTP sets the time.
    now: () => services.clock.monotonic?.() ?? services.clock.now(),
    // Operators' probes must not be throttled out of seeing an outage: by the
    // route the router matched, so `/healthz/` and `/%68ealthz` count as the probe.
    exempt: (request) => PROBES.has(request.routeOptions.url ?? ''),
  });
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'maxfiy API',
        version: '1',
        description:
          'Personal-data protection: one identity, the agreement, consents, rights and a tamper-evident audit log.\n\n' +
          'Every error answer is `{ "error": { "code", "message", "requestId" } }` with a code from the catalogue (docs/errors.md), ' +
          'its message in the language of `?lang=` or `Accept-Language` (uz-Cyrl, uz-Latn, ru, en). Besides the statuses each ' +
          'operation lists, any operation with a body may answer 413 (MXF_REQUEST_TOO_LARGE) or 415 (MXF_REQUEST_UNSUPPORTED_MEDIA_TYPE), ' +
          'and any may answer 414 (MXF_REQUEST_URI_TOO_LONG). Any operation that changes something answers 403 (MXF_REQUEST_CROSS_SITE) ' +
          'to a request with a cookie sent from another site’s page (`Sec-Fetch-Site: same-site` or `cross-site`).',
      },
      servers: [{ url: options.publicUrl }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });

  await app.register(healthRoutes(services));
  await registerRoutes(app, services);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerDocs(app);

  await registerWeb(app, opts.webRoot ?? defaultWebRoot());
  return app;
}

/** The cabinet at `/`, the console at `/admin/`; client-side routes fall back to their shell. */
async function registerWeb(app: FastifyInstance, root: string): Promise<void> {
  const built = existsSync(path.join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      cacheControl: false,
      serve: false,
    });
    app.get('/assets/*', { schema: { hide: true } }, (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`assets/${file}`);
    });
    app.get('/favicon.svg', { schema: { hide: true } }, (_req, reply) => reply.sendFile('favicon.svg'));
  }
  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    const isPage = req.method === 'GET' && !/^\/(v1|oidc|sites)\//.test(url) && !path.extname(url);
    if (isPage && built) {
      const shell = url === '/admin' || url.startsWith('/admin/') ? 'admin.html' : 'index.html';
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile(shell);
    }
    throw new MaxfiyError('MXF_ROUTE_NOT_FOUND');
  });
}
