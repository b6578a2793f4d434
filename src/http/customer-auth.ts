import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Clock } from '../clock.js';
import { MaxfiyError } from '../errors.js';
import { type CustomerPrincipal, isRecent, STEP_UP_MS } from '../modules/identity/sessions.js';
import { hostOnlyCookie } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireCustomer` once the customer session cookie checks out. */
    customer?: CustomerPrincipal;
  }
}

/** The customer session cookie. */
export const SESSION_COOKIE = 'mxf_session';
/** The long-lived device cookie: how a browser seen before is recognised (new-device notices). */
export const DEVICE_COOKIE = 'mxf_device';
/** About a year: what browsers allow a cookie at most is a little longer. */
const DEVICE_COOKIE_SECONDS = 365 * 24 * 60 * 60;

/**
 * HttpOnly (scripts cannot read it), SameSite=Lax (other sites' pages cannot
 * make the browser send it on a POST, yet a link from a mail lands signed in),
 * Secure whenever the public URL is https. It lives no longer than the
 * session's absolute limit.
 */
export function customerCookieOptions(publicUrl: string, absoluteMs: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: publicUrl.startsWith('https:'),
    maxAge: Math.floor(absoluteMs / 1000),
  };
}

export function deviceCookieOptions(publicUrl: string): CookieSerializeOptions {
  return { ...customerCookieOptions(publicUrl, 0), maxAge: DEVICE_COOKIE_SECONDS };
}

/** The customer session cookie's name here (`__Host-mxf_session` on https: see `hostOnlyCookie`). */
export function sessionCookieName(publicUrl: string): string {
  return hostOnlyCookie(publicUrl, SESSION_COOKIE);
}

export function deviceCookieName(publicUrl: string): string {
  return hostOnlyCookie(publicUrl, DEVICE_COOKIE);
}

export function customerToken(request: FastifyRequest, publicUrl: string): string | undefined {
  return request.cookies?.[sessionCookieName(publicUrl)];
}

export function deviceToken(request: FastifyRequest, publicUrl: string): string | undefined {
  return request.cookies?.[deviceCookieName(publicUrl)];
}

/** A route guard (an onRequest hook) that lets the request through only with a valid customer session (401 MXF_AUTH_REQUIRED). */
export function requireCustomer(identity: {
  authenticate(token: string | undefined): Promise<CustomerPrincipal | null>;
  readonly publicUrl: string;
}): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = await identity.authenticate(customerToken(request, identity.publicUrl));
    if (!principal) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    request.customer = principal;
  };
}

/**
 * A route guard, after `requireCustomer`, for credential changes, grants and
 * exports: the session must have proved a factor within STEP_UP_MS (at sign-in
 * or through `/v1/me/reauth/...`); else 403 MXF_IDENTITY_STEP_UP_REQUIRED.
 */
export function requireRecentSignIn(clock: Clock): onRequestAsyncHookHandler {
  return async (request) => {
    if (!isRecent(customerOf(request), clock.now())) throw new MaxfiyError('MXF_IDENTITY_STEP_UP_REQUIRED');
  };
}

/** The signed-in customer of a guarded route. */
export function customerOf(request: FastifyRequest): CustomerPrincipal {
  if (!request.customer) throw new MaxfiyError('MXF_AUTH_REQUIRED');
  return request.customer;
}

/** The audit actor of a guarded route: `subject:<id>`. */
export function customerActor(request: unknown): string {
  return `subject:${customerOf(request as FastifyRequest).subjectId}`;
}
