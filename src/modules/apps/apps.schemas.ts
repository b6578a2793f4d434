import { Type } from 'typebox';
import { OrgId } from '../org/org.schemas.js';

/** What an app credential may be used for; each maps to a family of routes. */
export const APP_SCOPES = ['decisions', 'consents', 'agreements', 'cabinet'] as const;
export type AppScope = (typeof APP_SCOPES)[number];

export const AppScopeSchema = Type.Union([
  Type.Literal('decisions'),
  Type.Literal('consents'),
  Type.Literal('agreements'),
  Type.Literal('cabinet'),
]);

export const CredentialId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
});

export const IssueBody = Type.Object(
  {
    productId: OrgId,
    scopes: Type.Array(AppScopeSchema, { minItems: 1, maxItems: APP_SCOPES.length, uniqueItems: true }),
    label: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$',
    }),
  },
  { additionalProperties: false },
);

export const Credential = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  scopes: Type.Array(AppScopeSchema),
  label: Type.String(),
  createdAt: Type.Integer(),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export const IssuedCredential = Type.Intersect([
  Credential,
  Type.Object({
    secret: Type.String({ description: 'Shown once: send it as `Authorization: Bearer <secret>`.' }),
  }),
]);

export interface CredentialView {
  id: string;
  productId: string;
  scopes: AppScope[];
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
