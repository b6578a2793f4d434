import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MaxfiyError } from '../../errors.js';
import { requireStaff, staffCookieName, staffCookieOptions, staffOf, staffToken } from '../../http/auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import { pickLanguage } from '../../i18n/errors-define.js';
import { staffFactorRoutes } from './staff.factors.routes.js';
import {
  InviteBody,
  InviteFinishBody,
  InviteId,
  InviteSchema,
  InviteStartBody,
  InviteTokenBody,
  LoginFinishBody,
  LoginStartBody,
  ResetBody,
  RolesBody,
  SetupFinishBody,
  SetupStartBody,
  StaffId,
  StaffMemberSchema,
  StaffPrincipalSchema,
  StaffRoles,
} from './staff.schemas.js';
import type { StaffService } from './staff.service.js';

/**
 * Staff sign-in and management. Passwords never travel: the browser runs the
 * OPAQUE client and sends only protocol messages, each validated by shape and
 * exact length here.
 */
export function staffRoutes(deps: { staff: StaffService }): FastifyPluginAsyncTypebox {
  const { staff } = deps;
  const cookie = staffCookieOptions(staff.publicUrl);
  const cookieName = staffCookieName(staff.publicUrl);
  const setSession = (reply: FastifyReply, token: string) => reply.setCookie(cookieName, token, cookie);
  const admin = requireStaff(staff, 'admin');
  /** The language of a mail the request sends: `?lang=`, else the browser's. */
  const languageOf = (request: FastifyRequest) => {
    const query = (request.query ?? {}) as { lang?: unknown };
    return pickLanguage(
      typeof query.lang === 'string' ? query.lang : undefined,
      request.headers['accept-language'],
    );
  };
  const StaffBody = Type.Object({ staff: StaffPrincipalSchema });
  const SignedInBody = Type.Object({
    staff: StaffPrincipalSchema,
    factorRequired: Type.Boolean({
      description: 'True: the session may only enrol a passkey or authenticator app.',
    }),
  });

  return async (app) => {
    const tags = ['staff'];
    await app.register(staffFactorRoutes({ staff }));

    app.get(
      '/v1/setup/status',
      {
        schema: {
          tags,
          summary: 'Whether the first administrator still has to be set up',
          response: { 200: Type.Object({ needed: Type.Boolean() }), ...errors() },
        },
      },
      async () => staff.setupStatus(),
    );

    app.post(
      '/v1/setup/admin/start',
      {
        schema: {
          tags,
          summary:
            'First administrator, step 1: check the one-time link and answer the OPAQUE registration request',
          body: SetupStartBody,
          response: { 200: Type.Object({ registrationResponse: Type.String() }), ...errors(409) },
        },
      },
      async (request) => staff.startAdminSetup(request.body),
    );

    app.post(
      '/v1/setup/admin/finish',
      {
        schema: {
          tags,
          summary:
            'First administrator, step 2: store the OPAQUE record, use up the link, sign in (limited to enrolling a factor)',
          body: SetupFinishBody,
          response: { 201: SignedInBody, ...errors(409) },
        },
      },
      async (request, reply) => {
        const done = await staff.finishAdminSetup(request.body);
        setSession(reply, done.sessionToken);
        return reply.code(201).send({ staff: done.staff, factorRequired: true });
      },
    );

    app.post(
      '/v1/staff/login/start',
      {
        schema: {
          tags,
          summary:
            'Sign-in, step 1: the OPAQUE login response (the same shape whether or not the account exists)',
          body: LoginStartBody,
          response: {
            200: Type.Object({ loginId: Type.String(), loginResponse: Type.String() }),
            ...errors(),
          },
        },
      },
      async (request) => staff.startLogin({ ...request.body, ip: request.ip }),
    );

    app.post(
      '/v1/staff/login/finish',
      {
        schema: {
          tags,
          summary:
            'Sign-in, step 2: verify the OPAQUE proof. 200 opens a session (cookie `mxf_staff`; limited to enrolling a factor while the member has none); 202 asks for the authenticator code at `/v1/staff/login/totp`',
          body: LoginFinishBody,
          response: {
            200: SignedInBody,
            202: Type.Object({ pendingId: Type.String(), secondFactor: Type.Literal('totp') }),
            ...errors(401, 403),
          },
        },
      },
      async (request, reply) => {
        const done = await staff.finishLogin({
          ...request.body,
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        });
        if ('pendingId' in done) return reply.code(202).send(done);
        setSession(reply, done.sessionToken);
        return { staff: done.staff, factorRequired: done.factorRequired };
      },
    );

    app.post(
      '/v1/staff/logout',
      { schema: { tags, summary: 'End the session', response: { 204: NoContent, ...errors() } } },
      async (request, reply) => {
        await staff.logout(staffToken(request, staff.publicUrl));
        reply.clearCookie(cookieName, cookie);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/staff/me',
      {
        schema: {
          tags,
          summary:
            'The signed-in staff member; `factorRequired` is true while the session may only enrol a factor (the console then leads there)',
          response: {
            200: Type.Object({ staff: StaffPrincipalSchema, factorRequired: Type.Optional(Type.Boolean()) }),
            ...errors(401),
          },
        },
      },
      async (request) => {
        const session = await staff.session(staffToken(request, staff.publicUrl));
        if (!session) throw new MaxfiyError('MXF_AUTH_REQUIRED');
        return session.factorRequired
          ? { staff: session.staff, factorRequired: true }
          : { staff: session.staff };
      },
    );

    app.get(
      '/v1/staff',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'All staff members (administrators)',
          response: { 200: Type.Object({ staff: Type.Array(StaffMemberSchema) }), ...errors(401, 403) },
        },
      },
      async () => ({ staff: await staff.listStaff() }),
    );

    app.put(
      '/v1/staff/:id/roles',
      {
        onRequest: admin,
        schema: {
          tags,
          summary:
            'Replace another staff member’s roles (administrators; never their own; the last administrator keeps the role)',
          params: Type.Object({ id: StaffId }),
          body: RolesBody,
          response: { 200: Type.Object({ staff: StaffMemberSchema }), ...errors(401, 403, 404, 409) },
        },
      },
      async (request) => ({
        staff: await staff.setRoles(staffOf(request).id, request.params.id, request.body.roles),
      }),
    );

    app.post(
      '/v1/staff/:id/deactivate',
      {
        onRequest: admin,
        schema: {
          tags,
          summary:
            'Deactivate a staff member: their sessions end and they can no longer sign in (administrators; not oneself, not the last administrator)',
          params: Type.Object({ id: StaffId }),
          response: { 204: NoContent, ...errors(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await staff.deactivate(staffOf(request).id, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/staff/:id/reactivate',
      {
        onRequest: admin,
        schema: {
          tags,
          summary:
            'Reactivate a deactivated staff member: they sign in again with their password and second factor (administrators)',
          params: Type.Object({ id: StaffId }),
          response: { 204: NoContent, ...errors(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await staff.reactivate(staffOf(request).id, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/staff/:id/reset',
      {
        onRequest: admin,
        schema: {
          tags,
          summary:
            'Reset a member’s sign-in (administrators; not oneself): their sessions and sign-in end at once; mails a one-time link valid 24 hours, returned this once, to set a new password and enrol a new factor',
          params: Type.Object({ id: StaffId }),
          body: ResetBody,
          response: {
            201: Type.Object({
              link: Type.String({ description: 'Shown once.' }),
              expiresAt: Type.Integer(),
            }),
            ...errors(401, 403, 404, 409),
          },
        },
      },
      async (request, reply) => {
        const language = request.body.language ?? languageOf(request);
        const done = await staff.issueReset(staffOf(request).id, request.params.id, language);
        return reply.code(201).send(done);
      },
    );

    app.post(
      '/v1/staff/reset/check',
      {
        schema: {
          tags,
          summary:
            'Sign-in reset link: whom it resets (expired, used, replaced and unknown links are refused alike)',
          body: InviteTokenBody,
          response: { 200: Type.Object({ displayName: Type.String() }), ...errors() },
        },
      },
      async (request) => staff.checkReset(request.body.token),
    );

    app.post(
      '/v1/staff/reset/start',
      {
        schema: {
          tags,
          summary: 'Sign-in reset, step 1: check the link and answer the OPAQUE registration request',
          body: InviteStartBody,
          response: { 200: Type.Object({ registrationResponse: Type.String() }), ...errors() },
        },
      },
      async (request) => staff.startReset(request.body),
    );

    app.post(
      '/v1/staff/reset/finish',
      {
        schema: {
          tags,
          summary:
            'Sign-in reset, step 2: the new OPAQUE record replaces the old, every factor is removed, the link is used up; signed in, limited to enrolling a factor',
          body: InviteFinishBody,
          response: { 201: SignedInBody, ...errors() },
        },
      },
      async (request, reply) => {
        const done = await staff.finishReset(request.body);
        setSession(reply, done.sessionToken);
        return reply.code(201).send({ staff: done.staff, factorRequired: true });
      },
    );

    app.get(
      '/v1/staff/invites',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'Pending invitations (administrators)',
          response: { 200: Type.Object({ invites: Type.Array(InviteSchema) }), ...errors(401, 403) },
        },
      },
      async () => ({ invites: await staff.listInvites() }),
    );

    app.post(
      '/v1/staff/invites',
      {
        onRequest: admin,
        schema: {
          tags,
          summary:
            'Invite a staff member (administrators): mails a one-time link valid 72 hours and returns it this once',
          body: InviteBody,
          response: {
            201: Type.Object({ invite: InviteSchema, link: Type.String({ description: 'Shown once.' }) }),
            ...errors(401, 403, 409),
          },
        },
      },
      async (request, reply) => {
        const language = request.body.language ?? languageOf(request);
        const done = await staff.invite(staffOf(request).id, { ...request.body, language });
        return reply.code(201).send(done);
      },
    );

    app.delete(
      '/v1/staff/invites/:id',
      {
        onRequest: admin,
        schema: {
          tags,
          summary: 'Revoke a pending invitation (administrators); its link stops working',
          params: Type.Object({ id: InviteId }),
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await staff.revokeInvite(staffOf(request).id, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/staff/invite/check',
      {
        schema: {
          tags,
          summary:
            'Invitation link: whom it invites (expired, used, revoked and unknown links are refused alike)',
          body: InviteTokenBody,
          response: {
            200: Type.Object({ email: Type.String(), displayName: Type.String(), roles: StaffRoles }),
            ...errors(),
          },
        },
      },
      async (request) => staff.checkInvite(request.body.token),
    );

    app.post(
      '/v1/staff/invite/start',
      {
        schema: {
          tags,
          summary: 'Invitation, step 1: check the link and answer the OPAQUE registration request',
          body: InviteStartBody,
          response: { 200: Type.Object({ registrationResponse: Type.String() }), ...errors() },
        },
      },
      async (request) => staff.startAccept(request.body),
    );

    app.post(
      '/v1/staff/invite/finish',
      {
        schema: {
          tags,
          summary:
            'Invitation, step 2: store the OPAQUE record, use up the link, sign in (limited to enrolling a factor)',
          body: InviteFinishBody,
          response: { 201: SignedInBody, ...errors(409) },
        },
      },
      async (request, reply) => {
        const done = await staff.finishAccept(request.body);
        setSession(reply, done.sessionToken);
        return reply.code(201).send({ staff: done.staff, factorRequired: true });
      },
    );
  };
}
