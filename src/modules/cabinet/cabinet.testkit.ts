/**
 * Test support for the cabinet (imported only by tests): a signed-up customer
 * with a browser, product apps with real credentials, and staff members
 * signed in to the whole app.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../../../test/helpers/app.js';
import type { Clock } from '../../clock.js';
import { customerBrowser, signUp } from '../identity/identity.testkit.js';
import type { StaffRole } from '../staff/staff.table.js';
import { addStaffDirectly, browser, sessionCookie } from '../staff/staff.testkit.js';

export type Browser = ReturnType<typeof customerBrowser>;

/** A customer signed up through the real flow; `customerId` is their subject id. */
export async function newCustomer(t: TestApp, email: string, password: string) {
  const b = customerBrowser(t.app);
  const res = await signUp(t, b, email, password);
  if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.body}`);
  const customerId = (await b.call('GET', '/v1/me/profile')).json().profile.subjectId as string;
  return { b, customerId };
}

/** A product app: a credential issued for `productId` and a caller that sends it. */
export async function productApp(
  t: TestApp,
  productId: string,
  scopes: ('cabinet' | 'decisions')[] = ['cabinet'],
) {
  const { secret, id } = await t.services.apps.issue('system', {
    productId,
    scopes,
    label: `${productId} test`,
  });
  const call = (
    method: 'GET' | 'PUT' | 'POST' | 'DELETE',
    url: string,
    body?: object,
  ): Promise<LightMyRequestResponse> =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
  return {
    credentialId: id,
    secret,
    call,
    /** Stores a record; its key goes in the body, as the API takes it. */
    put: (customerId: string, key: string, body: { value: unknown; kind?: string }) =>
      call('PUT', recordsUrl(customerId), { key, ...body }),
    /** Deletes a record, named by its key in the body. */
    remove: (customerId: string, key: string) => call('POST', `${recordsUrl(customerId)}/delete`, { key }),
  };
}

export type ProductApp = Awaited<ReturnType<typeof productApp>>;

/** The customer allows a product into the cabinet (the test browser's type has no PUT; inject does). */
export const linkProduct = (b: Browser, productId: string) =>
  b.call('PUT' as 'POST', `/v1/me/cabinet/products/${productId}`);

/** A customer's records, as a product app addresses them: record keys never go in the address. */
export const recordsUrl = (customerId: string) => `/v1/cabinet/customers/${customerId}/records`;

/** A staff member with these roles, signed in through OPAQUE and a second factor; `get` sends their cookie. */
export async function signedInStaff(t: TestApp, clock: Clock, roles: StaffRole[], name = roles.join('+')) {
  const member = {
    id: randomUUID(),
    email: `${name.replace(/\W/g, '-')}-${randomUUID().slice(0, 8)}@staff.example`,
    password: `pw ${randomUUID()}`,
    displayName: `Staff ${name}`,
    roles,
  };
  await addStaffDirectly(t.services.database, t.services.keyring, member);
  const res = await browser(t.app, { now: () => clock.now() }).login(member.email, member.password);
  if (res.statusCode !== 200) throw new Error(`staff sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookie(res);
  return {
    ...member,
    cookie,
    get: (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie } }),
  };
}

export type SignedInStaff = Awaited<ReturnType<typeof signedInStaff>>;

export const errorOf = (res: LightMyRequestResponse) =>
  (res.json() as { error?: { code: string } }).error?.code;
