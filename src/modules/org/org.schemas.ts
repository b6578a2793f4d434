import { type Static, type TSchema, Type } from 'typebox';

const Lang = { 'uz-Cyrl': Type.String(), 'uz-Latn': Type.String(), ru: Type.String(), en: Type.String() };

/** A product or site id: lower-case letters, digits, dots and dashes (a site's id is its domain). */
export const OrgId = Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,62}$', maxLength: 63 });
const Name = Type.String({ minLength: 1, maxLength: 120 });
const HttpsUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 500 });
const Tin = Type.String({ pattern: '^[0-9]{9}$' });

/**
 * The controller's contact details that receipts, consent records and the
 * record of processing give. Loose on purpose: a plausible address, not a
 * deliverable one; no spaces or control characters. The domain is written as
 * dot-separated labels, so the pattern has one way to match and runs in time
 * linear in the input (it is checked even past maxLength).
 */
const ContactEmail = Type.String({
  maxLength: 254,
  pattern: '^[^\\s@\\x00-\\x1f\\x7f]+@[^\\s@.\\x00-\\x1f\\x7f]+(?:\\.[^\\s@.\\x00-\\x1f\\x7f]+)+$',
  description: 'The controller’s e-mail address for data-protection questions.',
});
const ContactPhone = Type.String({
  pattern: '^\\+[1-9][0-9]{6,14}$',
  description: 'The controller’s phone number in E.164 form (`+998712000000`).',
});
/**
 * One line of text: no control character anywhere (the lookahead), and
 * something besides spaces; printed on receipts and in CSV. Linear in the input.
 */
const ContactAddress = Type.String({
  minLength: 1,
  maxLength: 300,
  pattern: '^(?=[^\\x00-\\x1f\\x7f]*$)\\s*\\S',
  description:
    'The street address (street, building, postcode); the city and country are `city` and `country`.',
});
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const companyFields = {
  id: OrgId,
  name: Name,
  legalNames: Type.Object(Lang, { additionalProperties: false }),
  city: Name,
  country: Type.String({ pattern: '^[A-Z]{2}$' }),
  tin: nullable(Tin),
};
const contactFields = {
  email: nullable(ContactEmail),
  phone: nullable(ContactPhone),
  address: nullable(ContactAddress),
};

export const Company = Type.Object({ ...companyFields, ...contactFields }, { additionalProperties: false });
export type Company = Static<typeof Company>;
export type CompanyContact = Pick<Company, 'email' | 'phone' | 'address'>;

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

/** The contact fields where each may be left out: in the company file and in a change to the company. */
const optionalContact = {
  email: Type.Optional(contactFields.email),
  phone: Type.Optional(contactFields.phone),
  address: Type.Optional(contactFields.address),
};

/** The company file (`config/company.json`): what a deployment ships with. */
export const CompanyFile = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    // The contact fields came later: a company file without them still loads (as null).
    company: Type.Object(
      {
        ...companyFields,
        ...optionalContact,
      },
      { additionalProperties: false },
    ),
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
    tin: Type.Optional(nullable(Tin)),
    ...optionalContact,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CompanyPatch = Static<typeof CompanyPatch>;
