/** The agreement area's services, wired once in the composition root. */
import path from 'node:path';
import type { AuditLog } from '../../audit/audit.service.js';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import type { PrivateAddressPolicy } from '../../http/outbound.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import type { OrgService } from '../org/org.service.js';
import { createAcceptanceService } from './acceptance.service.js';
import { createNoticeMailHandler, type VerifiedEmail } from './notice-mail.js';
import { checkSites, recentSiteChecks, scheduleSiteChecks } from './site-checks.js';
import { createVersionsService } from './versions.service.js';

/** How often the scheduled publication check runs (the first run one interval after start). */
export const SITE_CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

/** Customers per page of the e-mail notice: one outbox message, one transaction. */
export const NOTICE_MAIL_PAGE = 1000;

export function createAgreements(deps: {
  database: Database;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  org: OrgService;
  options: {
    publicUrl: string;
    agreementContinuedUseCountsAsAcceptance: boolean;
    agreementPublishStandingDays: number;
    companyFile: string;
    outboundPrivateAddresses: PrivateAddressPolicy;
  };
  logger: { error(obj: object, msg: string): void };
  /** A customer's verified e-mail address, for the notice of a new version (identity decrypts it). */
  verifiedEmail?: VerifiedEmail;
}) {
  const { database, audit, outbox, clock, org } = deps;
  const versions = createVersionsService({
    database,
    audit,
    outbox,
    clock,
    siteIds: async () => (await org.listSites()).map((s) => s.id),
    publishStandingDays: deps.options.agreementPublishStandingDays,
  });
  const acceptances = createAcceptanceService({
    database,
    audit,
    outbox,
    clock,
    versions,
    org,
    options: {
      publicUrl: deps.options.publicUrl,
      continuedUseCountsAsAcceptance: deps.options.agreementContinuedUseCountsAsAcceptance,
    },
  });
  outbox.register(acceptances.notifyHandler);
  outbox.register(
    createNoticeMailHandler({
      database,
      audit,
      outbox,
      clock,
      verifiedEmail: deps.verifiedEmail ?? (async () => null),
      publicUrl: deps.options.publicUrl,
      batchSize: NOTICE_MAIL_PAGE,
    }),
  );
  let stopChecks: (() => void) | undefined;
  const privateAddresses = deps.options.outboundPrivateAddresses;
  return {
    versions,
    acceptances,
    /** Loads version 1 from the agreement texts beside the company file (config/) on first start. */
    seed: () => versions.seed(path.dirname(deps.options.companyFile)),
    /** Refuses the first start, before any write, when the agreement text to seed is missing. */
    checkSeed: async () => void (await versions.seedTexts(path.dirname(deps.options.companyFile))),
    siteChecks: {
      run: () => checkSites({ database, clock, privateAddresses, publicUrl: deps.options.publicUrl }),
      recent: () => recentSiteChecks(database),
      start() {
        stopChecks ??= scheduleSiteChecks(
          {
            database,
            clock,
            privateAddresses,
            publicUrl: deps.options.publicUrl,
            onError: (err) => deps.logger.error({ err }, 'site check failed'),
          },
          SITE_CHECK_EVERY_MS,
        );
      },
      stop() {
        stopChecks?.();
        stopChecks = undefined;
      },
    },
  };
}

export type Agreements = ReturnType<typeof createAgreements>;
