import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/app.js';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { migrations } from '../../db/migrations/index.js';
import { readCompanyFile } from './org.service.js';
import * as store from './org.store.js';

const CONTACT = { email: 'dpo@company.example', phone: '+998712000000', address: 'Example street 1' };

describe('the company file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-company-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** The shipped file with `change` applied, written to a file of its own. */
  const variant = (change: (f: { company: Record<string, unknown> }) => void) => {
    const f = JSON.parse(readFileSync('config/company.json', 'utf8'));
    change(f);
    const file = path.join(dir, `${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(f));
    return file;
  };

  it('ships without contact details: the company has to fill them in', () => {
    expect(readCompanyFile('config/company.json').company).toMatchObject({
      email: null,
      phone: null,
      address: null,
    });
  });

  it('still loads an older file without the contact fields, as null', () => {
    const file = variant((f) => {
      delete f.company.email;
      delete f.company.phone;
      delete f.company.address;
    });
    expect(readCompanyFile(file).company).toMatchObject({ email: null, phone: null, address: null });
  });

  it('takes contact details from the file, and stops the start naming a malformed one', () => {
    expect(readCompanyFile(variant((f) => Object.assign(f.company, CONTACT))).company).toMatchObject(CONTACT);
    for (const [field, value] of [
      ['email', 'not an address'],
      ['phone', '+998 71 200 00 00'],
      ['address', 'x'.repeat(301)],
    ] as const) {
      const file = variant((f) => {
        f.company[field] = value;
      });
      expect(() => readCompanyFile(file)).toThrow(`invalid field "company.${field}"`);
      // The message names the field, not the value.
      expect(() => readCompanyFile(file)).not.toThrow(value);
    }
  });

  it.each(databaseKinds())(
    'seeds an older file into an empty %s database with no contact details',
    async (kind) => {
      const file = variant((f) => {
        delete f.company.email;
        delete f.company.phone;
        delete f.company.address;
      });
      const t = await createTestApp(kind, { seed: false });
      try {
        expect(await t.services.org.seed(readCompanyFile(file))).toBe(true);
        expect((await t.services.org.get()).company).toMatchObject({
          email: null,
          phone: null,
          address: null,
        });
        // A later start leaves the company as the administrators keep it, contact included.
        await t.services.org.updateCompany('staff:1', CONTACT);
        expect(await t.services.org.seed(readCompanyFile('config/company.json'))).toBe(false);
        expect((await t.services.org.get()).company).toMatchObject(CONTACT);
      } finally {
        await t.close();
      }
    },
  );
});

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

  it('keeps the contact details as written, and clears them', async () => {
    t = await openTestDatabase(kind);
    const { company } = readCompanyFile('config/company.json');
    await t.database.write((trx) => store.upsertCompany(trx, { ...company, ...CONTACT }, 1));
    expect(await store.findCompany(t.database.db)).toEqual({ ...company, ...CONTACT });
    await t.database.write((trx) =>
      store.upsertCompany(trx, { ...company, ...CONTACT, phone: null, address: null }, 2),
    );
    expect(await store.findCompany(t.database.db)).toEqual({
      ...company,
      email: CONTACT.email,
      phone: null,
      address: null,
    });
  });

  it('adds the contact columns in migration 0013, and takes them away again on the way down', async () => {
    t = await openTestDatabase(kind);
    const { company } = readCompanyFile('config/company.json');
    await t.database.write((trx) => store.upsertCompany(trx, { ...company, ...CONTACT }, 1));
    const migration = migrations(kind)['0013_company_contact'];
    if (!migration?.down) throw new Error('0013_company_contact has no down');
    const db = t.database.schemaDb as unknown as Kysely<unknown>;
    await migration.down(db);
    const row = await (db as Kysely<{ company: Record<string, unknown> }>)
      .selectFrom('company')
      .selectAll()
      .executeTakeFirstOrThrow();
    for (const column of ['email', 'phone', 'address']) expect(row).not.toHaveProperty(column);
    expect(row).toMatchObject({ id: company.id, name: company.name });
    await migration.up(db);
    // The company written before the round trip is still there, with no contact details.
    expect(await store.findCompany(t.database.db)).toEqual(company);
  });

  it('refuses a product that points at a site that does not exist', async () => {
    t = await openTestDatabase(kind);
    await expect(
      t.database.write((trx) => store.insertProduct(trx, { id: 'p', name: 'P', siteId: 'nowhere.uz' }, 1)),
    ).rejects.toThrow();
    expect(await store.listProducts(t.database.db)).toEqual([]);
  });
});
