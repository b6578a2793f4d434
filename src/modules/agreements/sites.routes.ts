/**
 * The public side (§22, §8): the agreement as each site publishes it, the
 * embeddable notice, and visitor acceptances from a registered site origin.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../../clock.js';
import { catalogue, MaxfiyError } from '../../errors.js';
import { errors, NoContent } from '../../http/schemas.js';
import { pickLanguage } from '../../i18n/errors-define.js';
import { OrgId, type Site } from '../org/org.schemas.js';
import type { OrgService } from '../org/org.service.js';
import type { AcceptanceService } from './acceptance.service.js';
import {
  AcceptanceResult,
  type AgreementLanguage,
  VersionNumber,
  VersionSummary,
  VisitorAcceptanceInput,
} from './agreements.schemas.js';
import { noticeScript } from './notice.script.js';
import { PAGE_CSS, renderAgreementPage, renderErrorPage } from './publication.html.js';
import { summarise, type VersionInForce, type VersionsService, versionCovers } from './versions.service.js';

export interface SitesRouteDeps {
  versions: VersionsService;
  acceptances: AcceptanceService;
  org: OrgService;
  clock: Clock;
  publicUrl: string;
}

const LangQuery = Type.Object(
  { lang: Type.Optional(Type.String({ maxLength: 35, description: 'uz-Cyrl, uz-Latn, ru or en' })) },
  { additionalProperties: false },
);
const SiteParams = Type.Object({ site: OrgId }, { additionalProperties: false });
/** How long browsers and proxies may keep a public agreement answer, at most. */
const MAX_AGE_S = 300;

const AgreementJson = Type.Object({
  siteId: OrgId,
  version: VersionSummary,
  versionInForce: VersionNumber,
  requestedLanguage: Type.String(),
  shownLanguage: Type.String(),
  fallback: Type.Boolean({
    description: 'true when the requested language has no text and the authoritative one is shown',
  }),
  contentHash: Type.String(),
  text: Type.String(),
  versions: Type.Array(
    Type.Object({ number: VersionNumber, effectiveAt: Type.Union([Type.Integer(), Type.Null()]) }),
  ),
});

function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

/**
 * Cache-Control for a public answer: up to MAX_AGE_S, but never past `nextChange`,
 * the moment another version takes effect. A copy kept past it would show the old
 * text, and a notice.js kept past it would offer a version that can no longer be
 * accepted.
 */
function cacheControl(now: number, nextChange: number | null): string {
  const left = nextChange === null ? MAX_AGE_S : Math.floor((nextChange - now) / 1000);
  return left > 0 ? `public, max-age=${Math.min(MAX_AGE_S, left)}` : 'public, no-cache';
}

/** Sends with ETag and caching headers; 304 when the client holds this body. */
function cached(
  req: FastifyRequest,
  reply: FastifyReply,
  type: string,
  body: string,
  control = cacheControl(0, null),
) {
  const etag = etagOf(body);
  reply.header('etag', etag).header('cache-control', control).header('vary', 'accept-language');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(type).send(body);
}

