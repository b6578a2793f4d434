import { api } from '../ui/api';
import { loadOpaque } from './opaque';
import type { Staff } from './session';

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
