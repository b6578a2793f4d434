import type { Trx } from '../db/database.js';

/** What a service needs of the audit log: append an entry inside its own transaction. */
export interface AuditEntryInput {
  /** `staff:<id>`, `subject:<id>`, `app:<id>` or `system`; ids, never names or e-mails. */
  actor: string;
  /** Dotted verb: `org.site.updated`, `staff.signin`, … */
  action: string;
  purpose?: string | null;
  subjectId?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditAppender {
  append(trx: Trx, entry: AuditEntryInput): Promise<{ seq: number }>;
}
