import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { api } from '../ui/api';
import type { Staff } from './session';

/** A passkey or the authenticator app, as the server lists them (never a secret). */
export interface Factor {
  id: string;
  type: 'totp' | 'passkey';
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface FactorList {
  factors: Factor[];
  recoveryCodesLeft: number;
  factorRequired: boolean;
}

export interface TotpEnrolment {
  enrolmentId: string;
  /** Base32, for typing into the app by hand. */
  secret: string;
  /** otpauth:// URI, for apps that accept a pasted link. */
  otpauthUri: string;
}

export const startTotp = () =>
  api<TotpEnrolment>('/v1/staff/factors/totp/start', { method: 'POST', body: {} });

/** Answers the recovery codes: the only time they are shown. */
export const finishTotp = (enrolmentId: string, code: string) =>
  api<{ recoveryCodes: string[] }>('/v1/staff/factors/totp/finish', {
    method: 'POST',
    body: { enrolmentId, code },
  });

export const regenerateRecoveryCodes = () =>
  api<{ recoveryCodes: string[] }>('/v1/staff/factors/recovery-codes', { method: 'POST', body: {} });

export const removeFactor = (id: string) =>
  api<null>(`/v1/staff/factors/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** Creates a passkey on this device (the browser asks for the screen lock or a security key). */
export async function registerPasskey(label?: string): Promise<void> {
  const { challengeId, options } = await api<{
    challengeId: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  }>('/v1/staff/factors/passkeys/register/start', { method: 'POST', body: {} });
  const response = await startRegistration({ optionsJSON: options });
  await api('/v1/staff/factors/passkeys/register/finish', {
    method: 'POST',
    body: { challengeId, response, ...(label ? { label } : {}) },
  });
}

/** Signs in with a passkey alone: it is two factors by itself (the device, and its screen lock). */
export async function signInWithPasskey(): Promise<Staff> {
  const { challengeId, options } = await api<{
    challengeId: string;
    options: PublicKeyCredentialRequestOptionsJSON;
  }>('/v1/staff/login/passkey/start', { method: 'POST', body: {} });
  const response = await startAuthentication({ optionsJSON: options });
  const { staff } = await api<{ staff: Staff }>('/v1/staff/login/passkey/finish', {
    method: 'POST',
    body: { challengeId, response },
  });
  return staff;
}

/** The second step of a password sign-in: a code from the app, or a recovery code. */
export async function finishSecondStep(pendingId: string, code: string): Promise<Staff> {
  const { staff } = await api<{ staff: Staff }>('/v1/staff/login/totp', {
    method: 'POST',
    body: { pendingId, code: code.trim() },
  });
  return staff;
}
