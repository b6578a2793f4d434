/**
 * The database as Kysely sees it. Each area declares its tables beside its code
 * (`<area>.table.ts`); this file joins them. Conventions that keep one set of
 * queries portable between SQLite and PostgreSQL:
 * - times are integers, milliseconds since the epoch (`bigint` on PostgreSQL);
 * - booleans are integers 0/1;
 * - binary values are Buffers (`blob` / `bytea`);
 * - JSON is text, serialised by the store.
 */
import type { AuditTables } from '../audit/audit.table.js';
import type { KeyTables } from '../crypto/keys.table.js';
import type { MailTables } from '../mail/mail.table.js';
import type { AgreementTables } from '../modules/agreements/agreements.table.js';
import type { AppTables } from '../modules/apps/apps.table.js';
import type { CabinetTables } from '../modules/cabinet/cabinet.table.js';
import type { ConsentTables } from '../modules/consents/consents.table.js';
import type { FactorTables } from '../modules/factors/factors.table.js';
import type { IdentityTables } from '../modules/identity/identity.table.js';
import type { OidcTables } from '../modules/oidc/oidc.table.js';
import type { OrgTables } from '../modules/org/org.table.js';
import type { PurposeTables } from '../modules/purposes/purposes.table.js';
import type { StaffTables } from '../modules/staff/staff.table.js';
import type { OutboxTables } from '../outbox/outbox.table.js';

export interface Schema
  extends OrgTables,
    KeyTables,
    AuditTables,
    OutboxTables,
    MailTables,
    StaffTables,
    IdentityTables,
    AgreementTables,
    PurposeTables,
    ConsentTables,
    FactorTables,
    AppTables,
    CabinetTables,
    OidcTables {}
