import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { catalogue, type ErrorCode, MaxfiyError } from '../errors.js';
import { formatMessage, type Language, pickLanguage } from '../i18n/errors-define.js';
import type { Metrics } from './metrics.js';
import { type AnswerHeaders, refusedAsCrossSite } from './security-headers.js';

interface ValidationIssue {
  instancePath?: string;
  schemaPath?: string;
  params?: { additionalProperties?: string[]; requiredProperties?: string[]; missingProperty?: string };
}

/**
 * The field one schema issue is about, as a dotted path, and whether the issue
 * is an unknown property. A name the client chose is never returned: the
 * instance path is followed only through the schema's own property names and
 * array indexes, and stops at a key that matched `additionalProperties` or
 * `patternProperties` (an unknown property, or a map's key). Required names
 * come from the schema.
 */
function fieldOf(issue: ValidationIssue): { name: string; depth: number; unknown: boolean } {
  const instance = (issue.instancePath ?? '').split('/').slice(1);
  const named: string[] = [];
  const schema = (issue.schemaPath ?? '').replace(/^#\/?/, '').split('/');
  let unknown = issue.params?.additionalProperties !== undefined;
  for (let i = 0; i < schema.length && named.length < instance.length; i++) {
    const step = schema[i];
    if (step === 'properties' || step === 'items' || step === 'prefixItems') {
      named.push(instance[named.length] as string);
      if (step === 'properties' || step === 'prefixItems') i++; // the property's name or the tuple position
    } else if (step === 'additionalProperties' || step === 'patternProperties') {
      unknown = true;
      break;
    }
  }
  const required = issue.params?.requiredProperties?.[0] ?? issue.params?.missingProperty;
  if (required !== undefined && !unknown) named.push(required);
  return { name: named.join('.'), depth: named.length, unknown };
}

/**
 * Names the offending field of a schema failure: the most specific one an
 * issue names (in a union each branch reports its own, and the branch that got
 * furthest is the one meant), a field the schema knows before an unknown
 * property's holder, the first of equals; else the part of the request
 * (`body`, `querystring`).
 */
function firstField(issues: ValidationIssue[], context: string | undefined): string {
  let best: ReturnType<typeof fieldOf> | undefined;
  for (const field of issues.map(fieldOf)) {
    if (!field.name) continue;
    if (!best || field.depth > best.depth || (field.depth === best.depth && best.unknown && !field.unknown))
      best = field;
  }
  return best?.name || context || 'body';
}

/** Maps anything thrown to a catalogued error. */
export function toMaxfiyError(err: unknown, requestId: string): MaxfiyError {
  if (err instanceof MaxfiyError) return err;
  const e = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (e.validation) {
    return new MaxfiyError('MXF_REQUEST_INVALID', { field: firstField(e.validation, e.validationContext) });
  }
  switch (e.code) {
    case 'FST_ERR_BAD_URL':
      return new MaxfiyError('MXF_REQUEST_URL_MALFORMED');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MaxfiyError('MXF_REQUEST_MALFORMED');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MaxfiyError('MXF_REQUEST_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new MaxfiyError('MXF_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  }
  if (e instanceof SyntaxError || e.statusCode === 400) return new MaxfiyError('MXF_REQUEST_MALFORMED');
  if (e.statusCode === 414) return new MaxfiyError('MXF_REQUEST_URI_TOO_LONG');
  if (e.statusCode === 413) return new MaxfiyError('MXF_REQUEST_TOO_LARGE');
  if (e.statusCode === 415) return new MaxfiyError('MXF_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  if (e.statusCode === 404) return new MaxfiyError('MXF_ROUTE_NOT_FOUND');
  return new MaxfiyError('MXF_SERVER_INTERNAL', { requestId });
}

export function renderError(err: MaxfiyError, request: FastifyRequest) {
  return errorBody(err, pickLanguage(langAsked(request), request.headers['accept-language']), request.id);
}

/** The catalogued error answer: code, message in `lang`, request id, and the field or retry time it names. */
function errorBody(err: MaxfiyError, lang: Language, requestId: string) {
  const def = catalogue[err.code as ErrorCode];
  const body: { code: string; message: string; requestId: string; field?: string; retryAfter?: number } = {
    code: err.code,
    message: formatMessage(def.messages[lang], { ...err.params, requestId }),
    requestId,
  };
  if (typeof err.params.field === 'string') body.field = err.params.field;
  if (typeof err.params.retryAfter === 'number') body.retryAfter = err.params.retryAfter;
  return { error: body };
}

/**
 * Answers the framework gives before a route's own code runs (body too large,
 * wrong media type, address too long): documented once in the API description
 * rather than on every operation.
 */
const FRAMEWORK_STATUSES = new Set([413, 414, 415]);

/**
 * The `?lang=` of the request. Fastify leaves `query` null on a request it
 * refuses before routing (a broken percent escape), so it is read from the raw
 * address there; URLSearchParams does not throw on a bad escape.
 */
function langAsked(request: FastifyRequest): string | undefined {
  const parsed = (request.query ?? undefined) as { lang?: unknown } | undefined;
  if (parsed) return typeof parsed.lang === 'string' ? parsed.lang : undefined;
  const url = request.raw.url ?? '';
  const at = url.indexOf('?');
  return at < 0 ? undefined : (new URLSearchParams(url.slice(at + 1)).get('lang') ?? undefined);
}

/**
 * Fastify's `frameworkErrors`: what it refuses before any hook or route runs,
 * a path whose percent escape does not decode above all, answered from the
 * catalogue (its own answer echoed the whole path), with the same headers as
 * every other answer.
 */
export function frameworkErrorHandler(setHeaders: AnswerHeaders) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    setHeaders(request, reply);
    reply.header('cache-control', 'no-store');
    return answerError(err, request, reply);
  };
}

/**
 * Requests Node's parser cannot read (a broken request line or header, headers
 * over the limit, one that never arrives whole): Fastify's default answer is
 * not from the catalogue, and it logs the error whole, and the error carries
 * the raw bytes received (`rawPacket`: cookies, query and body). This answers
 * with the catalogued error, in English as nothing of the request can be
 * trusted, logs the parser's code only, and closes the connection.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: Error & { code?: string },
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = new MaxfiyError(
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'MXF_REQUEST_TIMEOUT'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? 'MXF_REQUEST_HEADERS_TOO_LARGE'
        : 'MXF_REQUEST_HTTP_MALFORMED',
  );
  const { code, status } = refusal;
  const requestId = randomUUID();
  // Debug, not info: anyone can send these, as often as they like.
  this.log.debug({ code, parserCode: err.code, requestId }, 'request refused');
  // An answer already under way on this connection (a timeout after it began) cannot take another.
  const underWay = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    ?.headersSent;
  if (socket.writable && !underWay) {
    const body = JSON.stringify(errorBody(refusal, 'en', requestId));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'cache-control: no-store\r\nx-content-type-options: nosniff\r\n' +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Answers anything thrown with its catalogued error, logged by code (a 5xx with the error's own fields). */
function answerError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toMaxfiyError(err, request.id);
  if (mapped.status >= 500) {
    // The error's own fields only: its message is ours or the driver's, and the
    // redaction paths drop driver details that can echo values.
    request.log.error({ err, code: mapped.code }, 'request failed');
  } else {
    request.log.info({ code: mapped.code, status: mapped.status }, 'request refused');
  }
  if (typeof mapped.params.retryAfter === 'number')
    reply.header('retry-after', String(mapped.params.retryAfter));
  return reply.status(mapped.status).send(renderError(mapped, request));
}

