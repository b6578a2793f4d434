import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from '@simplewebauthn/browser';
import { loadOpaque } from '../admin/opaque';
import { api } from '../ui/api';

/**
 * The customer's half of OPAQUE (RFC 9807) and the sign-in steps around it. The
 * password is only ever an argument to these local functions: what goes over
 * the wire are protocol messages from which the server cannot learn it.
 */

export interface Customer {
  subjectId: string;
}

/** What a correct password leads to: a session, or a code from the authenticator app first. */
export type SigninResult = { customer: Customer } | { secondFactor: 'totp'; challengeId: string };

/** Sends a six-digit code to the e-mail or phone (the same answer whether or not it has an account). */
export async function sendCode(flow: 'signup' | 'reset', contact: string): Promise<string> {
  const { verificationId } = await api<{ verificationId: string }>(`/v1/${flow}/start`, {
    method: 'POST',
    body: { contact: contact.trim() },
  });
  return verificationId;
}

/** Registers a password: the sign-up and the reset differ only in their URLs and answers. */
async function register(
  flow: 'signup' | 'reset',
  verificationId: string,
  code: string,
  password: string,
): Promise<unknown> {
  const opaque = await loadOpaque();
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = await api<{ registrationResponse: string }>(`/v1/${flow}/verify`, {
    method: 'POST',
    body: { verificationId, code: code.trim(), registrationRequest },
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  return api(`/v1/${flow}/finish`, { method: 'POST', body: { verificationId, registrationRecord } });
}

/** Creates the account and signs in (the server sets the session cookie). */
export async function finishSignup(
  verificationId: string,
  code: string,
  password: string,
): Promise<Customer> {
  const { customer } = (await register('signup', verificationId, code, password)) as { customer: Customer };
  return customer;
}

/** Stores the new password's record; every session ends, a compromise block lifts. */
export async function finishReset(verificationId: string, code: string, password: string): Promise<void> {
  await register('reset', verificationId, code, password);
}

/** Runs the OPAQUE login against `start`; `null` means the proof failed (wrong contact or password). */
async function login<T>(
  start: { url: string; body: object },
  finishUrl: string,
  password: string,
): Promise<T | null> {
  const opaque = await loadOpaque();
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const { loginId, loginResponse } = await api<{ loginId: string; loginResponse: string }>(start.url, {
    method: 'POST',
    body: { ...start.body, startLoginRequest },
  });
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password });
  if (!finished) return null;
  return api<T>(finishUrl, {
    method: 'POST',
    body: { loginId, finishLoginRequest: finished.finishLoginRequest },
  });
}

export function signIn(contact: string, password: string): Promise<SigninResult | null> {
  return login<SigninResult>(
    { url: '/v1/signin/start', body: { contact: contact.trim() } },
    '/v1/signin/finish',
    password,
  );
}

/** The second step: a code from the authenticator app, or a recovery code. */
export async function signInTotp(challengeId: string, code: string): Promise<Customer> {
  const { customer } = await api<{ customer: Customer }>('/v1/signin/totp', {
    method: 'POST',
    body: { challengeId, code: code.trim() },
  });
  return customer;
}

/** A passkey alone signs in: it is two factors by itself (the device, and its screen lock). */
export async function signInWithPasskey(): Promise<Customer> {
  const { challengeId, options } = await api<{
    challengeId: string;
    options: PublicKeyCredentialRequestOptionsJSON;
  }>('/v1/signin/passkey/start', { method: 'POST', body: {} });
  const response = await startAuthentication({ optionsJSON: options });
  const { customer } = await api<{ customer: Customer }>('/v1/signin/passkey/finish', {
    method: 'POST',
    body: { challengeId, response },
  });
  return customer;
}

/** Step-up: proves the password again, which refreshes this session's sign-in time. */
export async function reauthenticate(password: string): Promise<boolean> {
  // The finish answers 204 (no body): anything but `null` means the proof went through.
  const done = await login<unknown>(
    { url: '/v1/me/reauth/start', body: {} },
    '/v1/me/reauth/finish',
    password,
  );
  return done !== null;
}

/** Step-up with a passkey instead of the password. */
export async function reauthenticateWithPasskey(): Promise<void> {
  const { challengeId, options } = await api<{
    challengeId: string;
    options: PublicKeyCredentialRequestOptionsJSON;
  }>('/v1/me/reauth/passkey/start', { method: 'POST', body: {} });
  const response = await startAuthentication({ optionsJSON: options });
  await api('/v1/me/reauth/passkey/finish', { method: 'POST', body: { challengeId, response } });
}

/** Replaces the password (needs a recent sign-in); the server ends the other sessions. */
export async function changePassword(password: string): Promise<void> {
  const opaque = await loadOpaque();
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = await api<{ registrationResponse: string }>('/v1/me/password/start', {
    method: 'POST',
    body: { registrationRequest },
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  await api('/v1/me/password/finish', { method: 'POST', body: { registrationRecord } });
}

/** Only paths into the OIDC provider may be a destination after sign-in (no open redirect). */
export function safeReturn(value: string | null): string | null {
  return value?.startsWith('/oidc/') && !value.includes('\\') ? value : null;
}
