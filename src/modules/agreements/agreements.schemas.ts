import { type Static, Type } from 'typebox';
import { OrgId } from '../org/org.schemas.js';

export const AGREEMENT_LANGUAGES = ['uz-Cyrl', 'uz-Latn', 'ru', 'en'] as const;
export type AgreementLanguage = (typeof AGREEMENT_LANGUAGES)[number];
export const Language = Type.Union([
  Type.Literal('uz-Cyrl'),
  Type.Literal('uz-Latn'),
  Type.Literal('ru'),
  Type.Literal('en'),
]);

/** §20: why an agreement changes. */
export const CHANGE_REASONS = [
  'change-of-law',
  'management-decision',
  'change-of-purposes',
  'change-of-structure-or-it-systems',
  'change-of-processing',
] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];
const Reason = Type.Union([
  Type.Literal('change-of-law'),
  Type.Literal('management-decision'),
  Type.Literal('change-of-purposes'),
  Type.Literal('change-of-structure-or-it-systems'),
  Type.Literal('change-of-processing'),
]);

export const TEXT_STATUSES = [
  'authoritative',
  'transliteration-to-review',
  'unofficial-translation',
  'missing',
] as const;
const TextStatus = Type.Union([
  Type.Literal('authoritative'),
  Type.Literal('transliteration-to-review'),
  Type.Literal('unofficial-translation'),
  Type.Literal('missing'),
]);

export const VersionNumber = Type.Integer({ minimum: 1, maximum: 1_000_000 });
/** A customer or visitor id: pseudonymous, never an e-mail or a phone number. */
export const SubjectId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$', maxLength: 100 });
/**
 * The last millisecond of year 9999. Later years need more than four digits in
 * ISO 8601, and far later instants overflow JavaScript dates (8.64e15) and
 * PostgreSQL bigints; a date that far out is a typo, not a plan.
 */
export const MAX_TIME = 253_402_300_799_999;
const Time = Type.Integer({ minimum: 0, maximum: MAX_TIME, description: 'milliseconds since the epoch' });
const ContentHash = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' });
const AgreementText = Type.String({ minLength: 1, maxLength: 400_000 });

export const LanguageEntry = Type.Object({
  lang: Language,
  status: TextStatus,
  contentHash: Type.Union([ContentHash, Type.Null()]),
});

export const VersionSummary = Type.Object({
  number: VersionNumber,
  status: Type.Union([Type.Literal('draft'), Type.Literal('pending'), Type.Literal('published')]),
  authoritativeLanguage: Language,
  reasons: Type.Array(Reason),
  siteIds: Type.Array(OrgId),
  effectiveAt: Type.Union([Time, Type.Null()]),
  publishedAt: Type.Union([Time, Type.Null()]),
  languages: Type.Array(LanguageEntry),
  publicationRequestedBy: Type.Union([Type.String(), Type.Null()]),
});
export type VersionSummary = Static<typeof VersionSummary>;

export const VersionDetail = Type.Object({
  ...VersionSummary.properties,
  texts: Type.Record(Type.String(), Type.String(), { description: 'canonical text per language' }),
});
export type VersionDetail = Static<typeof VersionDetail>;

const Texts = Type.Object(
  {
    'uz-Cyrl': Type.Optional(AgreementText),
    'uz-Latn': Type.Optional(AgreementText),
    ru: Type.Optional(AgreementText),
    en: Type.Optional(AgreementText),
  },
  { additionalProperties: false },
);

export const DraftCreate = Type.Object(
  {
    reasons: Type.Array(Reason, { minItems: 1, maxItems: 5, uniqueItems: true }),
    texts: Type.Optional(Texts),
    siteIds: Type.Optional(Type.Array(OrgId, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    effectiveAt: Type.Optional(Type.Union([Time, Type.Null()])),
  },
  { additionalProperties: false },
);
export type DraftCreate = Static<typeof DraftCreate>;

export const DraftPatch = Type.Object(
  {
    reasons: Type.Optional(Type.Array(Reason, { minItems: 1, maxItems: 5, uniqueItems: true })),
    texts: Type.Optional(Texts),
    siteIds: Type.Optional(Type.Array(OrgId, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    effectiveAt: Type.Optional(Type.Union([Time, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type DraftPatch = Static<typeof DraftPatch>;

export const AcceptanceInput = Type.Object(
  {
    subjectId: SubjectId,
    version: VersionNumber,
    language: Language,
    siteId: Type.Optional(OrgId),
  },
  { additionalProperties: false },
);
export type AcceptanceInput = Static<typeof AcceptanceInput>;

export const VisitorAcceptanceInput = Type.Object(
  {
    visitorId: Type.String({
      pattern: '^[0-9a-f]{32}$',
      description: 'random id the notice keeps in localStorage',
    }),
    version: VersionNumber,
    language: Language,
  },
  { additionalProperties: false },
);

export const AcceptanceResult = Type.Object({
  receiptId: Type.String(),
  subjectId: SubjectId,
  version: VersionNumber,
  language: Language,
  contentHash: ContentHash,
  acceptedAt: Time,
  method: Type.String(),
  auditSeq: Type.Integer({ minimum: 0 }),
  receiptUrl: Type.String(),
});
export type AcceptanceResult = Static<typeof AcceptanceResult>;

export const AcceptanceState = Type.Object({
  subjectId: SubjectId,
  current: Type.Boolean(),
  versionInForce: Type.Union([VersionNumber, Type.Null()]),
  acceptedVersion: Type.Union([VersionNumber, Type.Null()]),
  acceptedAt: Type.Union([Time, Type.Null()]),
  needsReacceptance: Type.Boolean(),
});
export type AcceptanceState = Static<typeof AcceptanceState>;

export const SiteCheck = Type.Object({
  siteId: OrgId,
  url: Type.String(),
  checkedAt: Time,
  expectedVersion: Type.Union([VersionNumber, Type.Null()]),
  outcome: Type.String(),
  found: Type.Union([Type.String(), Type.Null()]),
});
export type SiteCheck = Static<typeof SiteCheck>;

export const ReceiptId = Type.String({ pattern: '^[0-9a-f-]{36}$' });
