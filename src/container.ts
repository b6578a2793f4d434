/**
 * The composition root: stores → services → routes are wired here and nowhere
 * else, so a test can swap any part. No module keeps a singleton.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type AuditLog, createAuditLog } from './audit/audit.service.js';
import type { Clock } from './clock.js';
import type { Options } from './config/options.js';
import type { KekProvider } from './crypto/kek.js';
import { createKeyring, type KeyringService } from './crypto/keys.service.js';
import type { Database } from './db/database.js';
import { Metrics } from './http/metrics.js';
import { createMailSendHandler, type MailTransport, startMailTransport } from './mail/mail.service.js';
import { type Agreements, createAgreements } from './modules/agreements/agreements.module.js';
import { verifiedEmailFrom } from './modules/agreements/notice-mail.js';
import { type AppCredentials, createAppCredentials } from './modules/apps/apps.service.js';
import { type CabinetService, createCabinetService } from './modules/cabinet/cabinet.service.js';
import { type ConsentService, createConsentService } from './modules/consents/consents.service.js';
import { createWebhooks, type Webhooks } from './modules/consents/consents.webhooks.js';
import { createDecisionService, type DecisionService } from './modules/decisions/decisions.service.js';
import { identityOutboxHandlers, smsDeliverable } from './modules/identity/channels.js';
import { createIdentityService, type IdentityService } from './modules/identity/identity.service.js';
import { registerSubjectHook } from './modules/identity/subjects.js';
import { createOidc, type OidcService } from './modules/oidc/oidc.service.js';
import { createOrgService, type OrgService } from './modules/org/org.service.js';
import { createPurposeService, type PurposeService } from './modules/purposes/purposes.service.js';
import { createStaffService, type StaffService } from './modules/staff/staff.service.js';
import { createOutbox, type Outbox } from './outbox/outbox.service.js';
import { createWorker, type OutboxWorker } from './outbox/outbox.worker.js';

export interface Services {
  options: Options;
  database: Database;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Flipped on SIGTERM: readiness answers 503 while requests drain. */
  lifecycle: { shuttingDown: boolean };
  keyring: KeyringService;
  audit: AuditLog;
  outbox: Outbox;
  mail: MailTransport;
  worker: OutboxWorker;
  staff: StaffService;
  org: OrgService;
  agreements: Agreements;
  identity: IdentityService;
  purposes: PurposeService;
  decisions: DecisionService;
  consents: ConsentService;
  webhooks: Webhooks;
  oidc: OidcService;
  apps: AppCredentials;
  cabinet: CabinetService;
}

export interface ServiceDeps {
  options: Options;
  database: Database;
  kek: KekProvider;
  clock: Clock;
  logger: Logger;
  /**
   * The mail transport to use instead of the one the options ask for: `maxfiy
   * worker` sends to the server's development inbox rather than start another.
   */
  mail?: MailTransport;
}

/**
 * Registers every outbox handler. The server's in-process worker and
 * `maxfiy worker` both call this, so they deliver the same topics.
 */
export function registerOutboxHandlers(
  outbox: Outbox,
  deps: { mail: MailTransport; webhooks?: Pick<Webhooks, 'handler'> },
): void {
  if (deps.webhooks) outbox.register(deps.webhooks.handler);
  outbox.register(createMailSendHandler(deps.mail.mailer));
}

