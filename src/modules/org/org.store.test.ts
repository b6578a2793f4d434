import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { readCompanyFile } from './org.service.js';
import * as store from './org.store.js';

describe.each(databaseKinds())('org store on %s', (kind) => {
  let t: TestDatabase;
  afterEach(async () => t?.cleanup());

  it('keeps the company, its products and sites as written', async () => {
    t = await openTestDatabase(kind);
    const config = readCompanyFile('config/company.json');
    await t.database.write(async (trx) => {
      await store.upsertCompany(trx, config.company, 1);
      for (const s of config.sites) await store.insertSite(trx, s, 1);
      for (const p of config.products) await store.insertProduct(trx, { ...p, siteId: p.siteId ?? null }, 1);
    });
    expect(await store.findCompany(t.database.db)).toEqual(config.company);
    expect((await store.listSites(t.database.db)).map((s) => s.id)).toEqual(
      config.sites.map((s) => s.id).sort(),
    );
    expect(await store.findProduct(t.database.db, 'a-pay')).toEqual({
      id: 'a-pay',
      name: 'A-pay',
      siteId: 'a-pay.uz',
    });
    expect(await store.findSite(t.database.db, 'no-such.uz')).toBeUndefined();

    await t.database.write(async (trx) => {
      await store.updateSite(
        trx,
        {
          id: 'silen.uz',
          name: 'Silen Music',
          origin: 'https://silen.uz',
          agreementUrl: 'https://silen.uz/p',
        },
        2,
      );
      await store.updateProduct(trx, { id: 'silen', name: 'Silen Music', siteId: 'silen.uz' }, 2);
      await store.upsertCompany(trx, { ...config.company, tin: '123456789' }, 2);
    });
    expect((await store.findSite(t.database.db, 'silen.uz'))?.agreementUrl).toBe('https://silen.uz/p');
    expect((await store.findProduct(t.database.db, 'silen'))?.name).toBe('Silen Music');
    expect((await store.findCompany(t.database.db))?.tin).toBe('123456789');
  });

  it('refuses a product that points at a site that does not exist', async () => {
    t = await openTestDatabase(kind);
    await expect(
      t.database.write((trx) => store.insertProduct(trx, { id: 'p', name: 'P', siteId: 'nowhere.uz' }, 1)),
    ).rejects.toThrow();
    expect(await store.listProducts(t.database.db)).toEqual([]);
  });
});
