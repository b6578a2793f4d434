/**
 * The agreement's API: versions for the DPO and legal, acceptances and their
 * state for apps, receipts for customers, notification progress and site checks.
 *
 * Apps record acceptances with their credential (the `agreements` scope), for
 * their own product's site only; support and admin staff may record them too.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import { assertOwnSite, callerActor } from '../../http/app-auth.js';
import { staffActor, staffOf } from '../../http/auth.js';
import { errors } from '../../http/schemas.js';
import { OrgId } from '../org/org.schemas.js';
import type { AcceptanceService } from './acceptance.service.js';
import {
  AcceptanceInput,
  AcceptanceResult,
  AcceptanceState,
  DraftCreate,
  DraftPatch,
  Language,
  ReceiptId,
  SiteCheck,
  SubjectId,
  VersionDetail,
  VersionNumber,
  VersionSummary,
} from './agreements.schemas.js';
import { renderReceipt } from './receipt.js';
import { ReceiptLang, sendReceiptPage, sendReceiptPdf } from './receipt.reply.js';
import { type SiteCheckResult } from './site-checks.js';
import type { VersionsService } from './versions.service.js';

export interface AgreementRouteDeps {
  versions: VersionsService;
  acceptances: AcceptanceService;
  /** Any staff member. */
  requireStaff: onRequestAsyncHookHandler;
  /** DPO or legal: drafts and publication. */
  requireEditor: onRequestAsyncHookHandler;
  /** Support or admin: recording acceptances on an app's behalf. */
  requireApp: onRequestAsyncHookHandler;
  /** DPO or admin: running site checks now. */
  requireChecker: onRequestAsyncHookHandler;
  siteChecks: { run(): Promise<SiteCheckResult[]>; recent(): Promise<SiteCheckResult[]> };
  publicUrl: string;
}

const N = Type.Object({ n: VersionNumber }, { additionalProperties: false });
const Rid = Type.Object({ id: ReceiptId }, { additionalProperties: false });

