import { type Static, Type } from 'typebox';

/** An http(s) URL without a fragment; the service checks the rest (https, or http on loopback only). */
const Uri = Type.String({ minLength: 8, maxLength: 500, pattern: '^https?://[^\\s#]+$' });

export const ClientId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' });

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
  source: Type.Union([Type.Literal('config'), Type.Literal('admin')]),
  createdAt: Type.Integer(),
});
export type ClientView = Static<typeof Client>;
