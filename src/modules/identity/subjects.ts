import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Trx } from '../../db/database.js';
import * as consentStore from '../consents/consents.store.js';
import type { DecisionService } from '../decisions/decisions.service.js';

/**
 * The decision engine answers `unknown-subject` for anyone it has not been told
 * of. A new account is registered in its sign-up transaction, so `decide` knows
 * the customer from the moment the sign-up is acknowledged (on this node at
 * commit, on others through the same notification consent writes use). A
 * status set earlier (a staff block) is kept.
 */
export function registerSubjectHook(deps: {
  decisions: Pick<DecisionService, 'afterWrite'>;
  audit: AuditAppender;
  clock: Clock;
}): (trx: Trx, subjectId: string) => Promise<void> {
  return async (trx, subjectId) => {
    const { rev, status } = await consentStore.bumpSubject(trx, subjectId, deps.clock.now());
    await deps.audit.append(trx, {
      actor: `subject:${subjectId}`,
      action: 'consent.subject.registered',
      subjectId,
      details: { rev },
    });
    await deps.decisions.afterWrite(trx, {
      subjectId,
      status,
      rev,
      rows: await consentStore.currentRows(trx, subjectId),
    });
  };
}
