import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database, Db, Trx } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { CustomerPrincipal } from '../identity/sessions.js';
import type { StaffPrincipal } from '../staff/staff.sessions.js';
import { type StaffStanding, staffStanding } from '../staff/staff.store.js';
import * as store from './cabinet.store.js';

/** The largest value a record holds, as JSON. */
export const VALUE_LIMIT = 64 * 1024;
/** The only role a customer can grant as a whole; any other reader is named. */
export const GRANTABLE_ROLES = ['support'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export interface RecordView {
  productId: string;
  key: string;
  kind: string | null;
  value: unknown;
  updatedAt: number;
}

export type GranteeInput = { staffId: string } | { role: GrantableRole };
export type GranteeView = { staffId: string; name: string } | { role: string };

export interface GrantView {
  id: string;
  customerId: string;
  grantee: GranteeView;
  productIds: string[];
  reason: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  live: boolean;
}

export interface AccessView {
  at: number;
  staffId: string;
  staffName: string | null;
  grantId: string;
  productIds: string[];
  route: string;
}

/** The product app behind a request (`appOf` in src/http/app-auth.ts). */
export interface AppCaller {
  credentialId: string;
  productId: string;
}

export interface CabinetDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  /** The company's products. */
  products(): Promise<{ id: string; name: string }[]>;
  /**
   * Runs in the transaction that gives staff access: the composition root tells
   * the customer by mail, and refuses (MXF_AUTH_REQUIRED) when a compromise
   * report or password reset has ended the session the grant came from.
   */
  onGrantCreated?: (trx: Trx, customerId: string, at: number, sessionId: string) => Promise<void>;
}

const recordContext = (productId: string, recordId: string) => `cabinet.record:${productId}:${recordId}`;
const GRANT_REASON = 'cabinet.grant.reason';

/**
 * The personal cabinet (§4, §5): products write records with the customer's
 * authorization, the customer reads them, and staff read them only under a
 * live grant the customer gave, each read audited and shown to the customer.
 * No other path in the service returns a record's contents.
 */
