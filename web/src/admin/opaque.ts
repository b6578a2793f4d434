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

export function registerFirstAdmin({ token, email, displayName, password }: FirstAdmin): Promise<Staff> {
  return registerStaffPassword(
    { start: '/v1/setup/admin/start', finish: '/v1/setup/admin/finish' },
    { token, email, displayName },
    password,
  );
}

/**
 * OPAQUE registration against a pair of staff routes (the first administrator's
 * set-up, an invitation): the password stays an argument to the local client;
 * only the protocol messages go to `start` and `finish`, each with `fields`.
 */
export async function registerStaffPassword(
  route: { start: string; finish: string },
  fields: { token: string } & Record<string, string>,
  password: string,
): Promise<Staff> {
  const opaque = await loadOpaque();
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = await api<{ registrationResponse: string }>(route.start, {
    method: 'POST',
    body: { ...fields, registrationRequest },
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  const { staff } = await api<{ staff: Staff }>(route.finish, {
    method: 'POST',
    body: { token: fields.token, registrationRecord },
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
