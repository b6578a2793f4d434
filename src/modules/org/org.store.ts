import type { Db, Trx } from '../../db/database.js';
import type { Company, Product, Site } from './org.schemas.js';
import type { CompanyTable, ProductTable, SiteTable } from './org.table.js';

const toCompany = (r: CompanyTable): Company => ({
  id: r.id,
  name: r.name,
  legalNames: JSON.parse(r.legal_names),
  city: r.city,
  country: r.country,
  tin: r.tin,
  email: r.email,
  phone: r.phone,
  address: r.address,
});
const toProduct = (r: ProductTable): Product => ({ id: r.id, name: r.name, siteId: r.site_id });
const toSite = (r: SiteTable): Site => ({
  id: r.id,
  name: r.name,
  origin: r.origin,
  agreementUrl: r.agreement_url,
});

export async function findCompany(db: Db | Trx): Promise<Company | undefined> {
  const row = await db.selectFrom('company').selectAll().executeTakeFirst();
  return row && toCompany(row);
}

export async function upsertCompany(db: Trx, c: Company, now: number): Promise<void> {
  const values = {
    id: c.id,
    name: c.name,
    legal_names: JSON.stringify(c.legalNames),
    city: c.city,
    country: c.country,
    tin: c.tin,
    email: c.email,
    phone: c.phone,
    address: c.address,
    updated_at: now,
  };
  await db
    .insertInto('company')
    .values(values)
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

export async function listProducts(db: Db | Trx): Promise<Product[]> {
  return (await db.selectFrom('products').selectAll().orderBy('id').execute()).map(toProduct);
}

export async function findProduct(db: Db | Trx, id: string): Promise<Product | undefined> {
  const row = await db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toProduct(row);
}

export async function insertProduct(db: Trx, p: Product, now: number): Promise<void> {
  await db
    .insertInto('products')
    .values({ id: p.id, name: p.name, site_id: p.siteId, created_at: now, updated_at: now })
    .execute();
}

export async function updateProduct(db: Trx, p: Product, now: number): Promise<void> {
  await db
    .updateTable('products')
    .set({ name: p.name, site_id: p.siteId, updated_at: now })
    .where('id', '=', p.id)
    .execute();
}

export async function listSites(db: Db | Trx): Promise<Site[]> {
  return (await db.selectFrom('sites').selectAll().orderBy('id').execute()).map(toSite);
}

export async function findSite(db: Db | Trx, id: string): Promise<Site | undefined> {
  const row = await db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSite(row);
}

export async function insertSite(db: Trx, s: Site, now: number): Promise<void> {
  await db
    .insertInto('sites')
    .values({
      id: s.id,
      name: s.name,
      origin: s.origin,
      agreement_url: s.agreementUrl,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function updateSite(db: Trx, s: Site, now: number): Promise<void> {
  await db
    .updateTable('sites')
    .set({ name: s.name, origin: s.origin, agreement_url: s.agreementUrl, updated_at: now })
    .where('id', '=', s.id)
    .execute();
}
