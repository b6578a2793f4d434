import type { lookup as dnsLookup } from 'node:dns';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { importJWK, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { Value } from 'typebox/value';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { ConfigError } from '../../config/options.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { sessionCookieName } from '../../http/customer-auth.js';
import { addressGuard, type PrivateAddressPolicy, secureOrLocal } from '../../http/outbound.js';
import { pickLanguage } from '../../i18n/errors-define.js';
import {
  failureLabel,
  type Outbox,
  type OutboxHandler,
  type OutboxLogger,
} from '../../outbox/outbox.service.js';
import { COMPROMISED_TOPIC, PASSWORD_REPLACED_TOPIC } from '../identity/channels.js';
import type { Profile } from '../identity/profile.js';
import type { CustomerPrincipal } from '../identity/sessions.js';
import { readCompanyFile } from '../org/org.service.js';
import { adapterFactory } from './oidc.adapter.js';
import { BACKCHANNEL_TOPIC, createGrants, sidsOf } from './oidc.grants.js';
import { providerKeys } from './oidc.keys.js';
import { errorPage, loggedOutPage, logoutPage } from './oidc.pages.js';
import { type ClientInput, type ClientJwks, type ClientView, OidcConfigFile } from './oidc.schemas.js';
import * as store from './oidc.store.js';
import type { OidcClientTable } from './oidc.table.js';

/** Where oidc-provider is mounted; the issuer is `${publicUrl}${OIDC_PATH}`. */
export const OIDC_PATH = '/oidc';

/** oidc-provider's module, imported when single sign-on loads. */
type OidcLibrary = typeof import('oidc-provider');

const HOUR = 3600;
const DAY = 24 * HOUR;

export interface OidcDeps {
  options: { publicUrl: string; companyFile: string; outboundPrivateAddresses?: PrivateAddressPolicy };
  database: Database;
  clock: Clock;
  keyring: Keyring;
  audit: AuditAppender;
  outbox: Outbox;
  /** Claims are read through identity (decrypted there); only the profile is needed. */
  identity: {
    profileOf(subjectId: string): Promise<Profile>;
    /** The cabinet session a browser's cookie names, if it is live: every sign-in to an app rests on it. */
    authenticate(token: string | undefined): Promise<CustomerPrincipal | null>;
  };
  logger: OutboxLogger;
  /** The relying parties of the company's products; default `oidc.json` beside the company file. */
  configFile?: string;
}

/** config/oidc.json, validated; an invalid field stops the start, naming the field. */
export function readOidcConfig(file: string): OidcConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not valid JSON';
    throw new ConfigError(`OIDC file ${file} ${why}`);
  }
  const first = Value.Errors(OidcConfigFile, parsed)[0];
  if (first) {
    const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'root';
    throw new ConfigError(`OIDC file ${file}: invalid field "${field}": ${first.message}`);
  }
  return parsed as OidcConfigFile;
}

/** How long an app's back-channel logout endpoint has to answer. */
const BACKCHANNEL_TIMEOUT_MS = 5_000;

/** https anywhere; plain http only to this machine (development and tests); no fragment. */
function acceptableUri(value: string): boolean {
  try {
    const u = new URL(value);
    return !u.hash && secureOrLocal(u);
  } catch {
    return false;
  }
}

const CURVE_ALG: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};

/**
 * True when every key imports as a public key of its kind, with the algorithm
 * it names or its curve implies: a point off its curve, a truncated modulus or
 * a mismatched `alg` is refused at registration, not at the client's first
 * sign-in.
 */
