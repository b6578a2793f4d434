import { Type } from 'typebox';

/** 32 random bytes in base64url: enrolment, challenge and pending sign-in ids. */
export const CeremonyId = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });

const Base64Url = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

/** Six digits from an authenticator app, or a recovery code (`xxxxx-xxxxx-xxxx`). */
export const SecondFactorCode = Type.String({
  minLength: 6,
  maxLength: 20,
  pattern: '^[A-Za-z0-9 -]+$',
  description: 'Six digits from the authenticator app, or one recovery code.',
});

export const TotpCode = Type.String({
  pattern: '^[0-9]{6}$',
  description: 'Six digits from the authenticator app.',
});

export const FactorLabel = Type.String({
  minLength: 1,
  maxLength: 60,
  pattern: '^[^\\x00-\\x1f\\x7f]*\\S[^\\x00-\\x1f\\x7f]*$',
});

export const FactorId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'Factor id (UUID).',
});

export const FactorSchema = Type.Object({
  id: FactorId,
  type: Type.Union([Type.Literal('totp'), Type.Literal('passkey')]),
  label: Type.String(),
  createdAt: Type.Integer({ description: 'Milliseconds since the epoch.' }),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export const RecoveryCodes = Type.Array(Type.String(), {
  description: 'Ten single-use codes, shown this once; only their keyed hashes are kept.',
});

/**
 * Extension outputs vary by browser and grow over time (credProps, prf, …);
 * the verifier reads none of them, so they are accepted as an open object,
 * bounded in size.
 */
const ExtensionResults = Type.Object({}, { additionalProperties: true, maxProperties: 16 });
const Transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 });
const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));

/** What `startRegistration` of @simplewebauthn/browser returns (WebAuthn `RegistrationResponseJSON`). */
export const RegistrationResponse = Type.Object(
  {
    id: Base64Url(1366),
    rawId: Base64Url(1366),
    type: Type.Literal('public-key'),
    authenticatorAttachment: Attachment,
    clientExtensionResults: ExtensionResults,
    response: Type.Object(
      {
        clientDataJSON: Base64Url(4096),
        attestationObject: Base64Url(65536),
        authenticatorData: Type.Optional(Base64Url(65536)),
        transports: Type.Optional(Transports),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(Base64Url(4096)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** What `startAuthentication` of @simplewebauthn/browser returns (WebAuthn `AuthenticationResponseJSON`). */
export const AuthenticationResponse = Type.Object(
  {
    id: Base64Url(1366),
    rawId: Base64Url(1366),
    type: Type.Literal('public-key'),
    authenticatorAttachment: Attachment,
    clientExtensionResults: ExtensionResults,
    response: Type.Object(
      {
        clientDataJSON: Base64Url(4096),
        authenticatorData: Base64Url(65536),
        signature: Base64Url(1024),
        userHandle: Type.Optional(Base64Url(1024)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** WebAuthn options for the browser, as the library builds them; passed to @simplewebauthn/browser unchanged. */
export const WebAuthnOptions = Type.Object({ challenge: Type.String() }, { additionalProperties: true });

/** A passkey ceremony's start: its id and the options the browser passes to WebAuthn. */
export const Ceremony = Type.Object({ challengeId: CeremonyId, options: WebAuthnOptions });

export const EmptyBody = Type.Object({}, { additionalProperties: false });
