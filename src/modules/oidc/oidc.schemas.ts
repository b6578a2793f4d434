import { type Static, Type } from 'typebox';

/** An http(s) URL without a fragment; the service checks the rest (https, or http on loopback only). */
const Uri = Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://[^\\s#]+$' });

export const ClientId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' });

const KeyPart = Type.String({ minLength: 1, maxLength: 1400, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * A public signing key of a relying party's server, as a JWK: elliptic-curve,
 * Ed25519 or RSA. Only public members are admitted, so a private key pasted by
 * mistake (`d`, `p`, `q`, …) or a shared secret (`k`) is refused, never stored.
 */
const PublicJwk = Type.Object(
  {
    kty: Type.Union([Type.Literal('EC'), Type.Literal('OKP'), Type.Literal('RSA')]),
    kid: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[\x21-\x7e]+$' })),
    use: Type.Optional(Type.Literal('sig')),
    alg: Type.Optional(
      Type.Union(
        ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'].map((a) =>
          Type.Literal(a),
        ),
      ),
    ),
    crv: Type.Optional(
      Type.Union([
        Type.Literal('P-256'),
        Type.Literal('P-384'),
        Type.Literal('P-521'),
        Type.Literal('Ed25519'),
      ]),
    ),
    x: Type.Optional(KeyPart),
    y: Type.Optional(KeyPart),
    n: Type.Optional(KeyPart),
    e: Type.Optional(KeyPart),
  },
  { additionalProperties: false },
);

/** The keys a confidential client signs its token-endpoint assertions with (private_key_jwt). */
export const ClientJwks = Type.Object(
  { keys: Type.Array(PublicJwk, { minItems: 1, maxItems: 5 }) },
  { additionalProperties: false },
);
export type ClientJwks = Static<typeof ClientJwks>;

/** A relying party as config/oidc.json and the administrators' API describe it. */
export const ClientInput = Type.Object(
  {
    clientId: ClientId,
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[^\\x00-\\x1f\\x7f<>]*\\S[^\\x00-\\x1f\\x7f<>]*$',
      }),
    ),
    redirectUris: Type.Array(Uri, { minItems: 1, maxItems: 10, uniqueItems: true }),
    postLogoutRedirectUris: Type.Optional(Type.Array(Uri, { maxItems: 10, uniqueItems: true })),
    backchannelLogoutUri: Type.Optional(Uri),
    jwks: Type.Optional(ClientJwks),
  },
  { additionalProperties: false },
);
export type ClientInput = Static<typeof ClientInput>;

export const OidcConfigFile = Type.Object(
  { $comment: Type.Optional(Type.String()), clients: Type.Array(ClientInput, { maxItems: 100 }) },
  { additionalProperties: false },
);
export type OidcConfigFile = Static<typeof OidcConfigFile>;

export const Client = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  redirectUris: Type.Array(Type.String()),
  postLogoutRedirectUris: Type.Array(Type.String()),
  backchannelLogoutUri: Type.Union([Type.String(), Type.Null()]),
  tokenEndpointAuth: Type.Union([Type.Literal('none'), Type.Literal('private_key_jwt')], {
    description:
      'none: a public client (browser or mobile app) proving itself with PKCE alone; private_key_jwt: a server that also signs an assertion with one of its registered keys.',
  }),
  keyIds: Type.Array(Type.String(), {
    description: 'The kid of each registered public key (private_key_jwt).',
  }),
  source: Type.Union([Type.Literal('config'), Type.Literal('admin')]),
  createdAt: Type.Integer(),
});
export type ClientView = Static<typeof Client>;

/** An app the signed-in customer allowed, as the cabinet lists it. */
export const AppGrant = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String(), {
    description: 'What the app may see: openid, email, phone, offline_access, cabinet.',
  }),
  allowedAt: Type.Integer({ description: 'When the customer first allowed it (ms).' }),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()], {
    description: 'When it last got a code or token for the customer (ms), if the provider still holds one.',
  }),
});
