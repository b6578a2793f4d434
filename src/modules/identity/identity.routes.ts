import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  customerCookieOptions,
  customerToken,
  deviceCookieName,
  deviceCookieOptions,
  deviceToken,
  sessionCookieName,
} from '../../http/customer-auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import type { AuthenticationResponseJSON } from '../factors/factors.passkeys.js';
import {
  AuthenticationResponse,
  CeremonyId,
  EmptyBody,
  SecondFactorCode,
  WebAuthnOptions,
} from '../factors/factors.schemas.js';
import {
  CompromiseSchema,
  ContactBody,
  CustomerSchema,
  LinkBody,
  RegisterBody,
  SigninFinishBody,
  SigninStartBody,
  VerificationId,
  VerifyBody,
} from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';
import { requestLanguage } from './messages.js';
import type { SigninDone } from './signin.js';

/**
 * Customer sign-up, sign-in and reset. Passwords never travel: the browser runs
 * the OPAQUE client and sends only protocol messages, each checked by shape and
 * exact length. Every step that names a contact answers alike whether or not an
 * account has it.
 */
export function identityRoutes(deps: { identity: IdentityService }): FastifyPluginAsyncTypebox {
  const { identity } = deps;
  const cookie = customerCookieOptions(identity.publicUrl, identity.lifetimes.absoluteMs);
  const device = deviceCookieOptions(identity.publicUrl);
  const admitted = (reply: FastifyReply, done: SigninDone) => {
    reply.setCookie(sessionCookieName(identity.publicUrl), done.sessionToken, cookie);
    if (done.deviceToken) reply.setCookie(deviceCookieName(identity.publicUrl), done.deviceToken, device);
    return { customer: { subjectId: done.principal.subjectId } };
  };
  const Signed = Type.Object({ customer: CustomerSchema });
  const SecondFactor = Type.Object({
    secondFactor: Type.Literal('totp', {
      description: 'The account has an authenticator app: give its code to `/v1/signin/totp`.',
    }),
    challengeId: CeremonyId,
  });
  const Ceremony = Type.Object({ challengeId: CeremonyId, options: WebAuthnOptions });
  const context = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    deviceToken: deviceToken(request, identity.publicUrl),
    lang: requestLanguage(request),
  });
  const Registration = Type.Object({ registrationResponse: Type.String() });

  return async (app) => {
    const tags = ['identity'];

    app.post(
      '/v1/signup/start',
      {
        schema: {
          tags,
          summary:
            'Sign-up, step 1: send a code to the e-mail or phone (the same answer whether or not it has an account)',
          body: ContactBody,
          response: { 202: VerificationId, ...errors(422) },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await identity.startSignup({ ...request.body, ip: request.ip, lang: requestLanguage(request) }),
          ),
    );

    app.post(
      '/v1/signup/verify',
      {
        schema: {
          tags,
          summary: 'Sign-up, step 2: check the code and answer the OPAQUE registration request',
          body: VerifyBody,
          response: { 200: Registration, ...errors() },
        },
      },
      async (request) => identity.verifySignup({ ...request.body, ip: request.ip }),
    );

    app.post(
      '/v1/signup/finish',
      {
        schema: {
          tags,
          summary:
            'Sign-up, step 3: store the OPAQUE record, create the account, sign in (cookie `mxf_session`)',
          body: RegisterBody,
          response: { 201: Signed, ...errors(409) },
        },
      },
      async (request, reply) => {
        const done = await identity.finishSignup({ ...request.body, ...context(request) });
        return reply.code(201).send(admitted(reply, done));
      },
    );

    app.post(
      '/v1/signin/start',
      {
        schema: {
          tags,
          summary:
            'Sign-in, step 1: the OPAQUE login response (the same shape whether or not the account exists)',
          body: SigninStartBody,
          response: {
            200: Type.Object({ loginId: Type.String(), loginResponse: Type.String() }),
            ...errors(),
          },
        },
      },
      async (request) =>
        identity.startSignin({
          ...request.body,
          ip: request.ip,
          deviceToken: deviceToken(request, identity.publicUrl),
        }),
    );

    app.post(
      '/v1/signin/finish',
      {
        schema: {
          tags,
          summary:
            'Sign-in, step 2: verify the OPAQUE proof and open a session (cookie `mxf_session`), or, with an authenticator app, ask for its code',
          body: SigninFinishBody,
          response: { 200: Type.Union([Signed, SecondFactor]), ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        const outcome = await identity.finishSignin({ ...request.body, ...context(request) });
        if (outcome.next === 'totp')
          return { secondFactor: outcome.secondFactor, challengeId: outcome.challengeId };
        return admitted(reply, outcome);
      },
    );

    app.post(
      '/v1/signin/totp',
      {
        schema: {
          tags,
          summary:
            'Sign-in, step 3 with an authenticator app: its six-digit code or a recovery code opens the session',
          body: Type.Object(
            { challengeId: CeremonyId, code: SecondFactorCode },
            { additionalProperties: false },
          ),
          response: { 200: Signed, ...errors(401, 403) },
        },
      },
      async (request, reply) =>
        admitted(reply, await identity.finishSigninTotp({ ...request.body, ...context(request) })),
    );

    app.post(
      '/v1/signin/passkey/start',
      {
        schema: {
          tags,
          summary: 'Passkey sign-in, step 1: WebAuthn request options for a discoverable credential',
          body: EmptyBody,
          response: { 200: Ceremony, ...errors() },
        },
      },
      async () => identity.startPasskeySignin(),
    );

    app.post(
      '/v1/signin/passkey/finish',
      {
        schema: {
          tags,
          summary:
            'Passkey sign-in, step 2: verify the assertion (user verification required) and open a session',
          body: Type.Object(
            { challengeId: CeremonyId, response: AuthenticationResponse },
            { additionalProperties: false },
          ),
          response: { 200: Signed, ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        const response = request.body.response as AuthenticationResponseJSON;
        const done = await identity.finishPasskeySignin({ ...request.body, response, ...context(request) });
        return admitted(reply, done);
      },
    );

    app.post(
      '/v1/signout',
      { schema: { tags, summary: 'End this session', response: { 204: NoContent, ...errors() } } },
      async (request, reply) => {
        await identity.signOut(customerToken(request, identity.publicUrl));
        reply.clearCookie(sessionCookieName(identity.publicUrl), cookie);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/reset/start',
      {
        schema: {
          tags,
          summary:
            'Password reset, step 1: send a code to a verified e-mail or phone (the same answer whether or not it has an account)',
          body: ContactBody,
          response: { 202: VerificationId, ...errors(422) },
        },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await identity.startReset({ ...request.body, ip: request.ip, lang: requestLanguage(request) }),
          ),
    );

    app.post(
      '/v1/reset/verify',
      {
        schema: {
          tags,
          summary: 'Password reset, step 2: check the code and answer the OPAQUE registration request',
          body: VerifyBody,
          response: { 200: Registration, ...errors() },
        },
      },
      async (request) => identity.verifyReset({ ...request.body, ip: request.ip }),
    );

    app.post(
      '/v1/reset/finish',
      {
        schema: {
          tags,
          summary:
            'Password reset, step 3: store the new OPAQUE record, end every session, lift a compromise block',
          body: RegisterBody,
          response: { 204: NoContent, ...errors() },
        },
      },
      async (request, reply) => {
        await identity.finishReset({ ...request.body, ip: request.ip, lang: requestLanguage(request) });
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/compromise',
      {
        schema: {
          tags,
          summary:
            '"This wasn\'t me": report a compromise from the link in a new-device notice, without signing in',
          body: LinkBody,
          response: { 200: CompromiseSchema, ...errors() },
        },
      },
      async (request) =>
        identity.reportCompromiseByLink(request.body.token, request.ip, requestLanguage(request)),
    );
  };
}