export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { options, database, clock, logger } = deps;
  const metrics = new Metrics();
  const keyring = await createKeyring({ database, kek: deps.kek, clock });
  const audit = createAuditLog({
    database,
    keyring,
    clock,
    options: {
      treeHeadEveryEntries: options.treeHeadEveryEntries,
      treeHeadEverySeconds: options.treeHeadEverySeconds,
    },
    logger: logger.child({ module: 'audit' }),
  });
  const outbox = await createOutbox({
    database,
    clock,
    keyring,
    options: { maxAttempts: options.outboxMaxAttempts, pollMs: options.workerPollMs },
    logger: logger.child({ module: 'outbox' }),
  });
  const mail =
    deps.mail ??
    (await startMailTransport({
      options,
      database,
      clock,
      logger: logger.child({ module: 'mail' }),
    }));
  const webhooks = await createWebhooks({
    database,
    keyring,
    audit,
    clock,
    outbox,
    logger: logger.child({ module: 'webhooks' }),
    options: { outboundPrivateAddresses: options.outboundPrivateAddresses },
  });
  registerOutboxHandlers(outbox, { mail, webhooks });
  for (const handler of identityOutboxHandlers({
    database,
    clock,
    logger: logger.child({ module: 'sms' }),
    options,
  }))
    outbox.register(handler);
  const worker = createWorker({
    database,
    outbox,
    clock,
    logger: logger.child({ module: 'worker' }),
    workerId: `server-${randomUUID()}`,
    options: { pollMs: options.workerPollMs },
  });
  const staff = createStaffService({
    database,
    keyring,
    audit,
    clock,
    outbox,
    options: { publicUrl: options.publicUrl },
    logger: logger.child({ module: 'staff' }),
  });
  const org = createOrgService({ database, audit, clock });
  const agreements = createAgreements({
    database,
    audit,
    outbox,
    clock,
    org,
    options,
    logger: logger.child({ module: 'agreements' }),
    verifiedEmail: (subjectId) => verifiedEmailFrom(identity, subjectId),
  });
  const identity = createIdentityService({
    database,
    keyring,
    audit,
    clock,
    outbox,
    logger: logger.child({ module: 'identity' }),
    // `decisions` is created below; the hook runs only at sign-up, long after.
    onCustomerCreated: (trx, subjectId) => registerSubjectHook({ decisions, audit, clock })(trx, subjectId),
    // `cabinet` is created below; a report or reset comes long after start.
    onCompromised: (trx, subjectId) => cabinet.endGrants(trx, subjectId, 'compromise-report'),
    onPasswordReset: (trx, subjectId) => cabinet.endGrants(trx, subjectId, 'password-reset'),
    options: {
      publicUrl: options.publicUrl,
      smsDeliverable: smsDeliverable(options),
      smsBudget: {
        perHour: options.smsPerHour,
        abroadPerHour: options.smsAbroadPerHour,
        homeCallingCode: options.smsHomeCallingCode,
      },
      securityEmail: options.securityEmail,
      sessions: {
        idleMs: options.sessionIdleMinutes * 60_000,
        absoluteMs: options.sessionMaxDays * 24 * 60 * 60_000,
      },
    },
  });
  const purposes = createPurposeService({ database, audit, clock });
  const decisions = createDecisionService({
    database,
    clock,
    purposes,
    logger: logger.child({ module: 'decisions' }),
  });
  const consents = createConsentService({
    database,
    audit,
    clock,
    decisions,
    webhooks,
    purposes,
    org,
    logger: logger.child({ module: 'consents' }),
    options,
  });
  const apps = createAppCredentials({ database, audit, clock, logger: logger.child({ module: 'apps' }) });
  const cabinet = createCabinetService({
    database,
    keyring,
    audit,
    clock,
    products: async () => (await org.get()).products,
    onGrantCreated: (trx, customerId, at, sessionId) => identity.noticeGrant(trx, customerId, at, sessionId),
  });
  const oidc = await createOidc({
    options,
    database,
    clock,
    keyring,
    audit,
    outbox,
    identity,
    logger: logger.child({ module: 'oidc' }),
  });
  for (const handler of oidc.outboxHandlers) outbox.register(handler);
  // Built once, here, before any port opens; on PostgreSQL the node LISTENs
  // first, so it follows other nodes' changes from its first answer.
  const rebuilt = await decisions.start();
  logger.info(rebuilt, 'decision index built');

  metrics.gauge('maxfiy_outbox_messages', 'Outbox messages by status.', async () => {
    const stats = await outbox.stats();
    return Object.entries(stats).map(([status, value]) => ({ labels: { status }, value }));
  });
  metrics.gauge('maxfiy_audit_tree_size', 'Entries in the latest signed audit tree head.', async () => {
    const head = await audit.latestTreeHead();
    return [{ labels: {}, value: head?.treeSize ?? 0 }];
  });
  metrics.gauge(
    'maxfiy_decisions_following',
    "1 while this node hears of other nodes' consent changes (always on SQLite); 0 while its PostgreSQL listener is down.",
    async () => [{ labels: {}, value: decisions.following() ? 1 : 0 }],
  );

  return {
    options,
    database,
    clock,
    logger,
    metrics,
    lifecycle: { shuttingDown: false },
    keyring,
    audit,
    outbox,
    mail,
    worker,
    staff,
    org,
    agreements,
    identity,
    purposes,
    decisions,
    consents,
    webhooks,
    oidc,
    apps,
    cabinet,
  };
}

/** Starts what runs beside the HTTP server: the outbox worker, signed tree heads, site checks and consent expiry. */
export async function startBackground(services: Services): Promise<void> {
  if (services.options.inProcessWorker) services.worker.start();
  // A head at once, so the log is verifiable from the first minute (a no-op when nothing is new).
  await services.audit.issueTreeHead();
  services.audit.startTreeHeads();
  services.agreements.siteChecks.start();
  // Consents whose term ended become `expired` events, with their webhooks, every minute.
  services.consents.startExpiry();
  // Already following since createServices; this resumes it after a stopBackground().
  await services.decisions.listen();
  // The server has loaded single sign-on before its port opened; anything else that starts a server loads it here.
  services.oidc.warm();
}

export async function stopBackground(services: Services): Promise<void> {
  await services.worker.stop();
  await services.consents.stopExpiry();
  await services.audit.stop();
  await services.mail.stop();
  services.agreements.siteChecks.stop();
  await services.decisions.stop();
}
