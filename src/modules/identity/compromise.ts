import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId } from '../../ids.js';
import { queueMail } from '../../mail/mail.service.js';
import { deleteFactorsSince } from '../factors/factors.store.js';
import { COMPROMISED_TOPIC } from './channels.js';
import type { IdentityContext } from './context.js';
import { sha256 } from './identity.crypto.js';
import * as store from './identity.store.js';
import { languageFor, messages } from './messages.js';
import { REPORT_LINK_PURPOSE } from './report-links.js';
import { type CustomerPrincipal, isRecent, plausibleToken } from './sessions.js';
import * as sessionStore from './sessions.store.js';

export const INCIDENT_KIND = 'compromise-report';

export interface CompromiseOutcome {
  incidentId: string;
  sessionsEnded: number;
  /** False when an open incident already covered this account: the report changed nothing more. */
  opened: boolean;
}

export interface Incident {
  id: string;
  subjectId: string;
  kind: string;
  source: string;
  createdAt: number;
  status: 'open' | 'closed';
}

/**
 * The compromise report (§6): ends every session, blocks password sign-in until
 * a reset through a verified channel, removes the sign-in factors an intruder
 * may have added, ends the customer's cabinet grants, opens an incident for the
 * security team, and tells the customer what was done.
 *
 * Which factors go: from the cabinet by a session that proved its factors in
 * the last STEP_UP_MS, all of them (and the recovery codes); from an older
 * session, those added since it last proved them; from a mailed notice's link,
 * which only proves the mailbox, those added since the change the notice was
 * about. In every case, also those added since the earliest notice still open
 * (7 days). A factor older than that and than the session survives, so the
 * mailbox alone cannot strip it and sign in past it after a reset.
 *
 * Repeating it does no harm: a second report while the incident is open ends
 * any new session, factor or grant and changes nothing else.
 */
export function createCompromise(ctx: IdentityContext) {
  const { database, clock, audit, outbox } = ctx;
  const securityAddress = ctx.options.securityEmail || 'security@localhost';

  async function report(
    trx: Trx,
    subjectId: string,
    source: 'cabinet' | 'link',
    lang: Language | undefined,
    /** Factors added at or after this time are removed: 0 for all. */
    factorsSince: number,
  ): Promise<CompromiseOutcome> {
    const now = clock.now();
    const customer = await store.lockCustomer(trx, subjectId, database.kind);
    if (!customer) throw new MaxfiyError('MXF_AUTH_REQUIRED');
    const sessionsEnded = await sessionStore.revokeSessions(trx, subjectId, now);
    // A browser that signed in before the report may be the intruder's: none is known any more,
    // so none keeps a sign-in budget of its own (signin.ts) or passes as seen before.
    await store.deleteDevices(trx, subjectId);
    // Every notice still open (new device, factor added, access given) is answered by this report: what was added
    // since the earliest of them goes too, so a report by a later notice does not leave an earlier change behind.
    const earliestOpen = await store.useOpenLinks(trx, subjectId, REPORT_LINK_PURPOSE, now);
    const since = Math.min(factorsSince, earliestOpen ?? factorsSince);
    const factorsRemoved = await deleteFactorsSince(trx, { kind: 'customer', id: subjectId }, since);
    const grantsEnded = (await ctx.onCompromised?.(trx, subjectId)) ?? 0;
    if (customer.status === 'active')
      await store.setCustomerStatus(trx, subjectId, 'blocked-compromise', now);
    const open = await store.findOpenIncident(trx, subjectId, INCIDENT_KIND);
    const incidentId = open?.id ?? newId(now);
    if (!open) {
      await store.insertIncident(trx, {
        id: incidentId,
        subject_id: subjectId,
        kind: INCIDENT_KIND,
        source,
        created_at: now,
        status: 'open',
      });
      await queueMail(trx, outbox, {
        to: securityAddress,
        ...messages.securityIncident(incidentId, source),
        idempotencyKey: `incident-security:${incidentId}`,
      });
      const to = await ctx.reachOf(trx, customer);
      if (to) {
        const done = messages.compromiseDone(languageFor(customer.locale, lang), ctx.options.publicUrl);
        await ctx.send(trx, to, done);
      }
      // The hook the OIDC round hangs grant and refresh-token revocation and back-channel logout on.
      await outbox.enqueue(trx, {
        topic: COMPROMISED_TOPIC,
        payload: { subjectId, incidentId },
        idempotencyKey: `identity.compromised:${incidentId}`,
      });
    }
    await audit.append(trx, {
      actor: source === 'cabinet' ? `subject:${subjectId}` : 'system',
      action: 'customer.compromise.reported',
      subjectId,
      target: `incident:${incidentId}`,
      details: { source, sessionsEnded, factorsRemoved, grantsEnded, opened: !open },
    });
    return { incidentId, sessionsEnded, opened: !open };
  }

  return {
    /**
     * From the cabinet, signed in. With a recent sign-in (every factor proved
     * within STEP_UP_MS, as removing one by hand needs) every factor goes; from
     * an older session, only those added since it last proved them, so a
     * stolen old session cannot strip the customer's own.
     */
    fromCabinet: (principal: CustomerPrincipal, lang?: Language) => {
      const recent = isRecent(principal, clock.now());
      return database.write((trx) =>
        report(trx, principal.subjectId, 'cabinet', lang, recent ? 0 : principal.authenticatedAt),
      );
    },

    /** From the "this wasn't me" link, without a session; the link is used up. */
    async fromLink(token: string, ip: string | undefined, lang?: Language): Promise<CompromiseOutcome> {
      ctx.guessAllowed(ip);
      const outcome = await database.write(async (trx) => {
        if (!plausibleToken(token)) return null;
        const hash = sha256(token);
        const link = await store.findActionLink(trx, hash, REPORT_LINK_PURPOSE);
        if (!link || link.expires_at <= clock.now()) return null;
        if (!(await store.useActionLink(trx, hash, clock.now()))) return null;
        // The link counts from the sign-in or change it reports.
        return report(trx, link.subject_id, 'link', lang, link.created_at);
      });
      if (!outcome) {
        ctx.guessMissed(ip);
        throw new MaxfiyError('MXF_IDENTITY_LINK_INVALID');
      }
      return outcome;
    },

    async listIncidents(limit = 100): Promise<Incident[]> {
      const rows = await store.listIncidents(database.db, limit);
      return rows.map((r) => ({
        id: r.id,
        subjectId: r.subject_id,
        kind: r.kind,
        source: r.source,
        createdAt: r.created_at,
        status: r.status,
      }));
    },
  };
}
