import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { readRegisterFile } from './purposes.service.js';

describe.each(databaseKinds())('the purpose register under concurrent edits on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
  }, 120_000);
  afterAll(async () => t?.close());

  const definition = {
    name: 'Pilot research',
    legalBasis: 'consent' as const,
    rationale: 'Chosen by the customer.',
    categories: ['contact'],
    retentionDays: 30,
    automated: false,
    depersonalisedOnly: false,
  };

  it('takes edits in turn: each new purpose gets its own index, each edit its own version', async () => {
    const ids = ['pilot-a', 'pilot-b', 'pilot-c', 'pilot-d'];
    await Promise.all(ids.map((id) => t.services.purposes.createPurpose('staff:test', id, definition)));
    const created = (await t.services.purposes.snapshot()).purposes.filter((p) => ids.includes(p.id));
    expect(created).toHaveLength(ids.length);
    expect(new Set(created.map((p) => p.idx)).size).toBe(ids.length);

    const edits = await Promise.all(
      [1, 2, 3].map((n) =>
        t.services.purposes.updatePurpose('staff:test', 'pilot-a', { ...definition, retentionDays: 30 + n }),
      ),
    );
    expect(edits.map((e) => e.version).sort()).toEqual([2, 3, 4]);
    const versions = (await t.services.purposes.getPurpose('pilot-a')).versions;
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);

    // Two creations of one id: one is made, the other refused with the catalogued error.
    const twice = await Promise.allSettled(
      [1, 2].map(() => t.services.purposes.createPurpose('staff:test', 'pilot-e', definition)),
    );
    expect(twice.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = twice.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.code).toBe('MXF_PURPOSE_ID_TAKEN');
  });

  it('keeps a consent purpose on consent: another basis would process those who said no', async () => {
    const before = await t.services.purposes.getPurpose('pilot-b');
    await expect(
      t.services.purposes.updatePurpose('staff:test', 'pilot-b', {
        ...definition,
        legalBasis: 'legitimate-interest',
      }),
    ).rejects.toMatchObject({ code: 'MXF_PURPOSE_CONSENT_BASIS_FIXED' });
    expect((await t.services.purposes.getPurpose('pilot-b')).versions).toEqual(before.versions);
  });

  it('adds no data category to a consent purpose (no consent given named it), and lets one go', async () => {
    const before = await t.services.purposes.getPurpose('pilot-b');
    await expect(
      t.services.purposes.updatePurpose('staff:test', 'pilot-b', {
        ...definition,
        categories: ['contact', 'biometric'],
      }),
    ).rejects.toMatchObject({ code: 'MXF_PURPOSE_CONSENT_CATEGORIES_FIXED' });
    expect((await t.services.purposes.getPurpose('pilot-b')).versions).toEqual(before.versions);
    const narrowed = await t.services.purposes.updatePurpose('staff:test', 'pilot-b', {
      ...definition,
      categories: [],
    });
    expect(narrowed.categories).toEqual([]);
  });

  it('keeps a consent to depersonalised data only from covering personal data, and lets it narrow to that', async () => {
    const research = { ...definition, categories: ['contact', 'statistics'], depersonalisedOnly: true };
    await t.services.purposes.createPurpose('staff:test', 'pilot-research', research);
    const before = await t.services.purposes.getPurpose('pilot-research');
    await expect(
      t.services.purposes.updatePurpose('staff:test', 'pilot-research', {
        ...research,
        depersonalisedOnly: false,
      }),
    ).rejects.toMatchObject({ code: 'MXF_PURPOSE_CONSENT_DEPERSONALISED_FIXED' });
    expect((await t.services.purposes.getPurpose('pilot-research')).versions).toEqual(before.versions);
    // The other way narrows what every consent given so far covers.
    await t.services.purposes.createPurpose('staff:test', 'pilot-open', definition);
    const narrowed = await t.services.purposes.updatePurpose('staff:test', 'pilot-open', {
      ...definition,
      depersonalisedOnly: true,
    });
    expect(narrowed.depersonalisedOnly).toBe(true);
  });

  it('refuses a purpose beyond what the decision index holds, before anything is written', async () => {
    // The index holds 4096 purposes; the register numbers them from 0 and never reuses a number.
    await t.services.database.write((trx) =>
      trx
        .insertInto('purposes')
        .values({ id: 'pilot-last', idx: 4095, current_version: 1, created_at: 0, updated_at: 0 })
        .execute(),
    );
    await expect(
      t.services.purposes.createPurpose('staff:test', 'pilot-over', definition),
    ).rejects.toMatchObject({
      code: 'MXF_PURPOSE_REGISTER_FULL',
    });
    expect(
      await t.services.database.db
        .selectFrom('purposes')
        .select('id')
        .where('id', '=', 'pilot-over')
        .execute(),
    ).toEqual([]);
    await t.services.database.write((trx) =>
      trx.deleteFrom('purposes').where('id', '=', 'pilot-last').execute(),
    );
  });

  it('keeps a legitimate-interest purpose off contract and legal obligation, where objections would stop counting', async () => {
    await t.services.purposes.createPurpose('staff:test', 'pilot-li', {
      ...definition,
      legalBasis: 'legitimate-interest',
    });
    for (const legalBasis of ['contract', 'legal-obligation'] as const)
      await expect(
        t.services.purposes.updatePurpose('staff:test', 'pilot-li', { ...definition, legalBasis }),
      ).rejects.toMatchObject({ code: 'MXF_PURPOSE_OBJECTION_BASIS_FIXED' });
    // Consent is stricter: every customer must now say yes.
    const stricter = await t.services.purposes.updatePurpose('staff:test', 'pilot-li', definition);
    expect(stricter.legalBasis).toBe('consent');
  });
});
