import { api } from '../ui/api';
import type { Staff } from './session';

/**
 * The OPAQUE client (RFC 9807). The password is only ever an argument to these
 * local functions; what goes over the wire are protocol messages from which the
 * server cannot learn it.
 */
type Opaque = typeof import('@serenity-kit/opaque');

let loading: Promise<Opaque> | null = null;

/** Loads the WASM module once, on the pages that need it (it is large). */
export function loadOpaque(): Promise<Opaque> {
  loading ??= import('@serenity-kit/opaque').then(
    async (opaque) => {
      await opaque.ready;
      return opaque;
    },
    (error: unknown) => {
      loading = null; // let a later attempt try again
      throw error;
    },
  );
  return loading;
}

export interface FirstAdmin {
  token: string;
  email: string;
  displayName: string;
  password: string;
}

export async function registerFirstAdmin({
  token,
  email,
  displayName,
  password,
}: FirstAdmin): Promise<Staff> {
  const opaque = await loadOpaque();
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = await api<{ registrationResponse: string }>('/v1/setup/admin/start', {
    method: 'POST',
    body: { token, email, displayName, registrationRequest },
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  const { staff } = await api<{ staff: Staff }>('/v1/setup/admin/finish', {
    method: 'POST',
    body: { token, registrationRecord },
  });
  return staff;
}

/** What a correct password leads to: a session (maybe limited to enrolling a factor), or a code to enter. */
export type PasswordResult =
  | { staff: Staff; factorRequired: boolean }
  | { pendingId: string; secondFactor: 'totp' };

/** Signs staff in; `null` means the e-mail or password is wrong (the protocol cannot tell which). */
export async function signInStaff(email: string, password: string): Promise<PasswordResult | null> {
  const opaque = await loadOpaque();
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const { loginId, loginResponse } = await api<{ loginId: string; loginResponse: string }>(
    '/v1/staff/login/start',
    { method: 'POST', body: { email, startLoginRequest } },
  );
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password });
  if (!finished) return null;
  return api<PasswordResult>('/v1/staff/login/finish', {
    method: 'POST',
    body: { loginId, finishLoginRequest: finished.finishLoginRequest },
  });
}
