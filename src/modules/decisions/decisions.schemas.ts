import { Type } from 'typebox';
import { ScopeToken } from '../consents/consents.schemas.js';

export const DecisionContextSchema = Type.Object(
  {
    collectedAt: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
    channel: Type.Optional(ScopeToken),
    topic: Type.Optional(ScopeToken),
  },
  { additionalProperties: false },
);

export const DecisionQuestionSchema = Type.Object(
  {
    // Any string: an id the index does not know is answered `unknown-subject`, not refused.
    subjectId: Type.String({ minLength: 1, maxLength: 255 }),
    purpose: Type.String({ minLength: 1, maxLength: 63 }),
    category: Type.String({ minLength: 1, maxLength: 63 }),
    context: Type.Optional(DecisionContextSchema),
  },
  { additionalProperties: false },
);

export const DecisionBody = Type.Union([
  DecisionQuestionSchema,
  Type.Object(
    {
      questions: Type.Array(DecisionQuestionSchema, {
        description: 'At most 10,000; more is MXF_DECISION_BATCH_TOO_LARGE.',
      }),
    },
    { additionalProperties: false },
  ),
]);

const DecisionFields = {
  allow: Type.Boolean(),
  reasons: Type.Array(Type.String(), {
    description: 'Why not; empty when allowed. See the engine for the codes.',
  }),
  versions: Type.Object({
    purpose: Type.Integer({ description: 'The purpose version decided on (0: unknown purpose).' }),
    consent: Type.Optional(Type.Integer({ description: "The subject's consent revision decided on." })),
  }),
};
export const DecisionSchema = Type.Object(DecisionFields);

/** One object for both forms (serialised without an anyOf): a single answer, or `answers` in question order. */
export const DecisionResponse = Type.Object({
  allow: Type.Optional(DecisionFields.allow),
  reasons: Type.Optional(DecisionFields.reasons),
  versions: Type.Optional(DecisionFields.versions),
  answers: Type.Optional(Type.Array(DecisionSchema)),
});
