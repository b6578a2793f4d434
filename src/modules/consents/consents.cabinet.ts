/**
 * The cabinet's "my data and why" (§10-§14) and its consent switches: what
 * the register says each purpose uses and on what basis, and the customer's own
 * consent (to a purpose, or to one newsletter channel or topic of it) or
 * objection, changed at once (the decision index holds the change before the
 * answer is sent).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { assertThat } from '../../errors.js';
import { customerActor, customerOf } from '../../http/customer-auth.js';
import { errors } from '../../http/schemas.js';
import { type ConsentStateRow, consentState } from '../decisions/engine.js';
import { DataClass, LegalBasis, RegisterId } from '../purposes/purposes.schemas.js';
import type { IndexedPurpose } from '../purposes/purposes.store.js';
import * as purposeStore from '../purposes/purposes.store.js';
import { type ConsentAction, type ConsentInput, ScopeToken } from './consents.schemas.js';
import type { ConsentService } from './consents.service.js';
import * as store from './consents.store.js';

const Lang = Type.Union([
  Type.Literal('uz-Cyrl'),
  Type.Literal('uz-Latn'),
  Type.Literal('ru'),
  Type.Literal('en'),
]);
/** Texts per language; the register holds its names and reasons in English today. */
const PerLanguage = Type.Record(Type.String(), Type.String());

const CategoryView = Type.Object({
  id: RegisterId,
  class: DataClass,
  names: PerLanguage,
  storedIn: Type.Object({ storeId: RegisterId, country: Type.String() }),
  mustStayInUz: Type.Boolean(),
});

const ConsentStateView = Type.Union([
  Type.Literal('given'),
  Type.Literal('withdrawn'),
  Type.Literal('expired'),
  Type.Literal('none'),
]);

/** A consent per channel, or channel and topic, and what the engine decides for it now. */
const ScopedConsentView = Type.Object({
  channel: Type.String(),
  /** null: every topic of the channel. */
  topic: Type.Union([Type.String(), Type.Null()]),
  consent: ConsentStateView,
});

export const PurposeView = Type.Object({
  id: RegisterId,
  version: Type.Integer(),
  names: PerLanguage,
  descriptions: PerLanguage,
  legalBasis: LegalBasis,
  categories: Type.Array(RegisterId),
  retentionDays: Type.Union([Type.Integer(), Type.Null()]),
  automated: Type.Boolean(),
  depersonalisedOnly: Type.Boolean(),
  /** The purpose as a whole: what the engine decides for a question naming no channel. */
  consent: Type.Union([ConsentStateView, Type.Null()]),
  /**
   * The customer's consents per channel and topic, each as the engine decides
   * it now: a later whole-purpose switch overrides them, so one may read
   * `withdrawn` though its own row said given.
   */
  channels: Type.Array(ScopedConsentView),
  objected: Type.Union([Type.Boolean(), Type.Null()]),
});
type PurposeView = Static<typeof PurposeView>;

/**
 * A purpose as the customer sees it, with their own consent (consent basis) or
 * objection (legitimate interest). The consent shown is `consentState`, the
 * rule the decision engine applies, so the cabinet never shows a purpose
 * switched off while decisions allow it.
 */
export function purposeView(p: IndexedPurpose, rows: ConsentStateRow[], now: number): PurposeView {
  const byConsent = p.legalBasis === 'consent';
  const objection = rows.find((r) => r.purposeId === p.id && r.scope === '' && r.kind === 'objection');
  return {
    id: p.id,
    version: p.version,
    names: { en: p.name },
    descriptions: { en: p.rationale },
    legalBasis: p.legalBasis,
    categories: p.categories,
    retentionDays: p.retentionDays,
    automated: p.automated,
    depersonalisedOnly: p.depersonalisedOnly,
    consent: byConsent ? consentState(rows, p.id, now) : null,
    channels: byConsent ? scopedViews(p.id, rows, now) : [],
    objected: p.legalBasis !== 'legitimate-interest' ? null : objection?.state === 'given',
  };
}

function scopedViews(purposeId: string, rows: ConsentStateRow[], now: number) {
  const views: Static<typeof ScopedConsentView>[] = [];
  for (const r of rows) {
    if (r.purposeId !== purposeId || r.kind !== 'consent' || r.scope === '') continue;
    const colon = r.scope.indexOf(':');
    const channel = colon < 0 ? r.scope : r.scope.slice(0, colon);
    const topic = colon < 0 || r.scope.slice(colon + 1) === '*' ? null : r.scope.slice(colon + 1);
    // The question this row answers, as an app would ask it; no row covers it: none.
    const state = consentState(rows, purposeId, now, channel, topic ?? undefined);
    views.push({ channel, topic, consent: state });
  }
  return views;
}

