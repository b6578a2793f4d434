/**
 * The agreement in the cabinet (§8, §9, §20): which version is in force, what
 * I accepted and when, the prompt for a new version, and my own receipts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { customerActor, customerOf } from '../../http/customer-auth.js';
import { errors } from '../../http/schemas.js';
import type { AcceptanceService } from './acceptance.service.js';
import { type AgreementLanguage, Language, ReceiptId, VersionNumber } from './agreements.schemas.js';
import { renderReceipt } from './receipt.js';
import { ReceiptLang, sendReceiptPage, sendReceiptPdf } from './receipt.reply.js';
import type { VersionsService } from './versions.service.js';

const Time = Type.Integer({ minimum: 0 });
const MyAgreement = Type.Object({
  inForce: Type.Union([
    Type.Object({
      version: VersionNumber,
      effectiveAt: Time,
      hashes: Type.Record(Type.String(), Type.String()),
      languages: Type.Array(Language),
    }),
    Type.Null(),
  ]),
  current: Type.Boolean(),
  pending: Type.Union([Type.Object({ version: VersionNumber, effectiveAt: Time }), Type.Null()]),
  acceptances: Type.Array(
    Type.Object({
      id: Type.String(),
      version: VersionNumber,
      at: Time,
      lang: Language,
      method: Type.String(),
      receiptId: Type.String(),
    }),
  ),
});

const Rid = Type.Object({ id: ReceiptId }, { additionalProperties: false });

export function agreementCabinetRoutes(deps: {
  versions: VersionsService;
  acceptances: AcceptanceService;
  requireCustomer: onRequestAsyncHookHandler;
  publicUrl: string;
}): FastifyPluginAsyncTypebox {
  const { versions, acceptances, requireCustomer } = deps;
  const base = deps.publicUrl.replace(/\/$/, '');
  const tags = ['cabinet'];
  /** My receipt; another customer's is answered as not found. */
  const mine = (request: Parameters<typeof customerOf>[0], id: string) =>
    acceptances.receiptOf(customerOf(request).subjectId, id);

  return async (app) => {
    app.get(
      '/v1/me/agreement',
      {
        onRequest: requireCustomer,
        schema: {
          tags,
          summary:
            'The agreement in force, whether I accepted it, a version still to come, and my acceptances',
          response: { 200: MyAgreement, ...errors(401) },
        },
      },
      async (req) => {
        const subjectId = customerOf(req).subjectId;
        const [inForce, state, all, history] = await Promise.all([
          versions.inForce(),
          acceptances.state(subjectId),
          versions.list(),
          acceptances.history(subjectId),
        ]);
        const inForceNumber = inForce ? Number(inForce.version.number) : 0;
        const upcoming = all
          .filter((v) => v.status === 'published' && v.number > inForceNumber && v.effectiveAt !== null)
          .at(-1);
        return {
          inForce: inForce && {
            version: inForceNumber,
            effectiveAt: Number(inForce.version.effective_at),
            hashes: Object.fromEntries([...inForce.texts].map(([lang, t]) => [lang, t.content_hash])),
            languages: [...inForce.texts.keys()],
          },
          current: state.current,
          pending: upcoming
            ? { version: upcoming.number, effectiveAt: upcoming.effectiveAt as number }
            : null,
          acceptances: history.map((a) => ({
            id: a.id,
            version: Number(a.version),
            at: Number(a.accepted_at),
            lang: a.lang as AgreementLanguage,
            method: a.method,
            receiptId: a.id,
          })),
        };
      },
    );

    app.post(
      '/v1/me/agreement/acceptances',
      {
        onRequest: requireCustomer,
        schema: {
          tags,
          summary: 'I accept a version (the one in force, or one published to take effect later)',
          body: Type.Object({ version: VersionNumber, lang: Language }, { additionalProperties: false }),
          response: {
            201: Type.Object({ id: Type.String(), receiptId: Type.String() }),
            ...errors(401, 404, 409),
          },
        },
      },
      async (req, reply) => {
        const result = await acceptances.accept({
          subjectId: customerOf(req).subjectId,
          version: req.body.version,
          language: req.body.lang,
          method: 'cabinet',
          actor: customerActor(req),
        });
        return reply.code(201).send({ id: result.receiptId, receiptId: result.receiptId });
      },
    );

    app.get(
      '/v1/me/receipts/:id',
      {
        onRequest: requireCustomer,
        schema: {
          tags,
          summary: 'My acceptance receipt as JSON, with its audit proof',
          params: Rid,
          response: {
            200: Type.String({ description: 'application/json, canonical form' }),
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        const receipt = await mine(req, req.params.id);
        return reply
          .type('application/json; charset=utf-8')
          .header('cache-control', 'private, no-store')
          .header('content-disposition', `inline; filename="receipt-${req.params.id}.json"`)
          .send(renderReceipt(receipt));
      },
    );

    app.get(
      '/v1/me/receipts/:id/page',
      {
        onRequest: requireCustomer,
        schema: {
          tags,
          summary: 'My acceptance receipt as a page to read and print',
          params: Rid,
          querystring: ReceiptLang,
          response: { 200: Type.String({ description: 'text/html' }), ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        const receipt = await mine(req, req.params.id);
        return sendReceiptPage(reply, receipt, req.query.lang, {
          base,
          url: `${base}/v1/me/receipts/${req.params.id}`,
        });
      },
    );

    app.get(
      '/v1/me/receipts/:id/pdf',
      {
        onRequest: requireCustomer,
        schema: {
          tags,
          summary: 'My acceptance receipt as a one-page PDF',
          params: Rid,
          querystring: ReceiptLang,
          response: {
            200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        const receipt = await mine(req, req.params.id);
        return sendReceiptPdf(reply, receipt, req.query.lang, { base, id: req.params.id });
      },
    );
  };
}
