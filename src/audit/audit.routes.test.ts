import { createHash, createPublicKey, verify } from 'node:crypto';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { ManualClock } from '../clock.js';
import type { Keyring } from '../crypto/keyring.js';
import { catalogue, MaxfiyError } from '../errors.js';
import { ErrorResponse } from '../http/schemas.js';
import { auditRoutes } from './audit.routes.js';
import { type AuditLog, createAuditLog } from './audit.service.js';
import { verifyConsistency, verifyInclusion } from './merkle.js';
import { treeHeadBytes } from './tree-head.js';

function fakeKeyring(): Pick<Keyring, 'secret'> {
  const secrets = new Map<string, Buffer>();
  return {
    async secret(name, generate) {
      const known = secrets.get(name) ?? generate();
      secrets.set(name, known);
      return known;
    },
  };
}

describe('audit routes', () => {
  let t: TestDatabase;
  let audit: AuditLog;
  let app: FastifyInstance;
  // Every route's declared responses, so each answer is checked against its status's schema.
  const declared = new Map<string, Record<string, TSchema>>();

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    audit = createAuditLog({
      database: t.database,
      keyring: fakeKeyring(),
      clock: new ManualClock(),
      options: { treeHeadEveryEntries: 1000, treeHeadEverySeconds: 60 },
    });
    app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler);
    app.addSchema(ErrorResponse);
    app.addHook('onRoute', (route) => {
      declared.set(route.url, (route.schema?.response ?? {}) as Record<string, TSchema>);
    });
    // The app's handler in miniature: catalogued errors as `{ error: { code, message, requestId } }`.
    app.setErrorHandler((err, request, reply) => {
      const e =
        err instanceof MaxfiyError
          ? err
          : (err as { validation?: unknown }).validation
            ? new MaxfiyError('MXF_REQUEST_INVALID', { field: 'query' })
            : new MaxfiyError('MXF_SERVER_INTERNAL', { requestId: request.id });
      return reply
        .status(e.status)
        .send({ error: { code: e.code, message: catalogue[e.code].messages.en, requestId: request.id } });
    });
    await app.register(auditRoutes(audit));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });

  async function get(url: string) {
    const res = await app.inject({ method: 'GET', url });
    const route = url.split('?')[0] as string;
    const schema = declared.get(route)?.[String(res.statusCode)];
    expect(schema, `${url} answered an undeclared ${res.statusCode}`).toBeDefined();
    const body = res.json();
    expect(Value.Check(schema as TSchema, body), `${url} body does not match its schema`).toBe(true);
    return { status: res.statusCode, body };
  }

  it('answers 404 MXF_AUDIT_NO_TREE_HEAD before the first tree head', async () => {
    expect(await get('/v1/audit/tree-head')).toMatchObject({
      status: 404,
      body: { error: { code: 'MXF_AUDIT_NO_TREE_HEAD' } },
    });
  });

  it('serves a signed tree head that verifies with the published public key, and proofs against it', async () => {
    await t.database.write(async (trx) => {
      for (let i = 0; i < 13; i++)
        await audit.append(trx, { actor: 'system', action: 'test.event', details: { i } });
    });
    const first = await audit.issueTreeHead();
    await t.database.write((trx) => audit.append(trx, { actor: 'system', action: 'test.event' }));
    await audit.issueTreeHead();

    const head = (await get('/v1/audit/tree-head')).body;
    const key = (await get('/v1/audit/public-key')).body;
    expect(head).toMatchObject({ treeSize: 14, keyId: key.keyId });
    // The fingerprint is SHA-256 of the raw key, whole; the id its first 16 digits.
    const raw = Buffer.from(key.publicKeyJwk.x, 'base64url');
    expect(key.fingerprint).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(key.fingerprint.slice(0, 16)).toBe(key.keyId);
    const root = Buffer.from(head.rootHash, 'hex');
    const signed = treeHeadBytes(head.treeSize, root, head.timestamp);
    expect(
      verify(null, signed, createPublicKey(key.publicKeyPem), Buffer.from(head.signature, 'base64')),
    ).toBe(true);
    expect(
      verify(
        null,
        signed,
        createPublicKey({ key: key.publicKeyJwk, format: 'jwk' }),
        Buffer.from(head.signature, 'base64'),
      ),
    ).toBe(true);

    const inclusion = (await get('/v1/audit/proofs/inclusion?seq=5&treeSize=14')).body;
    const hashes = (hex: string[]) => hex.map((h) => Buffer.from(h, 'hex'));
    expect(inclusion.seq).toBe(5);
    expect(verifyInclusion(5, 14, Buffer.from(inclusion.leafHash, 'hex'), hashes(inclusion.path), root)).toBe(
      true,
    );

    const consistency = (await get('/v1/audit/proofs/consistency?first=13&second=14')).body;
    expect(
      verifyConsistency(13, 14, hashes(consistency.path), first?.rootHash ?? Buffer.alloc(0), root),
    ).toBe(true);
  });

  it.each([
    ['/v1/audit/proofs/inclusion?seq=14&treeSize=14', 'MXF_AUDIT_SEQ_OUT_OF_RANGE'],
    ['/v1/audit/proofs/inclusion?seq=0&treeSize=15', 'MXF_AUDIT_TREE_SIZE_TOO_LARGE'],
    ['/v1/audit/proofs/consistency?first=0&second=14', 'MXF_AUDIT_CONSISTENCY_RANGE'],
    ['/v1/audit/proofs/consistency?first=9&second=3', 'MXF_AUDIT_CONSISTENCY_RANGE'],
    ['/v1/audit/proofs/consistency?first=1&second=99', 'MXF_AUDIT_TREE_SIZE_TOO_LARGE'],
    ['/v1/audit/proofs/inclusion?seq=-1&treeSize=14', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=abc&treeSize=14', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=1.5&treeSize=14', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=1&treeSize=100000000000000000000000', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=1', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=&treeSize=14', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=0x1&treeSize=14', 'MXF_REQUEST_INVALID'],
    ['/v1/audit/proofs/inclusion?seq=1&seq=2&treeSize=14', 'MXF_REQUEST_INVALID'],
    [`/v1/audit/proofs/consistency?first=${'9'.repeat(5000)}&second=1`, 'MXF_REQUEST_INVALID'],
  ])('answers %s with 400 %s', async (url, code) => {
    expect(await get(url)).toMatchObject({ status: 400, body: { error: { code } } });
  });
});
