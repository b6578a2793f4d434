import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import type { Company } from '../org/org.schemas.js';
import { readCompanyFile } from '../org/org.service.js';
import { type RegisterSnapshot, readRegisterFile } from '../purposes/purposes.service.js';
import { consentRecord } from './consents.record.js';
import type { ConsentInput } from './consents.schemas.js';

const CONTACT = { email: 'dpo@company.example', phone: '+998712000000', address: 'Example street 1, 100000' };
const give: ConsentInput = {
  purpose: 'interest-analytics',
  action: 'give',
  source: 'cabinet',
  notice: { version: '1', language: 'en' },
};

describe.each(databaseKinds())('consent records keep the contact in force when written, on %s', (kind) => {
  let t: TestApp;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await createTestApp(kind, { clock });
    await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
    await t.services.decisions.listen();
  });
  afterAll(async () => {
    await t?.services.decisions.stop();
    await t?.close();
  });

  /** A change of the company on this node reaches the next consent record at once: the test clock does not move. */
  const setContact = async (patch: Record<string, string | null>) => {
    await t.services.org.updateCompany('staff:test', patch);
  };
  const controllerOf = (event: { record: unknown }) =>
    (event.record as { controllers: Record<string, unknown>[] }).controllers[0];

  /** A record built from the register as stored (or as `edit` changes it), for the company given. */
  const recordWith = async (company: Company, edit?: (register: RegisterSnapshot) => RegisterSnapshot) => {
    const stored = await t.services.purposes.snapshot();
    const register = edit ? edit(stored) : stored;
    const purpose = register.purposes.find((p) => p.id === 'interest-analytics');
    if (!purpose) throw new Error('no purpose interest-analytics');
    return consentRecord({
      recordId: 'r-1',
      subjectId: 's-1',
      notice: { version: '1', language: 'en' },
      purpose,
      register,
      company,
      event: {
        time: 0,
        type: 'consent',
        state: 'given',
        source: 'cabinet',
        evidenceRef: null,
        scope: '',
        rev: 1,
      },
      expiresAt: null,
      withdrawUrl: 'http://localhost:8080/',
    });
  };

  it('names no contact the company has not set, and each one it has: no field, no null', async () => {
    const { company } = readCompanyFile('config/company.json');
    const base = { id: 'cdti', name: company.name, tin: null, country: 'UZ' };
    expect((await recordWith(company)).controllers).toEqual([base]);
    expect((await recordWith({ ...company, ...CONTACT })).controllers).toEqual([{ ...base, ...CONTACT }]);
    expect((await recordWith({ ...company, phone: CONTACT.phone })).controllers).toEqual([
      { ...base, phone: CONTACT.phone },
    ]);
  });

  it('says data goes abroad when a category of the purpose is stored outside Uzbekistan, and only then', async () => {
    const { company } = readCompanyFile('config/company.json');
    expect((await recordWith(company)).transferAbroad).toBe(false);
    const abroad = await recordWith(company, (register) => ({
      ...register,
      stores: [...register.stores, { id: 'eu', country: 'DE', description: 'Frankfurt' }],
      categories: register.categories.map((c) => (c.id === 'interests' ? { ...c, storeId: 'eu' } : c)),
    }));
    expect(abroad.storageLocations).toContainEqual({ id: 'eu', country: 'DE' });
    expect(abroad.transferAbroad).toBe(true);
  });

  it('writes the contact into new records, and never rewrites an earlier one', async () => {
    const { consents } = t.services;
    const without = await consents.record('staff:1', 'alice', give);
    expect(controllerOf(without)).toEqual({ id: 'cdti', name: expect.any(String), tin: null, country: 'UZ' });

    await setContact(CONTACT);
    const withContact = await consents.record('staff:1', 'bob', give);
    expect(controllerOf(withContact)).toMatchObject(CONTACT);

    await setContact({ phone: '+998712000001', address: null });
    const changed = await consents.record('staff:1', 'carol', give);
    expect(controllerOf(changed)).toEqual({
      id: 'cdti',
      name: expect.any(String),
      tin: null,
      country: 'UZ',
      email: CONTACT.email,
      phone: '+998712000001',
    });

    // Read back from storage, each record is as it was written.
    const stored = async (subject: string) => (await consents.forSubject(subject)).history[0];
    expect((await stored('alice'))?.record).toEqual(without.record);
    expect((await stored('bob'))?.record).toEqual(withContact.record);
    expect(controllerOf((await stored('bob')) as { record: unknown })).toMatchObject(CONTACT);
  });
});
