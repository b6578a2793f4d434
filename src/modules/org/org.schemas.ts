import { type Static, Type } from 'typebox';

const Lang = { 'uz-Cyrl': Type.String(), 'uz-Latn': Type.String(), ru: Type.String(), en: Type.String() };

/** A product or site id: lower-case letters, digits, dots and dashes (a site's id is its domain). */
export const OrgId = Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,62}$', maxLength: 63 });
const Name = Type.String({ minLength: 1, maxLength: 120 });
const HttpsUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 500 });

export const Company = Type.Object(
  {
    id: OrgId,
    name: Name,
    legalNames: Type.Object(Lang, { additionalProperties: false }),
    city: Name,
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
    tin: Type.Union([Type.String({ pattern: '^[0-9]{9}$' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Company = Static<typeof Company>;

export const Product = Type.Object(
  { id: OrgId, name: Name, siteId: Type.Union([OrgId, Type.Null()]) },
  { additionalProperties: false },
);
export type Product = Static<typeof Product>;

export const Site = Type.Object(
  { id: OrgId, name: Name, origin: HttpsUrl, agreementUrl: HttpsUrl },
  { additionalProperties: false },
);
export type Site = Static<typeof Site>;

/** The company file (`config/company.json`): what a deployment ships with. */
export const CompanyFile = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    company: Company,
    products: Type.Array(
      Type.Object({ id: OrgId, name: Name, siteId: Type.Optional(OrgId) }, { additionalProperties: false }),
      { maxItems: 1000 },
    ),
    sites: Type.Array(Site, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
export type CompanyFile = Static<typeof CompanyFile>;

export const ProductPatch = Type.Object(
  { name: Type.Optional(Name), siteId: Type.Optional(Type.Union([OrgId, Type.Null()])) },
  { additionalProperties: false, minProperties: 1 },
);
export type ProductPatch = Static<typeof ProductPatch>;

export const SitePatch = Type.Object(
  { name: Type.Optional(Name), origin: Type.Optional(HttpsUrl), agreementUrl: Type.Optional(HttpsUrl) },
  { additionalProperties: false, minProperties: 1 },
);
export type SitePatch = Static<typeof SitePatch>;

export const CompanyPatch = Type.Object(
  {
    name: Type.Optional(Name),
    legalNames: Type.Optional(Type.Object(Lang, { additionalProperties: false })),
    city: Type.Optional(Name),
    tin: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{9}$' }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CompanyPatch = Static<typeof CompanyPatch>;
