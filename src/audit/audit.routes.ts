/**
 * Public routes of the audit log: the signed tree head, the key that signs it,
 * and proofs. They expose hashes and sizes only, never entries, so they need
 * no authentication.
 *
 * `GET /v1/audit/tree-head` returns the latest stored head and answers 404
 * MXF_AUDIT_NO_TREE_HEAD until the first is issued; it never issues one on
 * demand, so an anonymous request cannot make the server write or sign.
 * Unknown query parameters (`lang`, cache-busters) are ignored.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MaxfiyError } from '../errors.js';
import { errors } from '../http/schemas.js';
import type { AuditLog } from './audit.service.js';

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/**
 * A count in the query string. A digit string rather than an integer schema: the
 * TypeBox conversion would turn "1.5" into 1 and "" into 0, and a proof for
 * another entry than the one asked for is worse than a 400.
 */
const QuerySize = Type.String({
  pattern: '^(0|[1-9][0-9]{0,14})$',
  description: 'a whole number, decimal digits',
});

export const TreeHeadResponse = Type.Object({
  treeSize: Size,
  rootHash: Hash,
  timestamp: Type.Integer({ description: 'milliseconds since the epoch' }),
  signature: Type.String({
    description:
      'base64 Ed25519 signature over the UTF-8 bytes `maxfiy-sth/1\\n<treeSize>\\n<rootHash>\\n<timestamp>`',
  }),
  keyId: Type.String({
    pattern: '^[0-9a-f]{16}$',
    description: 'first 16 hex digits of SHA-256 of the raw public key',
  }),
});

export const PublicKeyResponse = Type.Object({
  keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  fingerprint: Type.String({
    pattern: '^[0-9a-f]{64}$',
    description:
      'SHA-256 of the raw public key, all 64 hex digits: pass it to `maxfiy receipt verify --key-id` and `maxfiy audit verify --key-id`',
  }),
  publicKeyPem: Type.String({ description: 'SubjectPublicKeyInfo, PEM' }),
  publicKeyJwk: Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String() }),
});

export const InclusionQuery = Type.Object({ seq: QuerySize, treeSize: QuerySize });
export const InclusionResponse = Type.Object({
  seq: Size,
  treeSize: Size,
  leafHash: Hash,
  path: Type.Array(Hash, { description: 'RFC 9162 inclusion path, deepest sibling first' }),
});

export const ConsistencyQuery = Type.Object({ first: QuerySize, second: QuerySize });
export const ConsistencyResponse = Type.Object({
  first: Size,
  second: Size,
  path: Type.Array(Hash, { description: 'RFC 9162 consistency proof' }),
});

const tags = ['audit'];

export function auditRoutes(audit: AuditLog): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/audit/tree-head',
      {
        schema: {
          tags,
          summary: 'The latest signed tree head of the audit log',
          response: { 200: TreeHeadResponse, ...errors(404) },
        },
      },
      async () => {
        const head = await audit.latestTreeHead();
        if (!head) throw new MaxfiyError('MXF_AUDIT_NO_TREE_HEAD');
        return {
          treeSize: head.treeSize,
          rootHash: head.rootHash.toString('hex'),
          timestamp: head.timestamp,
          signature: head.signature.toString('base64'),
          keyId: head.keyId,
        };
      },
    );

    app.get(
      '/v1/audit/public-key',
      {
        schema: {
          tags,
          summary: 'The Ed25519 key that signs tree heads',
          response: { 200: PublicKeyResponse, ...errors() },
        },
      },
      async () => audit.publicKey(),
    );

    app.get(
      '/v1/audit/proofs/inclusion',
      {
        schema: {
          tags,
          summary: 'Proof that entry `seq` is in the tree of size `treeSize`',
          querystring: InclusionQuery,
          response: { 200: InclusionResponse, ...errors() },
        },
      },
      async (request) => {
        const proof = await audit.inclusionProof(Number(request.query.seq), Number(request.query.treeSize));
        return {
          seq: proof.seq,
          treeSize: proof.treeSize,
          leafHash: proof.leafHash.toString('hex'),
          path: proof.path.map((h) => h.toString('hex')),
        };
      },
    );

    app.get(
      '/v1/audit/proofs/consistency',
      {
        schema: {
          tags,
          summary: 'Proof that the tree of size `first` is a prefix of the tree of size `second`',
          querystring: ConsistencyQuery,
          response: { 200: ConsistencyResponse, ...errors() },
        },
      },
      async (request) => {
        const proof = await audit.consistencyProof(Number(request.query.first), Number(request.query.second));
        return { first: proof.first, second: proof.second, path: proof.path.map((h) => h.toString('hex')) };
      },
    );
  };
}
