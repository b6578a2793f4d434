export type VersionStatus = 'draft' | 'pending' | 'published';
export type TextStatus = 'authoritative' | 'transliteration-to-review' | 'unofficial-translation';

export interface AgreementVersionTable {
  number: number;
  status: VersionStatus;
  authoritative_lang: string;
  /** JSON array of §20 reason codes. */
  reasons: string;
  /** JSON array of site ids. */
  site_ids: string;
  effective_at: number | null;
  published_at: number | null;
  created_by: string;
  /** `staff:<id>:<role>` of the member who asked to publish. */
  requested_by: string | null;
  approved_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface AgreementTextTable {
  version: number;
  lang: string;
  text_status: TextStatus;
  /** The canonical text (`renderPlainText`). */
  body: string;
  content_hash: string;
}

export interface AgreementAcceptanceTable {
  id: string;
  subject_id: string;
  version: number;
  lang: string;
  content_hash: string;
  site_id: string | null;
  /** `api`, `notice`, `cabinet` or `continued-use`. */
  method: string;
  accepted_at: number;
  audit_seq: number;
  record: string;
}

export interface AgreementSubjectStateTable {
  subject_id: string;
  accepted_version: number;
  accepted_at: number;
  last_acceptance_id: string;
  notified_version: number;
  needs_reacceptance: number;
}

export interface AgreementNotificationTable {
  version: number;
  total: number;
  notified: number;
  started_at: number;
  finished_at: number | null;
  /** The e-mail notice: customers at publication, walked so far, mailed (verified address). */
  mail_total: number;
  mail_done: number;
  mail_sent: number;
  mail_finished_at: number | null;
}

export interface AgreementSiteCheckTable {
  id: string;
  site_id: string;
  url: string;
  checked_at: number;
  expected_version: number | null;
  /** `ok`, `mismatch`, `unreachable` or `no-version`. */
  outcome: string;
  /** The marker found on the page, if any (version:hash). */
  found: string | null;
}

export interface AgreementTables {
  agreement_versions: AgreementVersionTable;
  agreement_texts: AgreementTextTable;
  agreement_acceptances: AgreementAcceptanceTable;
  agreement_subject_state: AgreementSubjectStateTable;
  agreement_notifications: AgreementNotificationTable;
  agreement_site_checks: AgreementSiteCheckTable;
}
