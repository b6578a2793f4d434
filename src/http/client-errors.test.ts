import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { build, REDACTED_LOG_PATHS } from '../app.js';

const SECRETS = ['SESSIONSECRET123', 'query.leak@example.com', 'body.leak@example.com'];

/** Sends `bytes` as they are and reads the whole answer, until the server closes the connection. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * Requests Node's HTTP parser refuses never reach a route: they are answered
 * here with a catalogued error, and logged by code only, never with the bytes
 * received (the parser's error carries them: cookies, query and body).
 */
describe('requests that are not well-formed HTTP', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let port: number;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // The most a log can hold: every level on (the refusal itself is logged at debug).
    app = await build({
      services: t.services,
      logger: pino({ level: 'trace', redact: REDACTED_LOG_PATHS }, stream),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const body = '{"contact":"body.leak@example.com"}';
  it.each([
    [
      'a header name with a space',
      `POST /v1/signup/start?email=query.leak@example.com HTTP/1.1\r\nHost: x\r\nCookie: mxf_session=SESSIONSECRET123\r\nBad Header: y\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      400,
      'MXF_REQUEST_HTTP_MALFORMED',
    ],
    [
      'a request line with no version Node knows',
      `GET /v1/me/profile?email=query.leak@example.com HTTP/7.3\r\nCookie: mxf_session=SESSIONSECRET123\r\n\r\n`,
      400,
      'MXF_REQUEST_HTTP_MALFORMED',
    ],
    [
      'headers over the limit',
      `GET /v1/me/profile?email=query.leak@example.com HTTP/1.1\r\nHost: x\r\nCookie: mxf_session=SESSIONSECRET123\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'MXF_REQUEST_HEADERS_TOO_LARGE',
    ],
  ])('answers %s with the catalogued error and logs no byte of it', async (_name, bytes, status, code) => {
    lines.length = 0;
    const answer = await raw(port, bytes);
    const [head = '', json = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toContain('content-type: application/json; charset=utf-8');
    const error = JSON.parse(json).error;
    expect(error).toEqual({ code, message: expect.any(String), requestId: expect.any(String) });
    expect(head).toContain(`x-request-id: ${error.requestId}`);
    for (const secret of SECRETS) expect(answer).not.toContain(secret);

    const log = lines.join('');
    expect(log).toContain(`"code":"${code}"`);
    for (const secret of SECRETS) expect(log).not.toContain(secret);
    expect(log).not.toContain('rawPacket');
  });
});
