import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { addStaffDirectly, browser, sessionCookie } from '../staff/staff.testkit.js';
import { buildRopa, ropaCsv as toCsv } from './purposes.ropa.js';
import { type RegisterSnapshot, readRegisterFile } from './purposes.service.js';

const CONTACT = { email: 'dpo@company.example', phone: '+998712000000', address: 'Example street 1, 100000' };

/** RFC 4180 rows: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('the record of processing as CSV', () => {
  it('runs no formula where a spreadsheet splits cells at semicolons, as Russian and Uzbek settings do', () => {
    const register: RegisterSnapshot = {
      purposes: [
        {
          id: 'offers',
          idx: 0,
          version: 1,
          name: 'Offers;=1+2',
          legalBasis: 'consent',
          rationale: 'Chosen;+SUM(1);-2;@A1;\t=3',
          categories: ['contact'],
          retentionDays: 30,
          automated: false,
          depersonalisedOnly: false,
        },
      ],
      categories: [{ id: 'contact', name: 'Contact', class: 'personal', storeId: 'uz', mustStayInUz: false }],
      stores: [{ id: 'uz', country: 'UZ', description: 'Tashkent' }],
    };
    const csv = toCsv(buildRopa(register, undefined, 0));
    for (const line of csv.split('\r\n'))
      for (const field of line.split(';')) expect(field).not.toMatch(/^[=+\-@\t\r]/);
    // Read with commas, as written, the text is all there.
    expect(parseCsv(csv)[1]?.[2]).toBe("Offers;'=1+2");
  });
});

describe.each(databaseKinds())(
  'the record of processing names the controller and how to reach them (§14) on %s',
  (kind) => {
    let t: TestApp;
    let cookie: string;
    beforeAll(async () => {
      t = await createTestApp(kind);
      await t.services.purposes.seed(readRegisterFile('config/purposes.json'));
      const member = { email: 'dpo@cdti.uz', password: 'password of the dpo 123' };
      await addStaffDirectly(t.services.database, t.services.keyring, {
        id: 'staff-dpo',
        displayName: 'DPO',
        roles: ['dpo'],
        ...member,
      });
      cookie = sessionCookie(await browser(t.app).login(member.email, member.password));
    }, 120_000);
    afterAll(async () => t?.close());

    const ropaJson = async () => (await t.app.inject({ url: '/v1/ropa.json', headers: { cookie } })).json();
    const ropaCsv = async () => {
      const res = await t.app.inject({ url: '/v1/ropa.csv', headers: { cookie } });
      expect(res.statusCode).toBe(200);
      const [header = [], ...rows] = parseCsv(res.body);
      return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])));
    };

    it('says plainly which contact details the company has not set', async () => {
      expect((await ropaJson()).controller).toEqual({
        id: 'cdti',
        name: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC',
        tin: null,
        country: 'UZ',
        city: 'Tashkent',
        address: null,
        email: null,
        phone: null,
      });
      const rows = await ropaCsv();
      expect(rows).toHaveLength(12);
      for (const row of rows)
        expect(row).toMatchObject({
          controller: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC',
          controller_tin: '',
          controller_email: '',
          controller_phone: '',
          controller_address: '',
        });
    });

    it('gives the e-mail, phone and postal address once the company sets them, in the JSON and on every CSV row', async () => {
      await t.services.org.updateCompany('staff:test', { ...CONTACT, tin: '123456789' });
      expect((await ropaJson()).controller).toMatchObject({ ...CONTACT, tin: '123456789', city: 'Tashkent' });
      const rows = await ropaCsv();
      expect(rows).toHaveLength(12);
      for (const row of rows)
        expect(row).toMatchObject({
          controller: 'CENTER FOR DIGITAL TECHNOLOGY AND INNOVATION JSC',
          controller_tin: '123456789',
          controller_email: CONTACT.email,
          // A cell starting with + is kept from running as a spreadsheet formula, as every cell is.
          controller_phone: `'${CONTACT.phone}`,
          controller_address: `${CONTACT.address}, Tashkent, UZ`,
        });
      // The activity columns come first, as before.
      const res = await t.app.inject({ url: '/v1/ropa.csv', headers: { cookie } });
      expect(res.body.split('\r\n')[0]).toBe(
        'purpose,version,name,legal_basis,categories,classes,storage_countries,retention_days,automated,' +
          'depersonalised_only,transfers_abroad,rationale,' +
          'controller,controller_tin,controller_email,controller_phone,controller_address',
      );
    });
  },
);