export function createCabinetService(deps: CabinetDeps) {
  const { database, keyring, audit, clock } = deps;

  const keyIndex = (customerId: string, productId: string, key: string) =>
    keyring.blindIndex('cabinet-key', `${customerId}\n${productId}\n${key}`);

  async function open(db: Db | Trx, row: store.RecordRow): Promise<RecordView> {
    const plain = await keyring.decryptString(
      db,
      row.customer_id,
      recordContext(row.product_id, row.id),
      row.body_enc,
    );
    const body = JSON.parse(plain) as { key: string; kind: string | null; value: unknown };
    return {
      productId: row.product_id,
      key: body.key,
      kind: body.kind,
      value: body.value,
      updatedAt: Number(row.updated_at),
    };
  }

  /** The customer's reason; empty once the customer's key is shredded. */
  async function reasonOf(db: Db | Trx, row: store.GrantRow): Promise<string> {
    try {
      return await keyring.decryptString(db, row.customer_id, GRANT_REASON, row.reason_enc);
    } catch (err) {
      if (err instanceof MaxfiyError && err.code === 'MXF_KEYS_SUBJECT_SHREDDED') return '';
      throw err;
    }
  }

  const isLive = (g: store.GrantRow, now: number) => g.revoked_at === null && Number(g.expires_at) > now;
  /**
   * The grant names the member, and the account is still the one the customer
   * trusted. One administrator alone can reset a member's sign-in (and keep the
   * link) or invite a new member of a role: so a grant to a named member ends
   * for them once a reset is issued after it, and a grant to a role covers only
   * members whose account (roles, status, sign-in) is unchanged since it.
   */
  const isGrantee = (g: store.GrantRow, staff: StaffPrincipal, standing: StaffStanding | undefined) => {
    if (!standing) return false;
    const given = Number(g.created_at);
    if (g.grantee_staff_id !== null)
      return g.grantee_staff_id === staff.id && (standing.lastResetAt ?? -1) < given;
    return (
      g.grantee_role !== null &&
      (staff.roles as string[]).includes(g.grantee_role) &&
      standing.changedAt <= given
    );
  };
  const scopeOf = (g: store.GrantRow) => JSON.parse(g.product_ids) as string[];

  async function grantViews(db: Db | Trx, rows: store.GrantRow[]): Promise<GrantView[]> {
    const names = await store.staffNames(
      db,
      rows.flatMap((r) => (r.grantee_staff_id ? [r.grantee_staff_id] : [])),
    );
    const now = clock.now();
    return Promise.all(
      rows.map(async (r) => ({
        id: r.id,
        customerId: r.customer_id,
        grantee: r.grantee_staff_id
          ? { staffId: r.grantee_staff_id, name: names.get(r.grantee_staff_id) ?? '' }
          : { role: r.grantee_role ?? '' },
        productIds: scopeOf(r),
        reason: await reasonOf(db, r),
        createdAt: Number(r.created_at),
        expiresAt: Number(r.expires_at),
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
        live: isLive(r, now),
      })),
    );
  }

  async function requireProducts(ids: readonly string[]): Promise<void> {
    const known = new Set((await deps.products()).map((p) => p.id));
    for (const id of ids) assertThat(known.has(id), 'MXF_CABINET_PRODUCT_NOT_FOUND');
  }

  async function requireLink(db: Db | Trx, customerId: string, productId: string): Promise<void> {
    assertThat(await store.findLink(db, customerId, productId), 'MXF_CABINET_NOT_AUTHORIZED');
  }

  return {
    // ── the customer ──────────────────────────────────────────────────────────

    async products(principal: CustomerPrincipal) {
      const id = principal.subjectId;
      const [products, links, counts] = await Promise.all([
        deps.products(),
        store.listLinks(database.db, id),
        store.countRecords(database.db, id),
      ]);
      const linked = new Map(links.map((l) => [l.product_id, Number(l.linked_at)]));
      return products.map((p) => ({
        productId: p.id,
        name: p.name,
        linked: linked.has(p.id),
        linkedAt: linked.get(p.id) ?? null,
        records: counts.get(p.id) ?? 0,
      }));
    },

    async link(principal: CustomerPrincipal, productId: string): Promise<void> {
      await requireProducts([productId]);
      const id = principal.subjectId;
      await database.write(async (trx) => {
        if (await store.findLink(trx, id, productId)) return;
        await store.insertLink(trx, { customer_id: id, product_id: productId, linked_at: clock.now() });
        await audit.append(trx, {
          actor: `subject:${id}`,
          action: 'cabinet.product.linked',
          subjectId: id,
          target: `product:${productId}`,
        });
      });
    },

    async unlink(principal: CustomerPrincipal, productId: string): Promise<void> {
      await requireProducts([productId]);
      const id = principal.subjectId;
      await database.write(async (trx) => {
        if (!(await store.deleteLink(trx, id, productId))) return;
        await audit.append(trx, {
          actor: `subject:${id}`,
          action: 'cabinet.product.unlinked',
          subjectId: id,
          target: `product:${productId}`,
        });
      });
    },

    async records(principal: CustomerPrincipal, productId?: string): Promise<RecordView[]> {
      const rows = await store.listRecords(
        database.db,
        principal.subjectId,
        productId === undefined ? undefined : [productId],
      );
      return Promise.all(rows.map((r) => open(database.db, r)));
    },

    async grantees() {
      const staff = await store.listActiveStaff(database.db);
      return { staff: staff.map((s) => ({ id: s.id, name: s.display_name })), roles: [...GRANTABLE_ROLES] };
    },

    /** The route asks for a recent sign-in first (`requireRecentSignIn`). */
    async createGrant(
      principal: CustomerPrincipal,
      input: { grantee: GranteeInput; productIds: string[]; hours: number; reason: string },
    ): Promise<GrantView> {
      const productIds = [...new Set(input.productIds)].sort();
      await requireProducts(productIds);
      const customerId = principal.subjectId;
      return database.write(async (trx) => {
        const staffId = 'staffId' in input.grantee ? input.grantee.staffId : null;
        if (staffId) assertThat(await store.findActiveStaff(trx, staffId), 'MXF_CABINET_GRANTEE_NOT_FOUND');
        const now = clock.now();
        const row: store.GrantRow = {
          id: newId(now),
          customer_id: customerId,
          grantee_staff_id: staffId,
          grantee_role: 'role' in input.grantee ? input.grantee.role : null,
          product_ids: JSON.stringify(productIds),
          reason_enc: await keyring.encrypt(trx, customerId, GRANT_REASON, input.reason),
          created_at: now,
          expires_at: now + input.hours * 60 * 60_000,
          revoked_at: null,
        };
        await store.insertGrant(trx, row);
        // Before the audit entry: the hook locks the customer's row, which a compromise report takes before the audit's lock.
        await deps.onGrantCreated?.(trx, customerId, now, principal.sessionId);
        await audit.append(trx, {
          actor: `subject:${customerId}`,
          action: 'cabinet.grant.created',
          subjectId: customerId,
          target: `grant:${row.id}`,
          details: {
            grantee: staffId ? `staff:${staffId}` : `role:${row.grantee_role}`,
            productIds,
            hours: input.hours,
          },
        });
        const [view] = await grantViews(trx, [row]);
        if (!view) throw new Error('grant view missing');
        return view;
      });
    },

    async grants(principal: CustomerPrincipal): Promise<GrantView[]> {
      return grantViews(database.db, await store.listGrants(database.db, principal.subjectId));
    },

    /** Takes effect at once: a read in progress finishes first, none starts after. Revoking twice is harmless. */
    async revokeGrant(principal: CustomerPrincipal, grantId: string): Promise<void> {
      const customerId = principal.subjectId;
      await database.write(async (trx) => {
        const grant = await store.findGrant(trx, grantId);
        assertThat(grant && grant.customer_id === customerId, 'MXF_CABINET_GRANT_NOT_FOUND');
        if (!(await store.revokeGrant(trx, customerId, grantId, clock.now()))) return;
        await audit.append(trx, {
          actor: `subject:${customerId}`,
          action: 'cabinet.grant.revoked',
          subjectId: customerId,
          target: `grant:${grantId}`,
        });
      });
    },

    /**
     * Ends every grant of the customer still in force, in the transaction of
     * their compromise report or password reset: whoever was in the account, or
     * knew the old password, may have made them. Each is audited as revoked by
     * the system. Returns how many ended.
     */
    async endGrants(
      trx: Trx,
      customerId: string,
      reason: 'compromise-report' | 'password-reset',
    ): Promise<number> {
      const ended = await store.revokeLiveGrants(trx, customerId, clock.now());
      for (const id of ended) {
        await audit.append(trx, {
          actor: 'system',
          action: 'cabinet.grant.revoked',
          subjectId: customerId,
          target: `grant:${id}`,
          details: { reason },
        });
      }
      return ended.length;
    },

    async accessLog(principal: CustomerPrincipal, limit = 200): Promise<AccessView[]> {
      const rows = await store.listAccess(database.db, principal.subjectId, limit);
      return rows.map((r) => ({
        at: Number(r.at),
        staffId: r.staff_id,
        staffName: r.display_name ?? null,
        grantId: r.grant_id,
        productIds: JSON.parse(r.product_ids) as string[],
        route: r.route,
      }));
    },

    // ── product apps ──────────────────────────────────────────────────────────

    async put(app: AppCaller, customerId: string, key: string, value: unknown, kind?: string): Promise<void> {
      const body = JSON.stringify({ key, kind: kind ?? null, value });
      const size = Buffer.byteLength(JSON.stringify(value) ?? 'null');
      if (size > VALUE_LIMIT) throw new MaxfiyError('MXF_CABINET_VALUE_TOO_LARGE', { limit: VALUE_LIMIT });
      const { productId } = app;
      const index = keyIndex(customerId, productId, key);
      await database.write(async (trx) => {
        await requireLink(trx, customerId, productId);
        const now = clock.now();
        const existing = await store.findRecord(trx, customerId, productId, index);
        const id = existing?.id ?? newId(now);
        const sealed = await keyring.encrypt(trx, customerId, recordContext(productId, id), body);
        if (existing) await store.updateRecord(trx, id, sealed, now);
        else
          await store.insertRecord(trx, {
            id,
            customer_id: customerId,
            product_id: productId,
            key_index: index,
            body_enc: sealed,
            created_at: now,
            updated_at: now,
          });
        await audit.append(trx, {
          actor: `app:${app.credentialId}`,
          action: 'cabinet.record.written',
          subjectId: customerId,
          target: `cabinet-record:${id}`,
          details: { productId },
        });
      });
    },

    async remove(app: AppCaller, customerId: string, key: string): Promise<void> {
      const { productId } = app;
      await database.write(async (trx) => {
        await requireLink(trx, customerId, productId);
        const existing = await store.findRecord(
          trx,
          customerId,
          productId,
          keyIndex(customerId, productId, key),
        );
        assertThat(existing, 'MXF_CABINET_RECORD_NOT_FOUND');
        await store.deleteRecord(trx, existing.id);
        await audit.append(trx, {
          actor: `app:${app.credentialId}`,
          action: 'cabinet.record.deleted',
          subjectId: customerId,
          target: `cabinet-record:${existing.id}`,
          details: { productId },
        });
      });
    },

    /**
     * The app's own product's records, while the customer keeps the product
     * linked. Like a staff read, the read and its audit entry (ids and counts
     * only) are one transaction: every read of cabinet data by an app is on record.
     */
    async appRecords(app: AppCaller, customerId: string): Promise<RecordView[]> {
      return database.write(async (trx) => {
        await requireLink(trx, customerId, app.productId);
        const rows = await store.listRecords(trx, customerId, [app.productId]);
        const records = await Promise.all(rows.map((r) => open(trx, r)));
        await audit.append(trx, {
          actor: `app:${app.credentialId}`,
          action: 'cabinet.read',
          purpose: 'cabinet-customer-token',
          subjectId: customerId,
          target: `product:${app.productId}`,
          details: { records: rows.length, productIds: [app.productId] },
        });
        return records;
      });
    },

    // ── staff ─────────────────────────────────────────────────────────────────

    /** The grants in force that name this member or one of their roles. */
    async grantedTo(staff: StaffPrincipal) {
      const [live, standing] = await Promise.all([
        store.liveGrants(database.db, clock.now(), { staffId: staff.id, roles: staff.roles }),
        staffStanding(database.db, staff.id),
      ]);
      const rows = live.filter((r) => isGrantee(r, staff, standing));
      return Promise.all(
        rows.map(async (r) => ({
          id: r.id,
          customerId: r.customer_id,
          productIds: scopeOf(r),
          expiresAt: Number(r.expires_at),
          reason: await reasonOf(database.db, r),
        })),
      );
    },

    /** Every grant in force, without any cabinet data: for oversight. */
    async grantsInForce() {
      const views = await grantViews(database.db, await store.liveGrants(database.db, clock.now()));
      return views.map(({ id, customerId, grantee, productIds, expiresAt, reason }) => ({
        id,
        customerId,
        grantee,
        productIds,
        expiresAt,
        reason,
      }));
    },

    /**
     * The one way staff see cabinet data: the records in a live grant's scope,
     * for its grantee only. The read, its audit entry and the customer's
     * access-log row are one transaction; a refused try is audited too.
     */
    async readUnderGrant(staff: StaffPrincipal, grantId: string, route: string) {
      type Refusal = { refused: 'MXF_CABINET_GRANT_NOT_FOUND' | 'MXF_CABINET_GRANT_NOT_LIVE' };
      const outcome = await database.write(async (trx) => {
        await store.lockGrant(trx, grantId);
        const grant = await store.findGrant(trx, grantId);
        if (!grant) return { refused: 'MXF_CABINET_GRANT_NOT_FOUND' } as Refusal;
        const now = clock.now();
        const base = { actor: `staff:${staff.id}`, subjectId: grant.customer_id, target: `grant:${grantId}` };
        if (!isGrantee(grant, staff, await staffStanding(trx, staff.id))) {
          await audit.append(trx, { ...base, action: 'cabinet.read.refused' });
          return { refused: 'MXF_CABINET_GRANT_NOT_FOUND' } as Refusal;
        }
        if (!isLive(grant, now)) {
          await audit.append(trx, { ...base, action: 'cabinet.read.refused' });
          return { refused: 'MXF_CABINET_GRANT_NOT_LIVE' } as Refusal;
        }
        const scope = scopeOf(grant);
        const rows = await store.listRecords(trx, grant.customer_id, scope.length > 0 ? scope : undefined);
        const records = await Promise.all(rows.map((r) => open(trx, r)));
        const productIds = [...new Set(rows.map((r) => r.product_id))].sort();
        await store.insertAccess(trx, {
          id: newId(now),
          customer_id: grant.customer_id,
          grant_id: grantId,
          staff_id: staff.id,
          at: now,
          route,
          product_ids: JSON.stringify(productIds),
        });
        await audit.append(trx, {
          ...base,
          action: 'cabinet.read',
          purpose: 'cabinet-grant',
          details: { records: rows.length, productIds },
        });
        return {
          grant: {
            id: grant.id,
            customerId: grant.customer_id,
            productIds: scope,
            expiresAt: Number(grant.expires_at),
            reason: await reasonOf(trx, grant),
          },
          records,
        };
      });
      if ('refused' in outcome) throw new MaxfiyError((outcome as Refusal).refused);
      return outcome;
    },
  };
}

export type CabinetService = ReturnType<typeof createCabinetService>;