async function keysImport(jwks: NonNullable<ClientInput['jwks']>): Promise<boolean> {
  const kids = jwks.keys.map((k) => k.kid);
  if (new Set(kids).size !== kids.length) return false;
  for (const key of jwks.keys) {
    const alg = key.alg ?? (key.kty === 'RSA' ? 'RS256' : CURVE_ALG[key.crv ?? '']);
    if (!alg) return false;
    if (key.kty !== 'RSA' && CURVE_ALG[key.crv ?? ''] !== alg) return false;
    try {
      const imported = await importJWK(key as JWK, alg);
      if (imported instanceof Uint8Array || imported.type !== 'public') return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Authorization code with PKCE (required for all), refresh tokens rotated on
 * use. A client registered with public keys is a server: at the token endpoint
 * it also signs an assertion with one of them (private_key_jwt), so no shared
 * secret exists to leak from either side. Without keys it is a public client.
 */
function metadataOf(input: ClientInput, name: string): ClientMetadata {
  return {
    client_id: input.clientId,
    client_name: name,
    application_type: 'web',
    ...(input.jwks
      ? { token_endpoint_auth_method: 'private_key_jwt', jwks: input.jwks }
      : { token_endpoint_auth_method: 'none' }),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: input.redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    ...(input.backchannelLogoutUri
      ? { backchannel_logout_uri: input.backchannelLogoutUri, backchannel_logout_session_required: false }
      : {}),
  };
}

function viewOf(row: OidcClientTable): ClientView {
  const m = JSON.parse(row.metadata) as ClientMetadata;
  return {
    clientId: row.client_id,
    name: String(m.client_name ?? row.client_id),
    redirectUris: m.redirect_uris ?? [],
    postLogoutRedirectUris: (m.post_logout_redirect_uris as string[] | undefined) ?? [],
    backchannelLogoutUri: (m.backchannel_logout_uri as string | undefined) ?? null,
    tokenEndpointAuth: m.token_endpoint_auth_method === 'private_key_jwt' ? 'private_key_jwt' : 'none',
    keyIds: ((m.jwks as { keys?: { kid?: string }[] } | undefined)?.keys ?? []).map(
      (k, i) => k.kid ?? `#${i + 1}`,
    ),
    source: row.source,
    createdAt: row.created_at,
  };
}

const langOf = (ctx: KoaContextWithOIDC) =>
  pickLanguage(typeof ctx.query.lang === 'string' ? ctx.query.lang : undefined, ctx.get('accept-language'));

/**
 * Single sign-on (issue 3 item 12): oidc-provider over our database, its keys
 * sealed in the keyring, the products' clients from config/oidc.json, clients
 * administrators register, and the compromise hook that ends everything a
 * customer holds at the provider and tells the apps by back-channel logout.
 */
export async function createOidc(deps: OidcDeps) {
  const { options, database, clock, keyring, audit, outbox, identity, logger } = deps;
  const issuer = `${options.publicUrl.replace(/\/$/, '')}${OIDC_PATH}`;
  /** The outbound address rule for the provider's own requests; undefined where internal addresses are allowed. */
  const guard = addressGuard(options.outboundPrivateAddresses ?? 'refuse');

  /**
   * The provider's prompts, with one more reason to ask for the login prompt:
   * its own session (a cookie good for 14 days) counts only while this
   * browser's cabinet session is live and is the same customer's. After the
   * cabinet's sign-out or idle end, or with another customer signed in to the
   * cabinet on a shared computer, the request goes to the interaction (or
   * fails with login_required under prompt=none) instead of getting a code for
   * whoever used the apps here before.
   */
  function interactionPolicyOf(lib: OidcLibrary) {
    const { Check, base } = lib.interactionPolicy;
    const policy = base();
    policy.get('login')?.checks.add(
      new Check(
        'cabinet_session',
        'the cabinet session ended or is another customer’s',
        'login_required',
        async (ctx) => {
          const principal = await identity.authenticate(
            ctx.cookies.get(sessionCookieName(options.publicUrl), { signed: false }),
          );
          const same = principal !== null && principal.subjectId === ctx.oidc.session?.accountId;
          return same ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
        },
      ),
    );
    return policy;
  }

  const configuration = (
    lib: OidcLibrary,
    jwks: Configuration['jwks'],
    cookieKeys: string[],
  ): Configuration => ({
    adapter: adapterFactory(database, clock, {
      reused: () => new lib.errors.InvalidGrant('already used'),
    }),
    clients: [],
    jwks,
    cookies: { keys: cookieKeys, long: { signed: true }, short: { signed: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    // `cabinet`: the app may read what it stored in the customer's cabinet while this grant lasts.
    scopes: ['openid', 'offline_access', 'email', 'phone', 'cabinet'],
    pkce: { required: () => true, methods: ['S256'] },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    async findAccount(_ctx, sub) {
      const profile = await identity.profileOf(sub).catch(() => undefined);
      if (!profile || profile.status !== 'active') return undefined;
      return {
        accountId: sub,
        async claims(_use, scope) {
          const scopes = new Set(scope.split(' '));
          return {
            sub,
            ...(scopes.has('email') && profile.email
              ? { email: profile.email, email_verified: profile.emailVerified }
              : {}),
            ...(scopes.has('phone') && profile.phone
              ? { phone_number: profile.phone, phone_number_verified: profile.phoneVerified }
              : {}),
          };
        },
      };
    },
    // The provider's own requests (back-channel logout) keep to the outbound address rule
    // (outbound.ts): an internal address is refused unless the deployment allows them.
    httpOptions(url: URL) {
      if (!guard) return { signal: AbortSignal.timeout(BACKCHANNEL_TIMEOUT_MS) };
      // A literal address never reaches `lookup`: a refused one is a request aborted before it starts.
      const signal = guard.literalAllowed(url)
        ? AbortSignal.timeout(BACKCHANNEL_TIMEOUT_MS)
        : AbortSignal.abort();
      return { signal, dnsLookup: guard.lookup as unknown as typeof dnsLookup };
    },
    interactions: {
      policy: interactionPolicyOf(lib),
      url: (_ctx, interaction) => `${OIDC_PATH}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage(langOf(ctx), form);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = loggedOutPage(langOf(ctx));
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(langOf(ctx), String(out.error ?? 'server_error'));
    },
    ttl: {
      AccessToken: HOUR,
      AuthorizationCode: 60,
      IdToken: HOUR,
      RefreshToken: 30 * DAY,
      Interaction: HOUR,
      Session: 14 * DAY,
      Grant: 30 * DAY,
    },
  });

  /**
   * oidc-provider and Koa were a third of the server's start-up: they are
   * loaded once the server is up (`warm`), or by the first call that needs
   * them, which waits. The products' clients are registered in the same step.
   */
  async function load() {
    const lib = await import('oidc-provider');
    const { jwks, cookieKeys } = await providerKeys(keyring);
    const provider = new lib.default(issuer, configuration(lib, jwks, cookieKeys));
    // The provider builds its endpoint URLs from the request's forwarded headers; `handle`
    // replaces them with what the server concluded under `trustProxy`, so only a listed proxy counts.
    provider.proxy = true;
    // Only the error's class and code are logged: a provider error's message can echo request input.
    const logError = (err: unknown) => logger.error({ error: failureLabel(err) }, 'oidc provider error');
    provider.on('server_error', (_ctx: unknown, err: unknown) => logError(err));
    provider.app.on('error', logError);
    const loaded = { provider, callback: provider.callback() };
    if (configClients) await registerConfigClients(provider, configClients);
    return loaded;
  }
  let loading: ReturnType<typeof load> | undefined;
  const loaded = () => {
    loading ??= load();
    return loading;
  };
  const providerOf = async () => (await loaded()).provider;

  async function validate(provider: Provider, input: ClientInput, name: string): Promise<ClientMetadata> {
    const uris = [...input.redirectUris, ...(input.postLogoutRedirectUris ?? [])];
    if (input.backchannelLogoutUri) uris.push(input.backchannelLogoutUri);
    if (!uris.every(acceptableUri)) throw new MaxfiyError('MXF_OIDC_CLIENT_INVALID', { field: 'uri' });
    if (input.jwks && !(await keysImport(input.jwks)))
      throw new MaxfiyError('MXF_OIDC_CLIENT_INVALID', { field: 'jwks' });
    const metadata = metadataOf(input, name);
    try {
      await provider.Client.validate(metadata);
    } catch (err) {
      throw new MaxfiyError('MXF_OIDC_CLIENT_INVALID', { field: 'metadata' }, { cause: err });
    }
    return metadata;
  }

  /**
   * The config file's clients, checked at start, before the port opens: a
   * client that is not a product, a URI that is neither https nor loopback
   * http, or a key that does not import as a public key stops the start,
   * naming the field. (The provider's own metadata check runs when it loads.)
   */
  async function readConfigClients(file: string) {
    const config = readOidcConfig(file);
    const products = new Map(readCompanyFile(options.companyFile).products.map((p) => [p.id, p.name]));
    const clients: { input: ClientInput; name: string }[] = [];
    for (const [i, input] of config.clients.entries()) {
      const refuse = (field: string, why: string) =>
        new ConfigError(`OIDC file ${file}: invalid field "clients.${i}.${field}": ${why}`);
      const name = products.get(input.clientId);
      if (!name) throw refuse('clientId', 'not a product');
      const uris: [string, string[] | undefined][] = [
        ['redirectUris', input.redirectUris],
        ['postLogoutRedirectUris', input.postLogoutRedirectUris],
        ['backchannelLogoutUri', input.backchannelLogoutUri ? [input.backchannelLogoutUri] : undefined],
      ];
      for (const [field, list] of uris) {
        const bad = (list ?? []).findIndex((uri) => !acceptableUri(uri));
        if (bad >= 0)
          throw refuse(
            field === 'backchannelLogoutUri' ? field : `${field}.${bad}`,
            'must be https, or http on a loopback host, with no fragment',
          );
      }
      if (input.jwks && !(await keysImport(input.jwks)))
        throw refuse('jwks', 'a key does not import as a public key (or two keys share a kid)');
      clients.push({ input, name });
    }
    return { file, clients };
  }

  /** The products' clients from the config file: its content wins over what the database held. */
  async function registerConfigClients(
    provider: Provider,
    { file, clients }: Awaited<ReturnType<typeof readConfigClients>>,
  ): Promise<number> {
    const now = clock.now();
    const rows: OidcClientTable[] = [];
    for (const [i, { input, name }] of clients.entries()) {
      const metadata = await validate(provider, input, name).catch(() => {
        throw new ConfigError(`OIDC file ${file}: invalid field "clients.${i}": refused client metadata`);
      });
      rows.push({
        client_id: input.clientId,
        metadata: JSON.stringify(metadata),
        source: 'config',
        created_at: now,
        created_by: 'system',
      });
    }
    await database.write(async (trx) => {
      for (const row of rows) await store.upsertConfigClient(trx, row);
    });
    return rows.length;
  }

  const configFile = deps.configFile ?? path.join(path.dirname(options.companyFile), 'oidc.json');
  const configClients = existsSync(configFile) ? await readConfigClients(configFile) : undefined;
  if (!configClients)
    logger.warn({ file: path.basename(configFile) }, 'no OIDC client file: only administrators’ clients');

  const grants = createGrants({ database, clock, audit, outbox });

  /** Ends everything a customer holds at the provider and tells the apps (see `grants.end`), audited as `action`. */
  async function endAllOf(
    subjectId: string,
    key: string,
    action: string,
    details: Record<string, string> = {},
  ) {
    await database.write(async (trx) => {
      const ended = await grants.end(trx, subjectId, key);
      await audit.append(trx, {
        actor: 'system',
        action,
        subjectId,
        target: `subject:${subjectId}`,
        details: { ...details, removed: ended.removed, grants: ended.grants, backchannelLogouts: ended.told },
      });
    });
  }

  /** The subject id of an identity message; anything else is a fault the outbox keeps as a dead letter. */
  function subjectOf(payload: unknown): string {
    const subjectId = (payload as { subjectId?: unknown } | null)?.subjectId;
    if (typeof subjectId !== 'string' || subjectId === '') throw new Error('malformed identity payload');
    return subjectId;
  }

  const compromisedHandler: OutboxHandler = {
    topic: COMPROMISED_TOPIC,
    name: 'oidc.compromised',
    handle: (payload, ctx) => endAllOf(subjectOf(payload), ctx.idempotencyKey, 'oidc.compromise.revoked'),
  };

  /** A password reset or change: whoever signed in to the apps with the old password is signed out there. */
  const passwordReplacedHandler: OutboxHandler = {
    topic: PASSWORD_REPLACED_TOPIC,
    name: 'oidc.password-replaced',
    handle: (payload, ctx) =>
      endAllOf(subjectOf(payload), ctx.idempotencyKey, 'oidc.password.revoked', {
        reason: (payload as { reason?: unknown }).reason === 'change' ? 'change' : 'reset',
      }),
  };

  const backchannelHandler: OutboxHandler = {
    topic: BACKCHANNEL_TOPIC,
    name: 'oidc.backchannel-logout.send',
    async handle(payload) {
      const { clientId, subjectId, sid } = payload as { clientId: string; subjectId: string; sid?: string };
      const client = await (await providerOf()).Client.find(clientId);
      if (!client?.backchannelLogoutUri) return;
      // A failure (no 200/204) throws: the outbox tries again with backoff.
      await (
        client as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> }
      ).backchannelLogout(subjectId, sid);
    },
  };

  return {
    /** The provider, loaded on first use. */
    provider: providerOf,
    issuer,
    outboxHandlers: [compromisedHandler, passwordReplacedHandler, backchannelHandler],

    /**
     * Loads the provider and registers the config file's clients, for the server
     * to call before it opens its port: metadata that passes maxfiy's own checks
     * but not the provider's stops the start (a ConfigError naming the client)
     * instead of leaving /oidc answering 503 behind a server that says it is ready.
     */
    async start(): Promise<void> {
      try {
        await loaded();
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        // No request has reached the provider yet: its message speaks of configuration and keys only.
        const why = err instanceof Error ? (err.message.split('\n')[0] ?? '').slice(0, 200) : '';
        throw new ConfigError(
          `single sign-on could not start (${failureLabel(err)})${why ? `: ${why}` : ''}`,
        );
      }
    },

    /** Loads the provider if nothing has yet, so the first sign-in does not wait; a failure is logged. */
    warm(): void {
      loaded().catch((err: unknown) =>
        logger.error({ error: failureLabel(err) }, 'oidc provider could not start: /oidc answers 503'),
      );
    },

    /**
     * Hands a raw request under /oidc to the provider, which answers it itself.
     * `seen` is the scheme, host and client address as the server judged them
     * under `trustProxy`: they replace the X-Forwarded-* headers the request
     * came with, so a client that is not a listed proxy cannot choose the host
     * of the endpoints discovery announces or where the provider redirects.
     */
    handle(
      req: IncomingMessage & { originalUrl?: string },
      res: ServerResponse,
      seen: { protocol: string; host: string; ip: string },
    ): void {
      req.headers['x-forwarded-proto'] = seen.protocol === 'https' ? 'https' : 'http';
      req.headers['x-forwarded-for'] = seen.ip;
      if (seen.host) req.headers['x-forwarded-host'] = seen.host;
      else delete req.headers['x-forwarded-host'];
      req.originalUrl = req.url ?? OIDC_PATH;
      req.url = (req.url ?? '').slice(OIDC_PATH.length) || '/';
      loaded().then(
        ({ callback }) => callback(req, res),
        () => {
          res.statusCode = 503;
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          res.end('single sign-on is not available');
        },
      );
    },

    async listClients(): Promise<ClientView[]> {
      await loaded(); // the products' clients are registered with it
      return (await store.listClients(database.db)).map(viewOf);
    },

    async registerClient(actor: string, input: ClientInput): Promise<ClientView> {
      const metadata = await validate(await providerOf(), input, input.name ?? input.clientId);
      const row: OidcClientTable = {
        client_id: input.clientId,
        metadata: JSON.stringify(metadata),
        source: 'admin',
        created_at: clock.now(),
        created_by: actor,
      };
      await database.write(async (trx) => {
        if (!(await store.insertClient(trx, row))) throw new MaxfiyError('MXF_OIDC_CLIENT_EXISTS');
        await audit.append(trx, {
          actor,
          action: 'oidc.client.registered',
          target: `oidc-client:${row.client_id}`,
        });
      });
      return viewOf(row);
    },

    /**
     * Replaces the public keys of an administrator's client: key rotation
     * without ending its customers' sign-ins. A public client given keys
     * becomes a confidential one; the provider reads clients afresh from the
     * database, so every node uses the new set at once. To rotate without a
     * gap, register old and new keys together, then the new one alone.
     */
    async replaceClientKeys(actor: string, clientId: string, jwks: ClientJwks): Promise<ClientView> {
      const provider = await providerOf();
      const row = await store.findClient(database.db, clientId);
      if (!row) throw new MaxfiyError('MXF_OIDC_CLIENT_NOT_FOUND');
      if (row.source === 'config') throw new MaxfiyError('MXF_OIDC_CLIENT_FROM_CONFIG');
      const view = viewOf(row);
      const input: ClientInput = {
        clientId,
        redirectUris: view.redirectUris,
        postLogoutRedirectUris: view.postLogoutRedirectUris,
        ...(view.backchannelLogoutUri ? { backchannelLogoutUri: view.backchannelLogoutUri } : {}),
        jwks,
      };
      const metadata = await validate(provider, input, view.name);
      const updated = { ...row, metadata: JSON.stringify(metadata) };
      await database.write(async (trx) => {
        if (!(await store.updateAdminClient(trx, clientId, updated.metadata)))
          throw new MaxfiyError('MXF_OIDC_CLIENT_NOT_FOUND');
        await audit.append(trx, {
          actor,
          action: 'oidc.client.keys.replaced',
          target: `oidc-client:${clientId}`,
          details: { keyIds: viewOf(updated).keyIds },
        });
      });
      return viewOf(updated);
    },

    /** Removes an administrator's client and everything issued to it. */
    async deleteClient(actor: string, clientId: string): Promise<void> {
      await loaded();
      await database.write(async (trx) => {
        const row = await store.findClient(trx, clientId);
        if (!row) throw new MaxfiyError('MXF_OIDC_CLIENT_NOT_FOUND');
        if (row.source === 'config') throw new MaxfiyError('MXF_OIDC_CLIENT_FROM_CONFIG');
        await store.deleteClient(trx, clientId);
        await store.destroyClientModels(trx, clientId);
        await audit.append(trx, { actor, action: 'oidc.client.deleted', target: `oidc-client:${clientId}` });
      });
    },

    /**
     * The customer and app an access token was issued to, if it is live; null for anything else.
     * Live means its grant still stands and its customer is active: a blocked or closed account,
     * or a grant ended, closes the cabinet to the token at once, before the outbox's clean-up
     * deletes it (userinfo refuses it the same way, through findAccount).
     */
    async customerToken(
      token: string,
    ): Promise<{ customerId: string; clientId: string; scopes: string[] } | null> {
      const provider = await providerOf();
      const found = await provider.AccessToken.find(token).catch(() => undefined);
      if (!found || found.isExpired || !found.accountId || !found.clientId || !found.grantId) return null;
      const grant = await provider.Grant.find(found.grantId).catch(() => undefined);
      if (!grant || grant.isExpired || grant.accountId !== found.accountId) return null;
      const profile = await identity.profileOf(found.accountId).catch(() => undefined);
      if (profile?.status !== 'active') return null;
      return {
        customerId: found.accountId,
        clientId: found.clientId,
        scopes: (found.scope ?? '').split(' '),
      };
    },

    /**
     * Ends one browser's provider session, whose customer is no longer the one
     * signed in to the cabinet there, and tells the apps it signed in to by
     * back-channel logout (their sessions in that browser are not that
     * customer's any more). The customer's grants stay: the apps' servers may
     * hold refresh tokens for them, and the customer's other browsers go on.
     */
    async endBrowserSession(sessionId: string): Promise<void> {
      await database.write(async (trx) => {
        const row = await store.findModel(trx, 'Session', 'id', sessionId);
        if (!row) return;
        await store.destroyModel(trx, 'Session', sessionId);
        if (!row.account_id) return;
        const told = await grants.tellApps(
          trx,
          row.account_id,
          new Map(sidsOf(row.payload)),
          `session:${sessionId}`,
        );
        await audit.append(trx, {
          actor: 'system',
          action: 'oidc.session.ended',
          subjectId: row.account_id,
          target: `subject:${row.account_id}`,
          details: { reason: 'cabinet-changed', backchannelLogouts: told },
        });
      });
    },

    /**
     * Whether the cabinet session proves what the app asked of this sign-in:
     * with prompt=login, a factor proved since the request came (in the same
     * second or later: the request's time is in seconds); with max_age, one
     * proved that many seconds ago at most, or since the request came, so
     * max_age=0 means what prompt=login does instead of asking forever.
     */
    provesSignIn(
      request: { params: Record<string, unknown>; iat: number },
      principal: Pick<CustomerPrincipal, 'authenticatedAt'>,
    ): boolean {
      const sinceRequest = principal.authenticatedAt >= request.iat * 1000;
      const prompts = String(request.params.prompt ?? '').split(' ');
      if (prompts.includes('login') && !sinceRequest) return false;
      const maxAge = request.params.max_age === undefined ? Number.NaN : Number(request.params.max_age);
      if (Number.isFinite(maxAge) && clock.now() - principal.authenticatedAt > maxAge * 1000)
        return sinceRequest;
      return true;
    },

    /** The apps a customer allowed, and taking one back (the cabinet's Apps page). */
    apps: { list: grants.list, revoke: grants.revoke },

    /** Removes what has expired; the provider never reads it again anyway. */
    purgeExpired: () => database.write((trx) => store.deleteExpired(trx, clock.now())),
  };
}

export type OidcService = Awaited<ReturnType<typeof createOidc>>;
