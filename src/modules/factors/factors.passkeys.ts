import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { FactorRow } from './factors.store.js';

/** The WebAuthn library is loaded by the first passkey ceremony: it was a tenth of start-up. */
const webauthn = () => import('@simplewebauthn/server');

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** The relying party: the console and cabinet are served from `publicUrl`, so that is the origin and its host the rpID. */
export interface RelyingParty {
  name: string;
  id: string;
  origin: string;
}

export function relyingParty(publicUrl: string, name = 'maxfiy'): RelyingParty {
  const url = new URL(publicUrl);
  return { name, id: url.hostname, origin: url.origin };
}

/** The browser has this long to finish a ceremony. */
export const CEREMONY_TIMEOUT_MS = 5 * 60_000;

/**
 * Registration options: a discoverable credential (so sign-in needs no e-mail
 * first) with user verification (so the passkey is two factors by itself).
 * The user handle is the principal id, which is not personal data.
 */
export async function registrationOptions(
  rp: RelyingParty,
  user: { id: string; name: string; displayName: string },
  existing: FactorRow[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await webauthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(user.id),
    userName: user.name,
    userDisplayName: user.displayName,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.flatMap((f) => (f.credential_id ? [{ id: f.credential_id }] : [])),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -257],
  });
}

export async function authenticationOptions(
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: 'required',
  });
}

/** The new credential, or undefined when the answer does not verify (the library's reasons stay out of replies). */
export async function verifyRegistration(
  rp: RelyingParty,
  challenge: string,
  response: RegistrationResponseJSON,
) {
  const { verifyRegistrationResponse } = await webauthn();
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    return result.verified ? result.registrationInfo.credential : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The counter to store, or undefined. The library refuses a counter that did
 * not go up (unless both are 0, for authenticators that keep none): a cloned
 * or replayed authenticator.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  challenge: string,
  response: AuthenticationResponseJSON,
  factor: FactorRow,
): Promise<number | undefined> {
  if (!factor.credential_id || !factor.public_key) return undefined;
  const { verifyAuthenticationResponse } = await webauthn();
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: factor.credential_id,
        publicKey: new Uint8Array(factor.public_key),
        counter: Number(factor.counter),
      },
    });
    return result.verified ? result.authenticationInfo.newCounter : undefined;
  } catch {
    return undefined;
  }
}
