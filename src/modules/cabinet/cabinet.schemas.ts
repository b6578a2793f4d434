import { Type } from 'typebox';
import { Id } from '../identity/identity.schemas.js';

export { Id };

export const ProductId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });
/** A product's own name for a record: up to 200 characters, no control characters. */
export const RecordKey = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Kind = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Time = Type.Integer({ description: 'milliseconds since the epoch' });

export const ProductParams = Type.Object({ productId: ProductId }, { additionalProperties: false });
export const CustomerParams = Type.Object({ customerId: Id }, { additionalProperties: false });
export const GrantParams = Type.Object({ grantId: Id }, { additionalProperties: false });
export const GrantIdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const RecordsQuery = Type.Object({ productId: Type.Optional(ProductId) });

/**
 * A record's key travels in the body, never in the address: a product names
 * its records as it likes, a name can carry personal data, and addresses end
 * up in proxies' and load balancers' access logs.
 */
export const RecordBody = Type.Object(
  {
    key: RecordKey,
    value: Type.Unknown({ description: 'Any JSON, at most 64 KiB when serialised.' }),
    kind: Type.Optional(Kind),
  },
  { additionalProperties: false },
);
export const RecordKeyBody = Type.Object({ key: RecordKey }, { additionalProperties: false });

export const RecordSchema = Type.Object({
  productId: Type.String(),
  key: Type.String(),
  kind: Type.Union([Type.String(), Type.Null()]),
  value: Type.Unknown(),
  updatedAt: Time,
});
export const Records = Type.Object({ records: Type.Array(RecordSchema) });

export const ProductLinkSchema = Type.Object({
  productId: Type.String(),
  name: Type.String(),
  linked: Type.Boolean(),
  linkedAt: Type.Union([Time, Type.Null()]),
  records: Type.Integer(),
});

const Role = Type.Literal('support');
export const GranteeBody = Type.Union([
  Type.Object({ staffId: Id }, { additionalProperties: false }),
  Type.Object({ role: Role }, { additionalProperties: false }),
]);
export const GrantBody = Type.Object(
  {
    grantee: GranteeBody,
    productIds: Type.Array(ProductId, {
      maxItems: 100,
      uniqueItems: true,
      description: 'The products whose records the grantee may read; empty means every product.',
    }),
    hours: Type.Integer({ minimum: 1, maximum: 720 }),
    reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
  },
  { additionalProperties: false },
);

const GranteeSchema = Type.Union([
  Type.Object({ staffId: Type.String(), name: Type.String() }),
  Type.Object({ role: Type.String() }),
]);
export const GrantSchema = Type.Object({
  id: Type.String(),
  grantee: GranteeSchema,
  productIds: Type.Array(Type.String()),
  reason: Type.String(),
  createdAt: Time,
  expiresAt: Time,
  revokedAt: Type.Union([Time, Type.Null()]),
  live: Type.Boolean(),
});

export const GranteesSchema = Type.Object({
  staff: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  roles: Type.Array(Type.String()),
});

export const AccessSchema = Type.Object({
  at: Time,
  staffId: Type.String(),
  staffName: Type.Union([Type.String(), Type.Null()]),
  grantId: Type.String(),
  productIds: Type.Array(Type.String()),
  route: Type.String(),
});

/** A grant as its grantee sees it. */
export const GrantedSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  productIds: Type.Array(Type.String()),
  expiresAt: Time,
  reason: Type.String(),
});

/** A grant in force as oversight staff see it: who may read whose cabinet, never what is in it. */
export const GrantInForceSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  grantee: GranteeSchema,
  productIds: Type.Array(Type.String()),
  expiresAt: Time,
  reason: Type.String(),
});
