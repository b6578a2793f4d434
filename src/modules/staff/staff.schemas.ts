import { Type } from 'typebox';

/**
 * OPAQUE messages are base64url without padding. Their lengths are fixed by the
 * cipher suite of @serenity-kit/opaque 1.1.0 (ristretto255, SHA-512), so a body
 * of any other length is refused before it reaches the library; upgrading the
 * library means checking these numbers.
 */
function opaqueMessage(length: number, description: string) {
  return Type.String({ minLength: length, maxLength: length, pattern: '^[A-Za-z0-9_-]+$', description });
}

export const RegistrationRequest = opaqueMessage(
  43,
  'OPAQUE `registrationRequest` from `client.startRegistration`.',
);
export const RegistrationRecord = opaqueMessage(
  256,
  'OPAQUE `registrationRecord` from `client.finishRegistration`.',
);
export const StartLoginRequest = opaqueMessage(128, 'OPAQUE `startLoginRequest` from `client.startLogin`.');
export const FinishLoginRequest = opaqueMessage(86, 'OPAQUE `finishLoginRequest` from `client.finishLogin`.');

/** 32 random bytes in base64url: set-up tokens and login ids. */
const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  // The characters the mail module refuses in an address are refused here too:
  // an address that can be stored but never mailed would block every mail to it.
  pattern: '^\\s*[^\\s@<>()[\\]\\\\,;:"]+@[^\\s@<>()[\\]\\\\,;:"]+\\.[^\\s@<>()[\\]\\\\,;:"]+\\s*$',
  description: 'Work e-mail; compared trimmed and in lower case.',
});
/** Printable: something besides spaces, and no control characters (it is shown in the console and the audit view). */
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$',
});

export const StaffRoleSchema = Type.Union(
  [
    Type.Literal('admin'),
    Type.Literal('dpo'),
    Type.Literal('legal'),
    Type.Literal('support'),
    Type.Literal('marketing'),
    Type.Literal('security'),
    Type.Literal('auditor'),
  ],
  {
    description: 'admin: staff and settings; dpo, legal, support, marketing, security, auditor: their areas.',
  },
);
export const StaffRoles = Type.Array(StaffRoleSchema, { maxItems: 7, uniqueItems: true });

export const StaffId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'Staff member id (UUID).',
});

export const StaffPrincipalSchema = Type.Object({
  id: StaffId,
  displayName: Type.String(),
  roles: StaffRoles,
});

export const StaffMemberSchema = Type.Object({
  id: StaffId,
  email: Type.String(),
  displayName: Type.String(),
  roles: StaffRoles,
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Type.Integer({ description: 'Milliseconds since the epoch.' }),
});

export const SetupStartBody = Type.Object(
  { token: Token, email: Email, displayName: DisplayName, registrationRequest: RegistrationRequest },
  { additionalProperties: false },
);
export const SetupFinishBody = Type.Object(
  { token: Token, registrationRecord: RegistrationRecord },
  { additionalProperties: false },
);
export const LoginStartBody = Type.Object(
  { email: Email, startLoginRequest: StartLoginRequest },
  { additionalProperties: false },
);
export const LoginFinishBody = Type.Object(
  { loginId: Token, finishLoginRequest: FinishLoginRequest },
  { additionalProperties: false },
);
export const RolesBody = Type.Object({ roles: StaffRoles }, { additionalProperties: false });

export const InviteId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'Invitation id (UUID), also the staff id the invitee gets.',
});
export const InviteBody = Type.Object(
  {
    email: Email,
    displayName: DisplayName,
    roles: Type.Array(StaffRoleSchema, { minItems: 1, maxItems: 7, uniqueItems: true }),
    language: Type.Optional(
      Type.Union([Type.Literal('uz-Cyrl'), Type.Literal('uz-Latn'), Type.Literal('ru'), Type.Literal('en')], {
        description: 'Language of the invitation mail; the request’s language when absent.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const InviteSchema = Type.Object({
  id: InviteId,
  email: Type.String(),
  displayName: Type.String(),
  roles: StaffRoles,
  invitedBy: StaffId,
  createdAt: Type.Integer({ description: 'Milliseconds since the epoch.' }),
  expiresAt: Type.Integer({ description: 'Milliseconds since the epoch; the link works until then.' }),
});
export const InviteTokenBody = Type.Object({ token: Token }, { additionalProperties: false });
export const InviteStartBody = Type.Object(
  { token: Token, registrationRequest: RegistrationRequest },
  { additionalProperties: false },
);
export const InviteFinishBody = SetupFinishBody;

/** An administrator's reset of a member's sign-in: the mail's language, the request's when absent. */
export const ResetBody = Type.Object(
  {
    language: Type.Optional(
      Type.Union([Type.Literal('uz-Cyrl'), Type.Literal('uz-Latn'), Type.Literal('ru'), Type.Literal('en')]),
    ),
  },
  { additionalProperties: false },
);
