import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { MaxfiyError } from '../errors.js';
import type { StaffPrincipal } from '../modules/staff/staff.sessions.js';
import { SESSION_ABSOLUTE_MS } from '../modules/staff/staff.sessions.js';
import type { StaffRole } from '../modules/staff/staff.table.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireStaff` once the staff session cookie checks out. */
    staff?: StaffPrincipal;
  }
}

/** The staff session cookie: only the console on this origin sends it. */
export const STAFF_COOKIE = 'mxf_staff';

/**
 * A cookie's name where maxfiy is at `publicUrl`: with the `__Host-` prefix on
 * https, which browsers accept only with Secure, Path=/ and no Domain. So a
 * page on a sibling subdomain (a product's site with a flaw in it) can neither
 * set one nor shadow ours with a cookie of the same name for the parent
 * domain: the session a browser sends is one this origin set. Plain http
 * (this machine, development) keeps the bare name, which browsers would refuse
 * with the prefix.
 */
export function hostOnlyCookie(publicUrl: string, name: string): string {
  return publicUrl.startsWith('https:') ? `__Host-${name}` : name;
}

export function staffCookieName(publicUrl: string): string {
  return hostOnlyCookie(publicUrl, STAFF_COOKIE);
}

/**
 * HttpOnly (scripts cannot read it), SameSite=Strict (no other site's page can
 * make the browser send it: the console's CSRF defence), Secure whenever the
 * public URL is https. It lives no longer than the session's absolute limit.
 */
export function staffCookieOptions(publicUrl: string): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: publicUrl.startsWith('https:'),
    maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  };
}

/** The staff session token the request carries, if any: under the name this deployment sets, never another. */
export function staffToken(request: FastifyRequest, publicUrl: string): string | undefined {
  return request.cookies?.[staffCookieName(publicUrl)];
}

/**
 * A route guard (an onRequest hook) that lets the request through only with a valid staff session,
 * and, when roles are named, only for a member holding at least one of them
 * (no role implies another: an administrator manages staff and settings, and
 * is not thereby a DPO). 401 MXF_AUTH_REQUIRED without a valid session,
 * 403 MXF_AUTH_FORBIDDEN without the role.
 */
export function requireStaff(
  staff: {
    authenticate(token: string | undefined): Promise<StaffPrincipal | null>;
    readonly publicUrl: string;
  },
  ...roles: StaffRole[]
): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = await staff.authenticate(staffToken(request, staff.publicUrl));
    if (!principal) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    if (roles.length > 0 && !roles.some((r) => principal.roles.includes(r))) {
      throw new MaxfiyError('MXF_AUTH_FORBIDDEN');
    }
    request.staff = principal;
  };
}

/** The signed-in staff member of a guarded route. */
export function staffOf(request: FastifyRequest): StaffPrincipal {
  if (!request.staff) throw new MaxfiyError('MXF_AUTH_REQUIRED');
  return request.staff;
}

/** The audit actor of a guarded route: `staff:<id>`. */
export function staffActor(request: unknown): string {
  return `staff:${staffOf(request as FastifyRequest).id}`;
}
