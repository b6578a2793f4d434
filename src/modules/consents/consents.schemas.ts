import { type Static, Type } from 'typebox';
import { RegisterId } from '../purposes/purposes.schemas.js';

/**
 * A customer's id (identity ids are UUIDs): a letter or digit, then letters,
 * digits and `:._-`. No `@` or `+`, so an e-mail address or a phone number
 * cannot stand in for one and travel in a URL; the same shape the audit log
 * takes, so nothing the schema lets in fails later as a 500.
 */
export const SubjectId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$', maxLength: 128 });
/** A newsletter channel or topic name (`email`, `promo`): what an app and the cabinet may send alike. */
export const ScopeToken = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$', maxLength: 40 });

export const ConsentSource = Type.Union([
  Type.Literal('cabinet'),
  Type.Literal('app'),
  Type.Literal('site-notice'),
  Type.Literal('staff-paper'),
]);
export type ConsentSource = Static<typeof ConsentSource>;

export const ConsentAction = Type.Union([
  Type.Literal('give'),
  Type.Literal('withdraw'),
  Type.Literal('object'),
  Type.Literal('withdraw-objection'),
]);
export type ConsentAction = Static<typeof ConsentAction>;

export const ConsentInput = Type.Object(
  {
    purpose: RegisterId,
    action: ConsentAction,
    source: ConsentSource,
    /** The scan of a paper form (a document-store reference), required for `staff-paper`. */
    evidenceRef: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:/-]{1,200}$' })),
    /** Newsletters (§13): consent per channel, and optionally per topic. Objections take neither (MXF_CONSENT_OBJECTION_SCOPED). */
    channel: Type.Optional(ScopeToken),
    topic: Type.Optional(ScopeToken),
    /** The notice the customer was shown: the agreement or consent text version, and its language. */
    notice: Type.Object(
      {
        version: Type.String({ pattern: '^[A-Za-z0-9._-]{1,40}$' }),
        language: Type.Union([
          Type.Literal('uz-Cyrl'),
          Type.Literal('uz-Latn'),
          Type.Literal('ru'),
          Type.Literal('en'),
        ]),
      },
      { additionalProperties: false },
    ),
    /** The consented term ends here (ms), a time still to come (else MXF_CONSENT_EXPIRY_NOT_FUTURE); absent: until withdrawn. */
    expiresAt: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
  },
  { additionalProperties: false },
);
export type ConsentInput = Static<typeof ConsentInput>;

export const ConsentEvent = Type.Object(
  {
    id: Type.String(),
    rev: Type.Integer(),
    purpose: Type.String(),
    purposeVersion: Type.Integer(),
    scope: Type.String(),
    kind: Type.Union([Type.Literal('consent'), Type.Literal('objection')]),
    state: Type.Union([Type.Literal('given'), Type.Literal('withdrawn'), Type.Literal('expired')]),
    source: Type.String(),
    at: Type.Integer(),
    expiresAt: Type.Union([Type.Integer(), Type.Null()]),
    auditSeq: Type.Integer(),
    record: Type.Unknown({ description: 'The ISO/IEC TS 27560 consent record.' }),
  },
  { additionalProperties: false },
);
export type ConsentEvent = Static<typeof ConsentEvent>;

export const SubjectConsents = Type.Object(
  {
    subjectId: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('blocked')]),
    rev: Type.Integer(),
    current: Type.Array(
      Type.Object(
        {
          purpose: Type.String(),
          scope: Type.String(),
          kind: Type.String(),
          state: Type.String(),
          expiresAt: Type.Union([Type.Integer(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    history: Type.Array(ConsentEvent, {
      description: 'The latest events (at most 1,000) before `before`, oldest first.',
    }),
    earlier: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'Pass as `before` for the page of events preceding these; null once the first event is in.',
    }),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  { before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) },
  { additionalProperties: false },
);

export const SubjectStatusInput = Type.Object(
  { status: Type.Union([Type.Literal('active'), Type.Literal('blocked')]) },
  { additionalProperties: false },
);

export const WebhookInput = Type.Object(
  { url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 500 }) },
  { additionalProperties: false },
);
export const Webhook = Type.Object(
  { id: Type.String(), url: Type.String(), active: Type.Boolean(), createdAt: Type.Integer() },
  { additionalProperties: false },
);
