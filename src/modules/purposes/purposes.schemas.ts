import { type Static, Type } from 'typebox';

export const RegisterId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const DataClass = Type.Union([
  Type.Literal('cabinet'),
  Type.Literal('personal'),
  Type.Literal('usage'),
  Type.Literal('depersonalised'),
]);
export type DataClass = Static<typeof DataClass>;

export const LegalBasis = Type.Union([
  Type.Literal('contract'),
  Type.Literal('consent'),
  Type.Literal('legitimate-interest'),
  Type.Literal('legal-obligation'),
]);
export type LegalBasis = Static<typeof LegalBasis>;

export const DataStore = Type.Object(
  { id: RegisterId, country: Type.String({ pattern: '^[A-Z]{2}$' }), description: Name },
  { additionalProperties: false },
);
export type DataStore = Static<typeof DataStore>;

export const DataCategory = Type.Object(
  { id: RegisterId, name: Name, class: DataClass, storeId: RegisterId, mustStayInUz: Type.Boolean() },
  { additionalProperties: false },
);
export type DataCategory = Static<typeof DataCategory>;

/** What a purpose version says; an edit writes a new one. */
export const PurposeDefinition = Type.Object(
  {
    name: Name,
    legalBasis: LegalBasis,
    /** Why this basis: the register has to justify it. */
    rationale: Type.String({ minLength: 1, maxLength: 2000 }),
    categories: Type.Array(RegisterId, { minItems: 1, maxItems: 100, uniqueItems: true }),
    /** Days the data may be kept for this purpose; null: for the term of the contract. */
    retentionDays: Type.Union([Type.Integer({ minimum: 1, maximum: 36500 }), Type.Null()]),
    /** Processed by automated means (§14). */
    automated: Type.Boolean(),
    /** May see depersonalised data only (research, statistics). */
    depersonalisedOnly: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PurposeDefinition = Static<typeof PurposeDefinition>;

export const Purpose = Type.Object(
  {
    id: RegisterId,
    version: Type.Integer({ minimum: 1 }),
    ...PurposeDefinition.properties,
  },
  { additionalProperties: false },
);
export type Purpose = Static<typeof Purpose>;

export const PurposeVersion = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    createdAt: Type.Integer(),
    createdBy: Type.String(),
    definition: PurposeDefinition,
  },
  { additionalProperties: false },
);
export type PurposeVersion = Static<typeof PurposeVersion>;

/** `config/purposes.json`: the register a deployment ships with. */
export const RegisterFile = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    stores: Type.Array(DataStore, { minItems: 1, maxItems: 100 }),
    categories: Type.Array(DataCategory, { minItems: 1, maxItems: 1000 }),
    purposes: Type.Array(
      Type.Object({ id: RegisterId, ...PurposeDefinition.properties }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 1000,
      },
    ),
  },
  { additionalProperties: false },
);
export type RegisterFile = Static<typeof RegisterFile>;

export const CategoryPlacement = Type.Object({ storeId: RegisterId }, { additionalProperties: false });