export function registerErrorHandling(
  app: FastifyInstance,
  opts: { strictResponses: boolean; metrics: Metrics },
): void {
  app.setErrorHandler(answerError);

  // Tests: a route that answers a status it does not declare fails loudly.
  app.addHook('onRoute', (route) => {
    const declared = route.schema?.response ? Object.keys(route.schema.response as object) : undefined;
    if (!opts.strictResponses || !declared) return;
    const hooks = Array.isArray(route.onSend) ? route.onSend : route.onSend ? [route.onSend] : [];
    route.onSend = [
      ...hooks,
      async (req, reply, payload) => {
        const status = String(reply.statusCode);
        const ok =
          FRAMEWORK_STATUSES.has(reply.statusCode) ||
          (reply.statusCode === 403 && refusedAsCrossSite.has(req)) ||
          declared.includes(status) ||
          declared.includes(`${status[0]}xx`) ||
          declared.includes('default');
        if (!ok) throw new Error(`route ${route.method} ${route.url} sent undeclared status ${status}`);
        return payload;
      },
    ];
  });

  // The series of each method, route pattern and status, looked up once: every request counts.
  const series = new Map<string, { count: () => void; time: (seconds: number) => void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let s = series.get(key);
    if (s === undefined) {
      const { method } = request;
      s = {
        count: opts.metrics.counter('maxfiy_http_requests_total', 'HTTP requests answered.', {
          method,
          route,
          status: String(reply.statusCode),
        }),
        time: opts.metrics.histogram(
          'maxfiy_http_request_duration_seconds',
          'Time to answer an HTTP request.',
          { method, route },
        ),
      };
      // Route patterns, methods and statuses are few; the bound only guards against surprises.
      if (series.size < 10_000) series.set(key, s);
    }
    s.count();
    s.time(reply.elapsedTime / 1000);
    done();
  });
}
