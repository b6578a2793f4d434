import { Type } from 'typebox';
import {
  FinishLoginRequest,
  RegistrationRecord,
  RegistrationRequest,
  StartLoginRequest,
} from '../staff/staff.schemas.js';

export { FinishLoginRequest, RegistrationRecord, RegistrationRequest, StartLoginRequest };

/** 32 random bytes in base64url: login ids and link tokens. */
export const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
/** Ids are UUIDs (v7 layout). */
export const Id = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });

export const Contact = Type.String({
  minLength: 5,
  maxLength: 254,
  // A phone number has 8 to 15 digits (E.164), the first not 0, with spaces, brackets and dashes anywhere.
  pattern: '^(\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*|\\s*\\+?[ ()-]*[1-9](?:[ ()-]*[0-9]){7,14}[ ()-]*\\s*)$',
  description:
    'An e-mail address, or a phone number in international form (`+998 90 123 45 67`): 8 to 15 digits.',
});
export const Code = Type.String({
  pattern: '^[0-9]{6}$',
  description: 'The six-digit code sent to the contact.',
});

export const ContactBody = Type.Object({ contact: Contact }, { additionalProperties: false });
export const VerificationId = Type.Object({ verificationId: Id });
export const VerifyBody = Type.Object(
  { verificationId: Id, code: Code, registrationRequest: RegistrationRequest },
  { additionalProperties: false },
);
export const RegisterBody = Type.Object(
  { verificationId: Id, registrationRecord: RegistrationRecord },
  { additionalProperties: false },
);
export const SigninStartBody = Type.Object(
  { contact: Contact, startLoginRequest: StartLoginRequest },
  { additionalProperties: false },
);
export const SigninFinishBody = Type.Object(
  { loginId: Token, finishLoginRequest: FinishLoginRequest },
  { additionalProperties: false },
);
export const LinkBody = Type.Object({ token: Token }, { additionalProperties: false });
export const RegistrationRequestBody = Type.Object(
  { registrationRequest: RegistrationRequest },
  { additionalProperties: false },
);
export const RegistrationRecordBody = Type.Object(
  { registrationRecord: RegistrationRecord },
  { additionalProperties: false },
);
export const CodeBody = Type.Object({ verificationId: Id, code: Code }, { additionalProperties: false });

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$',
});
const Locale = Type.Union([
  Type.Literal('uz-Cyrl'),
  Type.Literal('uz-Latn'),
  Type.Literal('ru'),
  Type.Literal('en'),
]);
export const ProfilePatchBody = Type.Object(
  {
    name: Type.Optional(Type.Union([Name, Type.Null()])),
    locale: Type.Optional(Type.Union([Locale, Type.Null()])),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const CustomerSchema = Type.Object({ subjectId: Id });
export const ProfileSchema = Type.Object({
  subjectId: Id,
  email: Nullable(Type.String()),
  emailVerified: Type.Boolean(),
  phone: Nullable(Type.String()),
  phoneVerified: Type.Boolean(),
  name: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  status: Type.String(),
  createdAt: Type.Integer(),
});
export const ProfileChangeSchema = Type.Object({
  field: Type.String(),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  at: Type.Integer(),
  source: Type.String(),
});
export const SessionSchema = Type.Object({
  id: Id,
  createdAt: Type.Integer(),
  lastSeenAt: Type.Integer(),
  device: Type.String(),
  ip: Nullable(Type.String()),
  current: Type.Boolean(),
});
export const SigninSchema = Type.Object({
  at: Type.Integer(),
  method: Type.String(),
  result: Type.String(),
  newDevice: Type.Boolean(),
  device: Type.String(),
  ip: Nullable(Type.String()),
});
export const NoticeSchema = Type.Object({
  id: Id,
  kind: Type.String(),
  createdAt: Type.Integer(),
  device: Nullable(Type.String()),
  ip: Nullable(Type.String()),
});
export const CompromiseSchema = Type.Object({
  incidentId: Id,
  sessionsEnded: Type.Integer(),
  opened: Type.Boolean(),
});
export const IncidentSchema = Type.Object({
  id: Id,
  subjectId: Id,
  kind: Type.String(),
  source: Type.String(),
  createdAt: Type.Integer(),
  status: Type.String(),
});
