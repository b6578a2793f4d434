import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MaxfiyError } from '../../errors.js';
import { staffCookieName, staffCookieOptions, staffToken } from '../../http/auth.js';
import { errors, NoContent } from '../../http/schemas.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../factors/factors.passkeys.js';
import {
  AuthenticationResponse,
  Ceremony,
  CeremonyId,
  EmptyBody,
  FactorId,
  FactorLabel,
  FactorSchema,
  RecoveryCodes,
  RegistrationResponse,
  SecondFactorCode,
  TotpCode,
  WebAuthnOptions,
} from '../factors/factors.schemas.js';
import { StaffPrincipalSchema } from './staff.schemas.js';
import type { StaffService } from './staff.service.js';

/**
 * Staff second factors and passkeys. The factor routes accept a session that
 * is limited to enrolling (every other staff route refuses it with
 * MXF_STAFF_FACTOR_REQUIRED); credential changes need a recent sign-in.
 */
export function staffFactorRoutes(deps: { staff: StaffService }): FastifyPluginAsyncTypebox {
  const { staff } = deps;
  const flows = staff.factors;
  const cookie = staffCookieOptions(staff.publicUrl);
  const cookieName = staffCookieName(staff.publicUrl);
  const setSession = (reply: FastifyReply, token: string) => reply.setCookie(cookieName, token, cookie);
  const StaffBody = Type.Object({ staff: StaffPrincipalSchema });

  async function current(request: FastifyRequest) {
    const token = staffToken(request, staff.publicUrl);
    const session = await staff.session(token);
    if (!session || !token) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    return { session, token };
  }
  const context = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] });

  return async (app) => {
    const tags = ['staff factors'];

    app.get(
      '/v1/staff/factors',
      {
        schema: {
          tags,
          summary:
            'The signed-in member’s passkeys and authenticator app, and how many recovery codes are left',
          response: {
            200: Type.Object({
              factors: Type.Array(FactorSchema),
              recoveryCodesLeft: Type.Integer(),
              factorRequired: Type.Boolean({
                description: 'True while the session may only enrol a factor.',
              }),
            }),
            ...errors(401),
          },
        },
      },
      async (request) => flows.list((await current(request)).session),
    );

    app.post(
      '/v1/staff/factors/totp/start',
      {
        schema: {
          tags,
          summary: 'Authenticator app, step 1: a new secret as an otpauth URI and as base32 text',
          body: EmptyBody,
          response: {
            200: Type.Object({ enrolmentId: CeremonyId, secret: Type.String(), otpauthUri: Type.String() }),
            ...errors(401, 403),
          },
        },
      },
      async (request) => flows.startTotp((await current(request)).session),
    );

    app.post(
      '/v1/staff/factors/totp/finish',
      {
        schema: {
          tags,
          summary: 'Authenticator app, step 2: a code from the app; answers the recovery codes, shown once',
          body: Type.Object(
            { enrolmentId: CeremonyId, code: TotpCode, label: Type.Optional(FactorLabel) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ factor: FactorSchema, recoveryCodes: RecoveryCodes }),
            ...errors(401, 403, 409),
          },
        },
      },
      async (request, reply) => {
        const { session, token } = await current(request);
        return reply.code(201).send(await flows.finishTotp(session, token, request.body));
      },
    );

    app.post(
      '/v1/staff/factors/recovery-codes',
      {
        schema: {
          tags,
          summary: 'Ten new recovery codes, replacing the old ones; shown once',
          body: EmptyBody,
          response: { 200: Type.Object({ recoveryCodes: RecoveryCodes }), ...errors(401, 403, 404) },
        },
      },
      async (request) => ({
        recoveryCodes: await flows.regenerateRecoveryCodes((await current(request)).session),
      }),
    );

    app.post(
      '/v1/staff/factors/passkeys/register/start',
      {
        schema: {
          tags,
          summary:
            'Passkey registration, step 1: WebAuthn creation options (the challenge is kept server-side)',
          body: EmptyBody,
          response: { 200: Ceremony, ...errors(401, 403) },
        },
      },
      async (request) => flows.startPasskeyRegistration((await current(request)).session),
    );

    app.post(
      '/v1/staff/factors/passkeys/register/finish',
      {
        schema: {
          tags,
          summary: 'Passkey registration, step 2: verify the authenticator’s answer and keep the public key',
          body: Type.Object(
            { challengeId: CeremonyId, response: RegistrationResponse, label: Type.Optional(FactorLabel) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ factor: FactorSchema }), ...errors(401, 403) },
        },
      },
      async (request, reply) => {
        const { session, token } = await current(request);
        const body = { ...request.body, response: request.body.response as RegistrationResponseJSON };
        return reply.code(201).send(await flows.finishPasskeyRegistration(session, token, body));
      },
    );

    app.delete(
      '/v1/staff/factors/:id',
      {
        schema: {
          tags,
          summary: 'Remove a passkey or the authenticator app (not the last one)',
          params: Type.Object({ id: FactorId }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await flows.remove((await current(request)).session, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/staff/login/totp',
      {
        schema: {
          tags,
          summary:
            'Sign-in, second step: a code from the authenticator app or a recovery code opens the session',
          body: Type.Object(
            { pendingId: CeremonyId, code: SecondFactorCode },
            { additionalProperties: false },
          ),
          response: { 200: StaffBody, ...errors(401) },
        },
      },
      async (request, reply) => {
        const done = await flows.finishSecondStep({ ...request.body, ...context(request) });
        setSession(reply, done.sessionToken);
        return { staff: done.staff };
      },
    );

    app.post(
      '/v1/staff/login/passkey/start',
      {
        schema: {
          tags,
          summary: 'Passkey sign-in, step 1: WebAuthn request options for a discoverable credential',
          body: EmptyBody,
          response: { 200: Ceremony, ...errors() },
        },
      },
      async () => flows.startPasskeySignIn(),
    );

    app.post(
      '/v1/staff/login/passkey/finish',
      {
        schema: {
          tags,
          summary: 'Passkey sign-in, step 2: verify the assertion and open a session (cookie `mxf_staff`)',
          body: Type.Object(
            { challengeId: CeremonyId, response: AuthenticationResponse },
            { additionalProperties: false },
          ),
          response: { 200: StaffBody, ...errors(401) },
        },
      },
      async (request, reply) => {
        const response = request.body.response as AuthenticationResponseJSON;
        const done = await flows.finishPasskeySignIn({ ...request.body, response, ...context(request) });
        setSession(reply, done.sessionToken);
        return { staff: done.staff };
      },
    );
  };
}