export function agreementRoutes(deps: AgreementRouteDeps): FastifyPluginAsyncTypebox {
  const { versions, acceptances, requireStaff, requireEditor, requireApp } = deps;
  const base = deps.publicUrl.replace(/\/$/, '');
  const tags = ['agreement'];
  return async (app) => {
    app.get(
      '/v1/agreements/versions',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'Every version, drafts included',
          response: { 200: Type.Object({ versions: Type.Array(VersionSummary) }), ...errors(401, 403) },
        },
      },
      async () => ({ versions: await versions.list() }),
    );

    app.get(
      '/v1/agreements/versions/:n',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'One version with its texts',
          params: N,
          response: { 200: Type.Object({ version: VersionDetail }), ...errors(401, 403, 404) },
        },
      },
      async (req) => ({ version: await versions.detail(req.params.n) }),
    );

    app.post(
      '/v1/agreements/versions',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Start the next version as a draft (DPO or legal); texts not given are carried over',
          body: DraftCreate,
          response: { 201: Type.Object({ version: VersionDetail }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) =>
        reply.code(201).send({ version: await versions.createDraft(staffActor(req), req.body) }),
    );

    app.patch(
      '/v1/agreements/versions/:n',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Edit a draft (DPO or legal); a published version is refused',
          params: N,
          body: DraftPatch,
          response: { 200: Type.Object({ version: VersionDetail }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req) => ({ version: await versions.updateDraft(staffActor(req), req.params.n, req.body) }),
    );

    app.post(
      '/v1/agreements/versions/:n/publication-request',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Ask to publish a draft (the first of two people: DPO or legal)',
          params: N,
          response: { 200: Type.Object({ version: VersionDetail }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req) => ({ version: await versions.requestPublication(staffOf(req), req.params.n) }),
    );

    app.post(
      '/v1/agreements/versions/:n/publication-approval',
      {
        onRequest: requireEditor,
        schema: {
          tags,
          summary: 'Approve and publish (a second person: legal if a DPO asked, a DPO if legal asked)',
          params: N,
          response: { 200: Type.Object({ version: VersionDetail }), ...errors(401, 403, 404, 409) },
        },
      },
      async (req) => ({ version: await versions.approvePublication(staffOf(req), req.params.n) }),
    );

    app.get(
      '/v1/agreements/versions/:a/diff/:b',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'What changed between two versions in one language, clause by clause',
          params: Type.Object({ a: VersionNumber, b: VersionNumber }, { additionalProperties: false }),
          querystring: Type.Object({ lang: Type.Optional(Language) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              from: VersionNumber,
              to: VersionNumber,
              language: Language,
              clauses: Type.Array(Type.Unknown()),
            }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => {
        const language = req.query.lang ?? 'uz-Cyrl';
        const clauses = await versions.diff(req.params.a, req.params.b, language);
        return { from: req.params.a, to: req.params.b, language, clauses };
      },
    );

    app.post(
      '/v1/agreements/acceptances',
      {
        onRequest: requireApp,
        schema: {
          tags,
          summary:
            'Record that a customer accepted a version in a language (apps with the agreements scope, or staff support/admin)',
          body: AcceptanceInput,
          response: { 201: AcceptanceResult, ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        assertOwnSite(req, req.body.siteId);
        return reply
          .code(201)
          .send(await acceptances.accept({ ...req.body, method: 'api', actor: callerActor(req) }));
      },
    );

    app.post(
      '/v1/agreements/acceptances/batch',
      {
        onRequest: requireApp,
        schema: {
          tags,
          summary:
            'Record up to 500 acceptances in one durable transaction: all or none, each with its audit entry',
          body: Type.Object(
            { acceptances: Type.Array(AcceptanceInput, { minItems: 1, maxItems: 500 }) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ acceptances: Type.Array(AcceptanceResult) }),
            ...errors(401, 403, 404, 409),
          },
        },
      },
      async (req, reply) => {
        const actor = callerActor(req);
        for (const a of req.body.acceptances) assertOwnSite(req, a.siteId);
        const acceptances = await deps.acceptances.acceptMany(
          req.body.acceptances.map((a) => ({ ...a, method: 'api' as const, actor })),
        );
        return reply.code(201).send({ acceptances });
      },
    );

    app.post(
      '/v1/agreements/use',
      {
        onRequest: requireApp,
        schema: {
          tags,
          summary:
            'An app reports a customer’s use; records a "continued use" acceptance where the deployment counts it',
          body: Type.Object(
            {
              subjectId: SubjectId,
              siteId: Type.Optional(OrgId),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ state: AcceptanceState, recorded: Type.Boolean() }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => {
        assertOwnSite(req, req.body.siteId);
        return acceptances.used(req.body.subjectId, callerActor(req), req.body.siteId);
      },
    );

    app.get(
      '/v1/agreements/acceptance-state',
      {
        onRequest: requireApp,
        schema: {
          tags,
          summary: 'Is a customer’s acceptance current, and which version did they accept',
          querystring: Type.Object(
            {
              subjectId: SubjectId,
              siteId: Type.Optional(OrgId),
            },
            { additionalProperties: false },
          ),
          response: { 200: AcceptanceState, ...errors(401, 403, 404) },
        },
      },
      async (req) => {
        assertOwnSite(req, req.query.siteId);
        return acceptances.state(req.query.subjectId, req.query.siteId);
      },
    );

    app.get(
      '/v1/agreements/receipts/:id',
      {
        schema: {
          tags,
          summary:
            'A receipt as JSON (Kantara CR v1.1 structure with the audit proof); the id is the capability',
          params: Rid,
          response: { 200: Type.String({ description: 'application/json, canonical form' }), ...errors(404) },
        },
      },
      async (req, reply) => {
        const receipt = await acceptances.receipt(req.params.id);
        return reply
          .type('application/json; charset=utf-8')
          .header('cache-control', 'private, no-store')
          .header('content-disposition', `inline; filename="receipt-${req.params.id}.json"`)
          .send(renderReceipt(receipt));
      },
    );

    app.get(
      '/v1/agreements/receipts/:id/page',
      {
        schema: {
          tags,
          summary: 'A receipt as a page to read and print',
          params: Rid,
          querystring: ReceiptLang,
          response: { 200: Type.String({ description: 'text/html' }), ...errors(404) },
        },
      },
      async (req, reply) => {
        const receipt = await acceptances.receipt(req.params.id);
        return sendReceiptPage(reply, receipt, req.query.lang, {
          base,
          url: `${base}/v1/agreements/receipts/${req.params.id}`,
        });
      },
    );

    app.get(
      '/v1/agreements/receipts/:id/pdf',
      {
        schema: {
          tags,
          summary: 'A receipt as a one-page PDF (Latin script)',
          params: Rid,
          querystring: ReceiptLang,
          response: {
            200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }),
            ...errors(404),
          },
        },
      },
      async (req, reply) => {
        const receipt = await acceptances.receipt(req.params.id);
        return sendReceiptPdf(reply, receipt, req.query.lang, { base, id: req.params.id });
      },
    );

    app.get(
      '/v1/agreements/notifications',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'Progress of asking customers to accept each new version',
          response: {
            200: Type.Object({
              notifications: Type.Array(
                Type.Object({
                  version: VersionNumber,
                  total: Type.Integer(),
                  notified: Type.Integer(),
                  startedAt: Type.Integer(),
                  finishedAt: Type.Union([Type.Integer(), Type.Null()]),
                  mail: Type.Object({
                    total: Type.Integer({ description: 'customers at publication' }),
                    done: Type.Integer({ description: 'customers walked so far' }),
                    sent: Type.Integer({ description: 'notices queued to verified addresses' }),
                    finishedAt: Type.Union([Type.Integer(), Type.Null()]),
                  }),
                }),
              ),
            }),
            ...errors(401, 403),
          },
        },
      },
      async () => ({
        notifications: (await acceptances.notifications()).map((n) => ({
          version: Number(n.version),
          total: Number(n.total),
          notified: Number(n.notified),
          startedAt: Number(n.started_at),
          finishedAt: n.finished_at === null ? null : Number(n.finished_at),
          mail: {
            total: Number(n.mail_total),
            done: Number(n.mail_done),
            sent: Number(n.mail_sent),
            finishedAt: n.mail_finished_at === null ? null : Number(n.mail_finished_at),
          },
        })),
      }),
    );

    app.get(
      '/v1/agreements/site-checks',
      {
        onRequest: requireStaff,
        schema: {
          tags,
          summary: 'Recent publication checks of the sites; outcome other than "ok" is a finding',
          response: { 200: Type.Object({ checks: Type.Array(SiteCheck) }), ...errors(401, 403) },
        },
      },
      async () => ({ checks: await deps.siteChecks.recent() }),
    );

    app.post(
      '/v1/agreements/site-checks',
      {
        onRequest: deps.requireChecker,
        schema: {
          tags,
          summary: 'Check every site’s agreement page now (DPO or admin)',
          response: { 200: Type.Object({ checks: Type.Array(SiteCheck) }), ...errors(401, 403) },
        },
      },
      async () => ({ checks: await deps.siteChecks.run() }),
    );
  };
}
