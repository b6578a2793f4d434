import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import * as store from './purposes.store.js';

describe.each(databaseKinds())('purpose register store on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => t.cleanup());

  const definition = {
    name: 'Newsletters',
    legalBasis: 'consent' as const,
    rationale: 'Chosen by the customer.',
    categories: ['contact'],
    retentionDays: 730,
    automated: true,
    depersonalisedOnly: false,
  };

  it('keeps stores, categories and their placement', async () => {
    await t.database.write(async (trx) => {
      await store.insertStore(trx, { id: 'uz-primary', country: 'UZ', description: 'Tashkent' }, 1);
      await store.insertStore(trx, { id: 'eu', country: 'DE', description: 'Frankfurt' }, 1);
      await store.insertCategory(
        trx,
        { id: 'contact', name: 'Contact', class: 'personal', storeId: 'uz-primary', mustStayInUz: true },
        1,
      );
    });
    expect(await store.findCategory(t.database.db, 'contact')).toEqual({
      id: 'contact',
      name: 'Contact',
      class: 'personal',
      storeId: 'uz-primary',
      mustStayInUz: true,
    });
    await t.database.write((trx) => store.updateCategoryStore(trx, 'contact', 'eu', 2));
    expect((await store.listCategories(t.database.db))[0]?.storeId).toBe('eu');
    expect((await store.listStores(t.database.db)).map((s) => s.country)).toEqual(['DE', 'UZ']);
    expect(await store.findStore(t.database.db, 'nowhere')).toBeUndefined();
  });

  it('appends purpose versions and reads the current one, keeping every earlier version unchanged', async () => {
    await t.database.write(async (trx) => {
      await store.insertStore(trx, { id: 'uz-primary', country: 'UZ', description: 'Tashkent' }, 1);
      await store.insertCategory(
        trx,
        { id: 'contact', name: 'Contact', class: 'personal', storeId: 'uz-primary', mustStayInUz: false },
        1,
      );
      expect(await store.nextPurposeIdx(trx)).toBe(0);
      await store.insertPurpose(trx, 'offers', 0, 1);
      await store.insertPurposeVersion(trx, {
        purposeId: 'offers',
        version: 1,
        definition,
        createdBy: 'system',
        now: 1,
      });
      expect(await store.nextPurposeIdx(trx)).toBe(1);
    });
    await t.database.write((trx) =>
      store.insertPurposeVersion(trx, {
        purposeId: 'offers',
        version: 2,
        definition: { ...definition, retentionDays: 365 },
        createdBy: 'staff:1',
        now: 2,
      }),
    );
    expect(await store.findPurpose(t.database.db, 'offers')).toMatchObject({
      idx: 0,
      version: 2,
      retentionDays: 365,
    });
    const versions = await store.listPurposeVersions(t.database.db, 'offers');
    expect(versions.map((v) => [v.version, v.definition.retentionDays, v.createdBy])).toEqual([
      [1, 730, 'system'],
      [2, 365, 'staff:1'],
    ]);
    expect(await store.countPurposes(t.database.db)).toBe(1);
    // A version is immutable: the same number cannot be written twice.
    await expect(
      t.database.write((trx) =>
        store.insertPurposeVersion(trx, {
          purposeId: 'offers',
          version: 2,
          definition,
          createdBy: 'x',
          now: 3,
        }),
      ),
    ).rejects.toThrow();
  });
});
