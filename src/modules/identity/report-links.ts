import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { newToken } from '../../ids.js';
import type { IdentityContext } from './context.js';
import { type Contact, sha256 } from './identity.crypto.js';
import * as store from './identity.store.js';
import { languageFor, messages, type SecurityChange } from './messages.js';
import * as sessionStore from './sessions.store.js';

/** A "this wasn't me" link works this long. */
export const REPORT_LINK_TTL_MS = 7 * 24 * 60 * 60_000;
export const REPORT_LINK_PURPOSE = 'compromise-report';

/**
 * A new one-click compromise report link for the customer, counting from
 * `since`, the time of the sign-in or change the notice carrying it is about:
 * a report by it removes the factors added from then on. Only its hash is
 * kept; the address is returned for the notice.
 */
export async function newReportLink(
  ctx: Pick<IdentityContext, 'clock' | 'options'>,
  trx: Trx,
  subjectId: string,
  since: number,
): Promise<string> {
  const token = newToken();
  await store.insertActionLink(trx, {
    token_hash: sha256(token),
    subject_id: subjectId,
    purpose: REPORT_LINK_PURPOSE,
    created_at: since,
    expires_at: ctx.clock.now() + REPORT_LINK_TTL_MS,
    used_at: null,
  });
  return `${ctx.options.publicUrl}/compromise?token=${token}`;
}

/**
 * Tells the customer of a change an intruder could make to keep a way in (a
 * passkey or an authenticator app added, staff given access to the cabinet),
 * with a one-click report. The link counts from `since`, the change's own time:
 * a report by it removes the factors added from then on, that one included.
 */
export async function sendSecurityChange(
  ctx: IdentityContext,
  trx: Trx,
  subjectId: string,
  change: SecurityChange,
  since: number,
  /** Where to tell, when not the account's contact now (a contact being replaced: the old one). */
  at?: Contact,
  /** The session the change came from, when it must still be live (a reset leaves the account active). */
  fromSession?: string,
): Promise<void> {
  // A report that committed first has ended the session this change came from: the change does not happen.
  const customer = await store.lockCustomer(trx, subjectId, ctx.database.kind);
  if (!customer || customer.status !== 'active') throw new MaxfiyError('MXF_AUTH_REQUIRED');
  // So has a password reset, which takes the same lock: its revocation is visible once the lock is ours.
  if (fromSession !== undefined && !(await sessionStore.isSessionLive(trx, fromSession)))
    throw new MaxfiyError('MXF_AUTH_REQUIRED');
  const to = at ?? (await ctx.reachOf(trx, customer));
  if (!to) return;
  const url = await newReportLink(ctx, trx, subjectId, since);
  await ctx.send(trx, to, messages.securityChange(languageFor(customer.locale, undefined), change, url));
}
