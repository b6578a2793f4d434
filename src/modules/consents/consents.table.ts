export interface ConsentSubjectTable {
  /** The customer's id; a foreign key to customers comes with the identity module. */
  subject_id: string;
  /** `active` | `blocked`. */
  status: string;
  rev: number;
  updated_at: number;
}

/** Append-only: one row per consent or objection event, never updated. */
export interface ConsentEventTable {
  id: string;
  subject_id: string;
  /** The subject's revision this event made. */
  rev: number;
  purpose_id: string;
  /** '' for the whole purpose, else `channel:topic`. */
  scope: string;
  /** `consent` | `objection`. */
  kind: string;
  /** `given` | `withdrawn` | `expired`. */
  state: string;
  /** `cabinet` | `app` | `site-notice` | `staff-paper`. */
  source: string;
  purpose_version: number;
  at: number;
  expires_at: number | null;
  /** JSON: the ISO/IEC TS 27560 consent record. */
  record: string;
  audit_seq: number;
}

/** The latest event per (subject, purpose, scope, kind): what the decision index is rebuilt from. */
export interface ConsentCurrentTable {
  subject_id: string;
  purpose_id: string;
  scope: string;
  kind: string;
  state: string;
  event_id: string;
  expires_at: number | null;
  updated_at: number;
}

export interface WebhookSubscriberTable {
  id: string;
  url: string;
  active: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ConsentTables {
  consent_subjects: ConsentSubjectTable;
  consent_events: ConsentEventTable;
  consent_current: ConsentCurrentTable;
  webhook_subscribers: WebhookSubscriberTable;
}
