/**
 * The error catalogue. Every error a client can see has a stable code
 * `MXF_<AREA>_<REASON>`, an HTTP status and a message in each of the product's
 * four languages. Each area defines its codes beside its code with
 * `defineErrors`, and they are joined here; `docs/errors.md` is generated from
 * this catalogue (`npm run docs:errors`) and a test keeps it current.
 *
 * Messages never carry personal data: parameters are codes, field names and numbers.
 */
import { auditErrors } from './audit/audit.errors.js';
import { keyErrors } from './crypto/keys.errors.js';
import { coreErrors } from './http/core.errors.js';
import type { ErrorDefinition } from './i18n/errors-define.js';
import { mailErrors } from './mail/mail.errors.js';
import { agreementErrors } from './modules/agreements/agreements.errors.js';
import { appErrors } from './modules/apps/apps.errors.js';
import { cabinetErrors } from './modules/cabinet/cabinet.errors.js';
import { consentErrors } from './modules/consents/consents.errors.js';
import { decisionErrors } from './modules/decisions/decisions.errors.js';
import { factorErrors } from './modules/factors/factors.errors.js';
import { identityErrors } from './modules/identity/identity.errors.js';
import { oidcErrors } from './modules/oidc/oidc.errors.js';
import { orgErrors } from './modules/org/org.errors.js';
import { purposeErrors } from './modules/purposes/purposes.errors.js';
import { staffErrors } from './modules/staff/staff.errors.js';
import { outboxErrors } from './outbox/outbox.errors.js';

export const catalogue = {
  ...coreErrors,
  ...keyErrors,
  ...auditErrors,
  ...outboxErrors,
  ...mailErrors,
  ...orgErrors,
  ...staffErrors,
  ...factorErrors,
  ...identityErrors,
  ...agreementErrors,
  ...purposeErrors,
  ...consentErrors,
  ...decisionErrors,
  ...appErrors,
  ...cabinetErrors,
  ...oidcErrors,
} satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof catalogue;

export class MaxfiyError extends Error {
  override name = 'MaxfiyError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** Values substituted into `{name}` placeholders: never personal data. */
    readonly params: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(String(code), options);
    this.status = catalogue[code].status;
  }
}

/** `assertThat(version, 'MXF_AGREEMENT_VERSION_NOT_FOUND')`: throws the catalogued error when falsy. */
export function assertThat(
  condition: unknown,
  code: ErrorCode,
  params?: Record<string, string | number>,
): asserts condition {
  if (!condition) throw new MaxfiyError(code, params);
}