export function sitesRoutes(deps: SitesRouteDeps): FastifyPluginAsyncTypebox {
  const { versions, acceptances, org, clock } = deps;
  /** The Cache-Control of what a site shows now: kept no longer than the version in force stays so. */
  const publicCaching = async (siteId: string) =>
    cacheControl(clock.now(), await versions.nextChange(siteId));
  const base = deps.publicUrl.replace(/\/$/, '');
  const tags = ['agreement (public)'];

  async function siteOf(id: string): Promise<Site> {
    const site = await org.findSite(id);
    if (!site) throw new MaxfiyError('MXF_ORG_SITE_NOT_FOUND');
    return site;
  }

  /** The page's data: the version asked for (or the one in force), in the language asked for or the fallback. */
  async function pageData(
    siteId: string,
    lang: string | undefined,
    acceptLanguage: string | undefined,
    n?: number,
  ) {
    const site = await siteOf(siteId);
    const inForce = await versions.inForce(siteId);
    if (!inForce) throw new MaxfiyError('MXF_AGREEMENT_NOT_IN_FORCE');
    let shownVersion: VersionInForce | null = inForce;
    if (n !== undefined && n !== Number(inForce.version.number)) {
      shownVersion = await versions.published(n);
      if (!shownVersion || !versionCovers(shownVersion.version, siteId))
        throw new MaxfiyError('MXF_AGREEMENT_VERSION_NOT_FOUND');
    }
    const requested = pickLanguage(lang, acceptLanguage);
    const authoritative = shownVersion.version.authoritative_lang as AgreementLanguage;
    const text = shownVersion.texts.get(requested) ?? shownVersion.texts.get(authoritative);
    if (!text) throw new MaxfiyError('MXF_AGREEMENT_LANGUAGE_MISSING');
    const all = (await versions.list()).filter((v) => v.status === 'published' && v.siteIds.includes(siteId));
    return {
      site,
      company: (await org.get()).company,
      summary: summarise(shownVersion.version, [...shownVersion.texts.values()]),
      inForce: Number(inForce.version.number),
      requested,
      shown: text.lang as AgreementLanguage,
      text,
      versions: all
        .filter((v) => v.effectiveAt !== null)
        .reverse()
        .map((v) => ({ number: v.number, effectiveAt: v.effectiveAt })),
    };
  }

  /**
   * Rendered pages for a few seconds: the texts are immutable, and the key
   * names the version in force, so a newly published version shows at once on
   * this node (on others as soon as their list of versions in force is
   * refreshed), and a renamed site within PAGE_TTL_MS.
   */
  const PAGE_TTL_MS = 5000;
  const pages = new Map<string, { at: number; body: string }>();
  async function rendered(siteId: string, key: string, make: () => Promise<string>): Promise<string> {
    const inForce = await versions.inForce(siteId).catch(() => null);
    const cacheKey = `${key}|v${inForce?.version.number ?? 0}`;
    const now = Date.now();
    const hit = pages.get(cacheKey);
    if (hit && now - hit.at < PAGE_TTL_MS) return hit.body;
    const body = await make();
    if (pages.size > 1000) pages.clear();
    pages.set(cacheKey, { at: now, body });
    return body;
  }

  async function htmlPage(
    req: FastifyRequest,
    reply: FastifyReply,
    siteId: string,
    lang?: string,
    n?: number,
  ) {
    const requested = pickLanguage(lang, req.headers['accept-language']);
    const path = req.url.split('?')[0] ?? '';
    try {
      const html = await rendered(siteId, `html|${path}|${requested}`, () =>
        renderPage(siteId, requested, path, n),
      );
      return cached(req, reply, 'text/html; charset=utf-8', html, await publicCaching(siteId));
    } catch (err) {
      // A browser gets the refusal as a page (status and code intact); API clients get the JSON error.
      if (!(err instanceof MaxfiyError) || !String(req.headers.accept ?? '').includes('text/html')) throw err;
      const message = catalogue[err.code].messages[requested];
      return reply
        .code(err.status)
        .type('text/html; charset=utf-8')
        .send(renderErrorPage(requested, err.code, message));
    }
  }

  async function renderPage(siteId: string, requested: AgreementLanguage, path: string, n?: number) {
    const d = await pageData(siteId, requested, undefined, n);
    return renderAgreementPage({
      siteId,
      siteName: d.site.name,
      companyName: d.company.legalNames[d.requested] ?? d.company.name,
      version: d.summary,
      shown: d.shown,
      requested: d.requested,
      body: d.text.body,
      contentHash: d.text.content_hash,
      versions: d.versions,
      inForce: d.inForce,
      path,
    });
  }

  /** The site whose registered origin sent the request; anything else is refused. */
  async function checkOrigin(req: FastifyRequest, siteId: string): Promise<string> {
    const site = await siteOf(siteId);
    const origin = req.headers.origin;
    let registered: string;
    try {
      registered = new URL(site.origin).origin;
    } catch {
      throw new MaxfiyError('MXF_AGREEMENT_ORIGIN_REFUSED');
    }
    if (typeof origin !== 'string' || origin !== registered)
      throw new MaxfiyError('MXF_AGREEMENT_ORIGIN_REFUSED');
    return origin;
  }

  return async (app) => {
    app.get('/sites/agreement.css', { schema: { hide: true } }, (req, reply) =>
      cached(req, reply, 'text/css; charset=utf-8', PAGE_CSS),
    );

    const htmlResponses = { 200: Type.String({ description: 'text/html' }), 304: NoContent, ...errors(404) };

    app.get(
      '/sites/:site/agreement',
      {
        schema: {
          tags,
          summary: 'The agreement in force on a site, as HTML (no JavaScript needed)',
          params: SiteParams,
          querystring: LangQuery,
          response: htmlResponses,
        },
      },
      async (req, reply) => htmlPage(req, reply, req.params.site, req.query.lang),
    );

    app.get(
      '/sites/:site/agreement/versions/:n',
      {
        schema: {
          tags,
          summary: 'A published version of the agreement on a site, as HTML',
          params: Type.Object({ site: OrgId, n: VersionNumber }, { additionalProperties: false }),
          querystring: LangQuery,
          response: htmlResponses,
        },
      },
      async (req, reply) => htmlPage(req, reply, req.params.site, req.query.lang, req.params.n),
    );

    app.get(
      '/sites/:site/agreement.json',
      {
        schema: {
          tags,
          summary: 'The agreement in force on a site, as JSON',
          params: SiteParams,
          querystring: LangQuery,
          response: { 200: AgreementJson, 304: NoContent, ...errors(404) },
        },
      },
      async (req, reply) => {
        const requested = pickLanguage(req.query.lang, req.headers['accept-language']);
        const body = await rendered(req.params.site, `json|${req.params.site}|${requested}`, async () => {
          const d = await pageData(req.params.site, requested, undefined);
          return JSON.stringify({
            siteId: d.site.id,
            version: d.summary,
            versionInForce: d.inForce,
            requestedLanguage: d.requested,
            shownLanguage: d.shown,
            fallback: d.shown !== d.requested,
            contentHash: d.text.content_hash,
            text: d.text.body,
            versions: d.versions,
          });
        });
        return cached(
          req,
          reply,
          'application/json; charset=utf-8',
          body,
          await publicCaching(req.params.site),
        );
      },
    );

    app.get(
      '/sites/:site/notice.js',
      {
        schema: {
          tags,
          summary: 'The embeddable acceptance notice for a site (JavaScript)',
          params: SiteParams,
          querystring: LangQuery,
          response: {
            200: Type.String({ description: 'application/javascript' }),
            304: NoContent,
            ...errors(404),
          },
        },
      },
      async (req, reply) => {
        await siteOf(req.params.site);
        const v = await versions.inForce(req.params.site);
        if (!v) throw new MaxfiyError('MXF_AGREEMENT_NOT_IN_FORCE');
        const script = noticeScript({
          base,
          siteId: req.params.site,
          version: Number(v.version.number),
          languages: [...v.texts.keys()],
          authoritative: v.version.authoritative_lang as AgreementLanguage,
        });
        // The company's pages on other origins load it.
        reply.header('cross-origin-resource-policy', 'cross-origin');
        return cached(
          req,
          reply,
          'application/javascript; charset=utf-8',
          script,
          await publicCaching(req.params.site),
        );
      },
    );

    app.options(
      '/sites/:site/acceptances',
      { schema: { hide: true, params: SiteParams, response: { 204: NoContent, ...errors(403, 404) } } },
      async (req, reply) => {
        const origin = await checkOrigin(req, req.params.site);
        return reply
          .code(204)
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-methods', 'POST')
          .header('access-control-allow-headers', 'content-type')
          .header('access-control-max-age', '600')
          .header('vary', 'origin')
          .send(null);
      },
    );

    app.post(
      '/sites/:site/acceptances',
      {
        schema: {
          tags,
          summary:
            'A visitor accepts the agreement through the notice (from the site’s registered origin only)',
          params: SiteParams,
          body: VisitorAcceptanceInput,
          response: { 201: AcceptanceResult, ...errors(403, 404, 409) },
        },
      },
      async (req, reply) => {
        const origin = await checkOrigin(req, req.params.site);
        const result = await acceptances.acceptOnSite({
          subjectId: `visitor:${req.body.visitorId}`,
          version: req.body.version,
          language: req.body.language,
          siteId: req.params.site,
          method: 'notice',
          actor: `site:${req.params.site}`,
        });
        return reply
          .code(201)
          .header('access-control-allow-origin', origin)
          .header('vary', 'origin')
          .send(result);
      },
    );
  };
}
