/**
 * Product apps' credentials (issue 3): each of the company's apps calls the API
 * with its own bearer secret, scoped to the kinds of call it makes. The secret
 * is 256 random bits shown once; only its SHA-256 is stored (a slow hash adds
 * nothing for a secret that cannot be guessed). Verification is cached for a
 * few seconds so the hot routes (decisions) do not query per request: a
 * revocation takes effect at once on the node that made it and within
 * `VERIFY_CACHE_MS` on the others.
 */
import { hash as oneShotHash, timingSafeEqual } from 'node:crypto';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { Lru } from '../../crypto/lru.js';
import type { Database } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { newId, newToken } from '../../ids.js';
import type { AppScope, CredentialView } from './apps.schemas.js';
import type { AppCredentialTable } from './apps.table.js';

/** The app behind a request, as guards and handlers see it. */
export interface AppPrincipal {
  credentialId: string;
  productId: string;
  /** The product's site, if it has one: the only site the app may act for. */
  siteId: string | null;
  scopes: readonly AppScope[];
}

/** How long a verified secret is trusted without asking the database again. */
export const VERIFY_CACHE_MS = 10_000;
/** `last_used_at` is written at most this often per credential. */
export const TOUCH_MS = 60_000;

const PREFIX = 'mxf_app_';
const SECRET = /^mxf_app_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

// One-shot hashing: every app request checks its credential, and a Hash object per call showed in profiles.
const digest = (secret: string) => oneShotHash('sha256', secret, 'buffer');

const toView = (r: AppCredentialTable): CredentialView => ({
  id: r.id,
  productId: r.product_id,
  scopes: r.scopes.split(' ') as AppScope[],
  label: r.label,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export interface AppCredentialDeps {
  database: Database;
  audit: AuditAppender;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void };
}

export type AppCredentials = ReturnType<typeof createAppCredentials>;

export function createAppCredentials(deps: AppCredentialDeps) {
  const { database, audit, clock, logger } = deps;
  const verified = new Lru<string, { principal: AppPrincipal; until: number }>(10_000);
  /** Credentials revoked by this process: a cached secret of theirs is refused at once. */
  const revokedHere = new Set<string>();
  const lastTouch = new Map<string, number>();

  function touch(id: string, now: number): void {
    if (now - (lastTouch.get(id) ?? 0) < TOUCH_MS) return;
    lastTouch.set(id, now);
    database
      .write((trx) =>
        trx.updateTable('app_credentials').set({ last_used_at: now }).where('id', '=', id).execute(),
      )
      .catch((err: unknown) => logger.warn({ err, credentialId: id }, 'could not record app credential use'));
  }

  return {
    /** Issues a credential for one of the company's products; the secret is in the answer only. */
    async issue(
      actor: string,
      input: { productId: string; scopes: AppScope[]; label: string },
    ): Promise<CredentialView & { secret: string }> {
      const now = clock.now();
      const id = newId(now);
      const secret = `${PREFIX}${id}_${newToken()}`;
      const row: AppCredentialTable = {
        id,
        product_id: input.productId,
        label: input.label,
        scopes: [...new Set(input.scopes)].sort().join(' '),
        secret_hash: digest(secret),
        created_at: now,
        created_by: actor,
        last_used_at: null,
        revoked_at: null,
      };
      await database.write(async (trx) => {
        const product = await trx
          .selectFrom('products')
          .select('id')
          .where('id', '=', input.productId)
          .executeTakeFirst();
        if (!product) throw new MaxfiyError('MXF_APP_PRODUCT_UNKNOWN');
        await trx.insertInto('app_credentials').values(row).execute();
        await audit.append(trx, {
          actor,
          action: 'app.credential.issued',
          target: id,
          details: { productId: input.productId, scopes: row.scopes.split(' ') },
        });
      });
      return { ...toView(row), secret };
    },

    async list(): Promise<CredentialView[]> {
      const rows = await database.db.selectFrom('app_credentials').selectAll().orderBy('id').execute();
      return rows.map(toView);
    },

    /** Revokes at once; revoking a revoked credential again changes nothing. */
    async revoke(actor: string, id: string): Promise<void> {
      const now = clock.now();
      await database.write(async (trx) => {
        const row = await trx
          .selectFrom('app_credentials')
          .select(['revoked_at', 'product_id'])
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw new MaxfiyError('MXF_APP_CREDENTIAL_NOT_FOUND');
        if (row.revoked_at !== null) return;
        await trx.updateTable('app_credentials').set({ revoked_at: now }).where('id', '=', id).execute();
        await audit.append(trx, {
          actor,
          action: 'app.credential.revoked',
          target: id,
          details: { productId: row.product_id },
        });
      });
      revokedHere.add(id);
    },

    /** The app a bearer secret belongs to, or null for anything else (never says why). */
    async verify(secret: string | undefined): Promise<AppPrincipal | null> {
      if (!secret?.startsWith(PREFIX)) return null;
      const match = SECRET.exec(secret);
      if (!match) return null;
      const id = match[1] as string;
      const now = clock.now();
      const key = oneShotHash('sha256', secret, 'base64');
      const cached = verified.get(key);
      if (cached && cached.until > now && !revokedHere.has(id)) {
        touch(id, now);
        return cached.principal;
      }
      const row = await database.db
        .selectFrom('app_credentials')
        .leftJoin('products', 'products.id', 'app_credentials.product_id')
        .selectAll('app_credentials')
        .select('products.site_id')
        .where('app_credentials.id', '=', id)
        .executeTakeFirst();
      if (
        !row ||
        row.revoked_at !== null ||
        !timingSafeEqual(Buffer.from(row.secret_hash), Buffer.from(key, 'base64'))
      ) {
        verified.delete(key);
        return null;
      }
      const principal: AppPrincipal = {
        credentialId: row.id,
        productId: row.product_id,
        siteId: row.site_id ?? null,
        scopes: row.scopes.split(' ') as AppScope[],
      };
      verified.set(key, { principal, until: now + VERIFY_CACHE_MS });
      touch(id, now);
      return principal;
    },
  };
}
