import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';
import { foundation } from './0001_foundation.js';
import { identity } from './0002_identity.js';
import { agreements } from './0003_agreements.js';
import { purposesConsents } from './0004_purposes_consents.js';
import { factors } from './0005_factors.js';
import { apps } from './0006_apps.js';
import { cabinet } from './0007_cabinet.js';
import { oidc } from './0008_oidc.js';
import { noticeMail } from './0009_notice_mail.js';
import { staffInvites } from './0010_staff_invites.js';
import { staffResets } from './0011_staff_resets.js';
import { consentExpiry } from './0012_consent_expiry.js';
import { companyContact } from './0013_company_contact.js';
import { smsBudget } from './0014_sms_budget.js';
import { outboxLanes } from './0015_outbox_lanes.js';

/** Column types that differ between the two databases. */
export interface ColumnTypes {
  /** Milliseconds since the epoch, and other integers that outgrow 32 bits. */
  time: 'bigint' | 'integer';
  binary: 'bytea' | 'blob';
}

export function columnTypes(kind: DatabaseKind): ColumnTypes {
  return kind === 'postgres' ? { time: 'bigint', binary: 'bytea' } : { time: 'integer', binary: 'blob' };
}

/**
 * Every migration, in order, listed by hand: the order is global and a migration,
 * once released, never changes. Add new ones at the end.
 */
export function migrations(kind: DatabaseKind): Record<string, Migration> {
  const t = columnTypes(kind);
  return {
    '0001_foundation': foundation(t),
    '0002_identity': identity(t),
    '0003_agreements': agreements(t),
    '0004_purposes_consents': purposesConsents(t),
    '0005_factors': factors(t),
    '0006_apps': apps(t),
    '0007_cabinet': cabinet(t),
    '0008_oidc': oidc(t),
    '0009_notice_mail': noticeMail(t),
    '0010_staff_invites': staffInvites(t),
    '0011_staff_resets': staffResets(t),
    '0012_consent_expiry': consentExpiry(),
    '0013_company_contact': companyContact(),
    '0014_sms_budget': smsBudget(t),
    '0015_outbox_lanes': outboxLanes(),
  };
}

export type AnyKysely = Kysely<unknown>;
