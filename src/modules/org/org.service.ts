import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { ConfigError } from '../../config/options.js';
import type { Database } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import {
  type Company,
  CompanyFile,
  type CompanyPatch,
  type Product,
  type ProductPatch,
  type Site,
  type SitePatch,
} from './org.schemas.js';
import * as store from './org.store.js';

export interface Org {
  company: Company;
  products: Product[];
  sites: Site[];
}

/** The company file as loaded: a contact field the file leaves out is null. */
export type LoadedCompanyFile = CompanyFile & { company: Company };

/** A postal address on one line: the street address, then the city and country it is in. */
export function postalAddress(street: string | null | undefined, city?: string, country?: string): string {
  return street ? [street, city, country].filter(Boolean).join(', ') : '';
}

/** The company of a company file, its contact fields null where an older file has none. */
function companyOf(c: CompanyFile['company']): Company {
  return { ...c, email: c.email ?? null, phone: c.phone ?? null, address: c.address ?? null };
}

/** Reads and validates the company file; an invalid field stops the start, naming the field. */
export function readCompanyFile(file: string): LoadedCompanyFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ? 'cannot be read' : 'is not valid JSON';
    throw new ConfigError(`company file ${file} ${why}`);
  }
  const first = Value.Errors(CompanyFile, parsed)[0];
  if (first) {
    const extra = (first.params as { additionalProperties?: string[] }).additionalProperties?.[0];
    const field = [first.instancePath.replace(/^\//, '').replaceAll('/', '.'), extra]
      .filter(Boolean)
      .join('.');
    throw new ConfigError(`company file ${file}: invalid field "${field || 'root'}": ${first.message}`);
  }
  const config = parsed as CompanyFile;
  const siteIds = new Set(config.sites.map((s) => s.id));
  for (const [i, p] of config.products.entries()) {
    if (p.siteId && !siteIds.has(p.siteId)) {
      throw new ConfigError(
        `company file ${file}: invalid field "products.${i}.siteId": no site "${p.siteId}"`,
      );
    }
  }
  return { ...config, company: companyOf(config.company) };
}

export function createOrgService(deps: { database: Database; audit: AuditAppender; clock: Clock }) {
  const { database, audit, clock } = deps;
  // Told of a change of the company as it is written and after it commits, so what this node caches of it follows at once.
  const companyListeners = new Set<() => void>();
  const tellCompanyChanged = () => {
    // A listener that fails (a cache it could not drop) must not turn the change into an error.
    for (const listener of companyListeners) {
      try {
        listener();
      } catch {
        // Each listener only drops a copy that expires on its own within seconds.
      }
    }
  };

  /** Loads the company file into an empty database; an existing company is left as the administrators keep it. */
  async function seed(config: LoadedCompanyFile): Promise<boolean> {
    return database.write(async (trx) => {
      if (await store.findCompany(trx)) return false;
      const now = clock.now();
      await store.upsertCompany(trx, config.company, now);
      for (const site of config.sites) await store.insertSite(trx, site, now);
      for (const p of config.products)
        await store.insertProduct(trx, { ...p, siteId: p.siteId ?? null }, now);
      await audit.append(trx, {
        actor: 'system',
        action: 'org.seeded',
        target: `company:${config.company.id}`,
        details: { products: config.products.map((p) => p.id), sites: config.sites.map((s) => s.id) },
      });
      return true;
    });
  }

  async function get(): Promise<Org> {
    const company = await store.findCompany(database.db);
    assertThat(company, 'MXF_ORG_NOT_INITIALISED');
    const [products, sites] = await Promise.all([
      store.listProducts(database.db),
      store.listSites(database.db),
    ]);
    return { company, products, sites };
  }

  async function updateCompany(actor: string, patch: CompanyPatch): Promise<Company> {
    const updated = await database.write(async (trx) => {
      const current = await store.findCompany(trx);
      assertThat(current, 'MXF_ORG_NOT_INITIALISED');
      const next = { ...current, ...patch };
      await store.upsertCompany(trx, next, clock.now());
      // Also told now, before the commit: a cache read inside a later write of the same group commit sees the change.
      tellCompanyChanged();
      await audit.append(trx, {
        actor,
        action: 'org.company.updated',
        target: `company:${current.id}`,
        details: { fields: Object.keys(patch).sort() },
      });
      return next;
    });
    tellCompanyChanged();
    return updated;
  }

  async function createProduct(actor: string, product: Product): Promise<Product> {
    return database.write(async (trx) => {
      if (await store.findProduct(trx, product.id)) throw new MaxfiyError('MXF_ORG_ID_TAKEN');
      if (product.siteId) assertThat(await store.findSite(trx, product.siteId), 'MXF_ORG_SITE_NOT_FOUND');
      await store.insertProduct(trx, product, clock.now());
      await audit.append(trx, { actor, action: 'org.product.created', target: `product:${product.id}` });
      return product;
    });
  }

  async function updateProduct(actor: string, id: string, patch: ProductPatch): Promise<Product> {
    return database.write(async (trx) => {
      const current = await store.findProduct(trx, id);
      assertThat(current, 'MXF_ORG_PRODUCT_NOT_FOUND');
      if (patch.siteId) assertThat(await store.findSite(trx, patch.siteId), 'MXF_ORG_SITE_NOT_FOUND');
      const next = { ...current, ...patch };
      await store.updateProduct(trx, next, clock.now());
      await audit.append(trx, {
        actor,
        action: 'org.product.updated',
        target: `product:${id}`,
        details: { fields: Object.keys(patch).sort() },
      });
      return next;
    });
  }

  async function createSite(actor: string, site: Site): Promise<Site> {
    return database.write(async (trx) => {
      if (await store.findSite(trx, site.id)) throw new MaxfiyError('MXF_ORG_ID_TAKEN');
      await store.insertSite(trx, site, clock.now());
      await audit.append(trx, { actor, action: 'org.site.created', target: `site:${site.id}` });
      return site;
    });
  }

  async function updateSite(actor: string, id: string, patch: SitePatch): Promise<Site> {
    return database.write(async (trx) => {
      const current = await store.findSite(trx, id);
      assertThat(current, 'MXF_ORG_SITE_NOT_FOUND');
      const next = { ...current, ...patch };
      await store.updateSite(trx, next, clock.now());
      await audit.append(trx, {
        actor,
        action: 'org.site.updated',
        target: `site:${id}`,
        details: { fields: Object.keys(patch).sort() },
      });
      return next;
    });
  }

  return {
    seed,
    get,
    updateCompany,
    createProduct,
    updateProduct,
    createSite,
    updateSite,
    /** Calls `listener` as each change of the company on this node is written, and again after it commits; returns the unsubscribe. */
    onCompanyChange(listener: () => void): () => void {
      companyListeners.add(listener);
      return () => companyListeners.delete(listener);
    },
    findSite: (id: string) => store.findSite(database.db, id),
    listSites: () => store.listSites(database.db),
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