export function consentCabinetRoutes(deps: {
  consents: ConsentService;
  database: Database;
  clock: Clock;
  requireCustomer: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { consents, database, clock } = deps;
  const tags = ['cabinet'];
  const params = Type.Object({ purposeId: RegisterId }, { additionalProperties: false });

  async function viewOf(subjectId: string, purposeId: string): Promise<PurposeView> {
    const [purpose, rows] = await Promise.all([
      purposeStore.findPurpose(database.db, purposeId),
      store.currentRows(database.db, subjectId),
    ]);
    assertThat(purpose, 'MXF_PURPOSE_NOT_FOUND');
    return purposeView(purpose, rows, clock.now());
  }

  /**
   * Records the customer's choice about one purpose, or one channel or topic
   * of it, from the cabinet; answers with the purpose as it now is. The
   * service checks the scope as it does an app's (a topic names its channel).
   */
  async function choose(
    req: FastifyRequest,
    purposeId: string,
    action: ConsentAction,
    lang?: Static<typeof Lang>,
    scope: Pick<ConsentInput, 'channel' | 'topic'> = {},
  ) {
    const { subjectId } = customerOf(req);
    const purpose = await viewOf(subjectId, purposeId);
    await consents.record(customerActor(req), subjectId, {
      purpose: purpose.id,
      action,
      source: 'cabinet',
      notice: { version: `purpose-v${purpose.version}`, language: lang ?? 'uz-Cyrl' },
      ...scope,
    });
    return viewOf(subjectId, purpose.id);
  }

  return async (app) => {
    app.get(
      '/v1/me/data',
      {
        onRequest: deps.requireCustomer,
        schema: {
          tags,
          summary:
            'My data and why: the categories kept, the purposes, their basis and retention, my choices',
          response: {
            200: Type.Object({ categories: Type.Array(CategoryView), purposes: Type.Array(PurposeView) }),
            ...errors(401),
          },
        },
      },
      async (req) => {
        const subjectId = customerOf(req).subjectId;
        const [purposes, categories, stores, rows] = await Promise.all([
          purposeStore.listPurposes(database.db),
          purposeStore.listCategories(database.db),
          purposeStore.listStores(database.db),
          store.currentRows(database.db, subjectId),
        ]);
        const country = new Map(stores.map((s) => [s.id, s.country]));
        const now = clock.now();
        return {
          categories: categories.map((c) => ({
            id: c.id,
            class: c.class,
            names: { en: c.name },
            storedIn: { storeId: c.storeId, country: country.get(c.storeId) ?? '' },
            mustStayInUz: c.mustStayInUz,
          })),
          purposes: purposes.map((p) => purposeView(p, rows, now)),
        };
      },
    );

    app.put(
      '/v1/me/consents/:purposeId',
      {
        onRequest: deps.requireCustomer,
        schema: {
          tags,
          summary:
            'Give or withdraw my consent to a consent-basis purpose, or to one channel or topic of it; decisions follow before the answer',
          params,
          body: Type.Object(
            {
              given: Type.Boolean(),
              /** One channel of a newsletter purpose (§13); absent: the purpose as a whole. */
              channel: Type.Optional(ScopeToken),
              /** One topic of that channel; absent: every topic. Without a channel: MXF_CONSENT_SCOPE_INVALID. */
              topic: Type.Optional(ScopeToken),
              lang: Type.Optional(Lang),
            },
            { additionalProperties: false },
          ),
          response: { 200: PurposeView, ...errors(401, 404, 409) },
        },
      },
      async (req) => {
        const { given, channel, topic, lang } = req.body;
        return choose(req, req.params.purposeId, given ? 'give' : 'withdraw', lang, { channel, topic });
      },
    );

    app.put(
      '/v1/me/objections/:purposeId',
      {
        onRequest: deps.requireCustomer,
        schema: {
          tags,
          summary:
            'Object to a legitimate-interest purpose, or withdraw my objection; decisions follow at once',
          params,
          body: Type.Object(
            { objected: Type.Boolean(), lang: Type.Optional(Lang) },
            { additionalProperties: false },
          ),
          response: { 200: PurposeView, ...errors(401, 404, 409) },
        },
      },
      async (req) =>
        choose(req, req.params.purposeId, req.body.objected ? 'object' : 'withdraw-objection', req.body.lang),
    );
  };
}
