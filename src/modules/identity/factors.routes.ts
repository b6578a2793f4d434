import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { customerOf, requireCustomer, requireRecentSignIn } from '../../http/customer-auth.js';
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
import { FinishLoginRequest, StartLoginRequest, Token } from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';

/**
 * The customer's passkeys and authenticator app (mirroring `/v1/staff/factors`),
 * and the step-up that credential changes need: every change here needs a
 * sign-in within 10 minutes, or a fresh proof through `/v1/me/reauth/...`.
 */
export function customerFactorRoutes(deps: { identity: IdentityService }): FastifyPluginAsyncTypebox {
  const { identity } = deps;
  const flows = identity.factors;
  const signedIn = { onRequest: requireCustomer(identity) };
  const recent = { onRequest: [requireCustomer(identity), requireRecentSignIn(identity.clock)] };
  const Passkey = Type.Object({
    id: FactorId,
    name: Type.String(),
    createdAt: Type.Integer(),
    lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  });

  return async (app) => {
    const tags = ['cabinet factors'];

    app.get(
      '/v1/me/factors',
      {
        ...signedIn,
        schema: {
          tags,
          summary: 'My passkeys and authenticator app, and how many recovery codes are left',
          response: {
            200: Type.Object({
              totp: Type.Boolean(),
              totpId: Type.Union([FactorId, Type.Null()], {
                description: 'The authenticator app’s factor id, for DELETE /v1/me/factors/:id.',
              }),
              passkeys: Type.Array(Passkey),
              recoveryCodesLeft: Type.Integer(),
            }),
            ...errors(401),
          },
        },
      },
      async (request) => flows.list(customerOf(request)),
    );

    app.post(
      '/v1/me/factors/totp/start',
      {
        ...recent,
        schema: {
          tags,
          summary: 'Authenticator app, step 1 (recent sign-in): a new secret as an otpauth URI and as text',
          body: EmptyBody,
          response: {
            200: Type.Object({ enrolmentId: CeremonyId, secret: Type.String(), otpauthUri: Type.String() }),
            ...errors(401, 403),
          },
        },
      },
      async (request) => flows.startTotp(customerOf(request)),
    );

    app.post(
      '/v1/me/factors/totp/finish',
      {
        ...recent,
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
      async (request, reply) =>
        reply.code(201).send(await flows.finishTotp(customerOf(request), request.body)),
    );

    app.post(
      '/v1/me/factors/recovery-codes',
      {
        ...recent,
        schema: {
          tags,
          summary: 'Ten new recovery codes, replacing the old ones; shown once',
          body: EmptyBody,
          response: { 200: Type.Object({ recoveryCodes: RecoveryCodes }), ...errors(401, 403, 404) },
        },
      },
      async (request) => ({ recoveryCodes: await flows.regenerateRecoveryCodes(customerOf(request)) }),
    );

    app.post(
      '/v1/me/factors/passkeys/register/start',
      {
        ...recent,
        schema: {
          tags,
          summary: 'Passkey registration, step 1 (recent sign-in): WebAuthn creation options',
          body: EmptyBody,
          response: { 200: Ceremony, ...errors(401, 403) },
        },
      },
      async (request) => flows.startPasskeyRegistration(customerOf(request)),
    );

    app.post(
      '/v1/me/factors/passkeys/register/finish',
      {
        ...recent,
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
        const body = { ...request.body, response: request.body.response as RegistrationResponseJSON };
        return reply.code(201).send(await flows.finishPasskeyRegistration(customerOf(request), body));
      },
    );

    app.delete(
      '/v1/me/factors/:id',
      {
        ...recent,
        schema: {
          tags,
          summary: 'Remove a passkey or the authenticator app (with it, its recovery codes)',
          params: Type.Object({ id: FactorId }, { additionalProperties: false }),
          response: { 204: NoContent, ...errors(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await flows.remove(customerOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/me/reauth/start',
      {
        ...signedIn,
        schema: {
          tags,
          summary: 'Step-up with the password, step 1: the OPAQUE login response for the signed-in customer',
          body: Type.Object({ startLoginRequest: StartLoginRequest }, { additionalProperties: false }),
          response: {
            200: Type.Object({ loginId: Token, loginResponse: Type.String() }),
            ...errors(401),
          },
        },
      },
      async (request) => identity.startReauth(customerOf(request), { ...request.body, ip: request.ip }),
    );

    app.post(
      '/v1/me/reauth/finish',
      {
        ...signedIn,
        schema: {
          tags,
          summary:
            'Step-up with the password, step 2: the OPAQUE proof (and, with an authenticator app, its code) renews this session’s sign-in time',
          body: Type.Object(
            { loginId: Token, finishLoginRequest: FinishLoginRequest, code: Type.Optional(SecondFactorCode) },
            { additionalProperties: false },
          ),
          response: { 204: NoContent, ...errors(401) },
        },
      },
      async (request, reply) => {
        await identity.finishReauth(customerOf(request), { ...request.body, ip: request.ip });
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v1/me/reauth/passkey/start',
      {
        ...signedIn,
        schema: {
          tags,
          summary: 'Step-up with a passkey, step 1: WebAuthn request options',
          body: EmptyBody,
          response: { 200: Ceremony, ...errors(401) },
        },
      },
      async () => identity.startPasskeyReauth(),
    );

    app.post(
      '/v1/me/reauth/passkey/finish',
      {
        ...signedIn,
        schema: {
          tags,
          summary:
            'Step-up with a passkey, step 2: one of my own passkeys renews this session’s sign-in time',
          body: Type.Object(
            { challengeId: CeremonyId, response: AuthenticationResponse },
            { additionalProperties: false },
          ),
          response: { 204: NoContent, ...errors(401) },
        },
      },
      async (request, reply) => {
        const response = request.body.response as AuthenticationResponseJSON;
        await identity.finishPasskeyReauth(customerOf(request), {
          challengeId: request.body.challengeId,
          response,
          ip: request.ip,
        });
        return reply.code(204).send(null);
      },
    );
  };
}
