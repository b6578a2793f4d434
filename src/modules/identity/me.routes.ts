import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import {
  customerCookieOptions,
  customerOf,
  requireCustomer,
  sessionCookieName,
} from '../../http/customer-auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import {
  CodeBody,
  CompromiseSchema,
  ContactBody,
  Id,
  IncidentSchema,
  NoticeSchema,
  ProfileChangeSchema,
  ProfilePatchBody,
  ProfileSchema,
  RegistrationRecordBody,
  RegistrationRequestBody,
  SessionSchema,
  SigninSchema,
  VerificationId,
} from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';
import { requestLanguage } from './messages.js';

/** The signed-in customer's own account: sessions, history, notices, password, profile, compromise report. */
export function meRoutes(deps: {
  identity: IdentityService;
  /** Security staff (and administrators) see the incidents compromise reports open. */
  requireSecurity: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { identity } = deps;
  const signedIn = requireCustomer(identity);
  const cookie = customerCookieOptions(identity.publicUrl, identity.lifetimes.absoluteMs);

  return async (app) => {
    const tags = ['cabinet'];
    const guarded = { onRequest: signedIn };

    app.get(
      '/v1/me/sessions',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'My live sessions',
          response: { 200: Type.Object({ sessions: Type.Array(SessionSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ sessions: await identity.listSessions(customerOf(request)) }),
    );

    app.delete(
      '/v1/me/sessions/:id',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'End one of my sessions',
          params: Type.Object({ id: Id }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 404) },
        },
      },
      async (request, reply) => {
        await identity.endSession(customerOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/me/sessions/end-others',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'End all my sessions but this one',
          response: { 200: Type.Object({ ended: Type.Integer() }), ...errors(401) },
        },
      },
      async (request) => ({ ended: await identity.endOtherSessions(customerOf(request)) }),
    );

    app.get(
      '/v1/me/signins',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'My sign-in history: time, address, device, result',
          response: { 200: Type.Object({ signins: Type.Array(SigninSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ signins: await identity.signinHistory(customerOf(request)) }),
    );

    app.get(
      '/v1/me/notices',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Notices for me (sign-ins from new devices)',
          response: { 200: Type.Object({ notices: Type.Array(NoticeSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ notices: await identity.notices(customerOf(request)) }),
    );

    app.post(
      '/v1/me/password/start',
      {
        ...guarded,
        schema: {
          tags,
          summary:
            'Change password, step 1 (needs a sign-in within 10 minutes): the OPAQUE registration response',
          body: RegistrationRequestBody,
          response: { 200: Type.Object({ registrationResponse: Type.String() }), ...errors(401, 403) },
        },
      },
      async (request) => identity.startPasswordChange(customerOf(request), request.body.registrationRequest),
    );

    app.post(
      '/v1/me/password/finish',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Change password, step 2: store the new OPAQUE record and end my other sessions',
          body: RegistrationRecordBody,
          response: { 204: NoContent, ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        await identity.finishPasswordChange(
          customerOf(request),
          request.body.registrationRecord,
          requestLanguage(request),
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/v1/me/profile',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'My personal data',
          response: { 200: Type.Object({ profile: ProfileSchema }), ...errors(401) },
        },
      },
      async (request) => ({ profile: await identity.getProfile(customerOf(request)) }),
    );

    app.patch(
      '/v1/me/profile',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Correct my personal data (e-mail and phone change through a code)',
          body: ProfilePatchBody,
          response: { 200: Type.Object({ profile: ProfileSchema }), ...errors(401) },
        },
      },
      async (request) => ({ profile: await identity.updateProfile(customerOf(request), request.body) }),
    );

    app.get(
      '/v1/me/profile/history',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Every change of my personal data',
          response: { 200: Type.Object({ changes: Type.Array(ProfileChangeSchema) }), ...errors(401) },
        },
      },
      async (request) => ({ changes: await identity.profileHistory(customerOf(request)) }),
    );

    app.post(
      '/v1/me/contact/start',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Change my e-mail or phone, step 1 (needs a recent sign-in): send a code to the new one',
          body: ContactBody,
          response: { 202: VerificationId, ...errors(401, 403, 422) },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await identity.startContactChange(
              customerOf(request),
              request.body.contact,
              request.ip,
              requestLanguage(request),
            ),
          ),
    );

    app.post(
      '/v1/me/contact/verify',
      {
        ...guarded,
        schema: {
          tags,
          summary: 'Change my e-mail or phone, step 2: the code makes the change',
          body: CodeBody,
          response: { 200: Type.Object({ profile: ProfileSchema }), ...errors(401, 403, 409) },
        },
      },
      async (request) => ({
        profile: await identity.finishContactChange(
          customerOf(request),
          request.body.verificationId,
          request.body.code,
          request.ip,
        ),
      }),
    );

    app.post(
      '/v1/me/compromise',
      {
        ...guarded,
        schema: {
          tags,
          summary:
            'Report that my account is compromised: every session ends and password sign-in is blocked until a reset',
          response: { 200: CompromiseSchema, ...errors(401) },
        },
      },
      async (request, reply) => {
        const outcome = await identity.reportCompromise(customerOf(request), requestLanguage(request));
        // This session ended with the others.
        reply.clearCookie(sessionCookieName(identity.publicUrl), cookie);
        return outcome;
      },
    );

    app.get(
      '/v1/incidents',
      {
        onRequest: deps.requireSecurity,
        schema: {
          tags: ['security'],
          summary: 'Incidents opened by compromise reports (security staff and administrators)',
          response: { 200: Type.Object({ incidents: Type.Array(IncidentSchema) }), ...errors(401, 403) },
        },
      },
      async () => ({ incidents: await identity.listIncidents() }),
    );
  };
}
