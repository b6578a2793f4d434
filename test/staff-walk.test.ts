/**
 * §4: without a live grant from the customer, no staff role, administrator
 * included, reads cabinet data by any route. One staff member per role walks
 * every operation of /openapi.json, with real ids in every parameter and a
 * valid body where one is asked for, and no answer may carry the cabinet's
 * marker (raw, hex or base64). Then one support member gets a grant: that
 * member, and no one else, reads through it, the read is in the customer's
 * access log and the audit log, and after revocation it is refused.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import {
  errorOf,
  linkProduct,
  newCustomer,
  productApp,
  type SignedInStaff,
  signedInStaff,
} from '../src/modules/cabinet/cabinet.testkit.js';
import { createStaffSessions } from '../src/modules/staff/staff.sessions.js';
import type { StaffRole } from '../src/modules/staff/staff.table.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { databaseKinds } from './helpers/db.js';

const ROLES: StaffRole[] = ['admin', 'dpo', 'legal', 'support', 'marketing', 'security', 'auditor'];
const HOUR = 60 * 60_000;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The marker as it would look raw, in hex, or in base64 at each of the three alignments. */
function forms(marker: string): string[] {
  const bytes = Buffer.from(marker);
  const base64 = [0, 1, 2].map((pad) =>
    Buffer.concat([Buffer.alloc(pad), bytes])
      .toString('base64')
      .slice(4, -4),
  );
  return [
    marker,
    bytes.toString('hex'),
    ...base64,
    ...base64.map((b) => b.replaceAll('+', '-').replaceAll('/', '_')),
  ];
}

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  maxItems?: number;
};
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** The ids the walker puts wherever a parameter or body field asks for one. */
interface Ids {
  customerId: string;
  grantIds: string[];
  staffIds: string[];
  productIds: string[];
  recordKey: string;
  siteId: string;
}

/** Candidate values for a parameter or field, by its name. */
function valuesFor(name: string, ids: Ids): string[] {
  const n = name.toLowerCase();
  if (/subject|customer/.test(n)) return [ids.customerId];
  if (/grant/.test(n)) return ids.grantIds;
  if (/product/.test(n)) return ids.productIds;
  if (/staff/.test(n)) return ids.staffIds;
  if (n === 'key') return [ids.recordKey];
  if (n === 'site') return [ids.siteId];
  if (n === 'id') return [ids.customerId, ...ids.grantIds, ...ids.staffIds, ...ids.productIds, ids.siteId];
  if (['n', 'a', 'b', 'version'].includes(n)) return ['1'];
  return [ids.customerId];
}

/** A value the schema accepts, preferring the real ids for fields named like them. */
function sample(schema: Schema | undefined, name: string, ids: Ids, spec: Schema): unknown {
  const s = deref(schema ?? {}, spec);
  if ('const' in s) return s.const;
  if (s.enum) return s.enum[0];
  const choice = s.anyOf ?? s.oneOf;
  if (choice) return sample(choice.find((c) => deref(c, spec).type !== 'null') ?? choice[0], name, ids, spec);
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => sample(part, name, ids, spec)));
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(s.properties ?? {}))
      if (s.required?.includes(key) || /subject|customer|product|grant/i.test(key))
        out[key] = sample(prop, key, ids, spec);
    // A patch needs at least one field.
    const first = Object.entries(s.properties ?? {})[0];
    if (Object.keys(out).length === 0 && (s.minProperties as number) > 0 && first)
      out[first[0]] = sample(first[1], first[0], ids, spec);
    return out;
  }
  if (type === 'array') {
    const count = Math.min(Math.max(s.minItems ?? 0, 1), s.maxItems ?? 1);
    return Array.from({ length: count }, () => sample(s.items, name.replace(/s$/, ''), ids, spec));
  }
  if (type === 'integer' || type === 'number') return Math.max(s.minimum ?? 1, 1);
  if (type === 'boolean') return true;
  if (type === 'string') return stringFor(s, name, ids);
  return null;
}

function stringFor(s: Schema, name: string, ids: Ids): string {
  const byFormat: Record<string, string> = {
    uuid: ids.customerId,
    email: 'walker@example.uz',
    uri: 'https://example.uz/',
    'date-time': new Date(Date.UTC(2026, 0, 1)).toISOString(),
    date: '2026-01-01',
  };
  const min = s.minLength ?? 1;
  const candidates = [
    ...(s.format && byFormat[s.format] ? [byFormat[s.format] as string] : []),
    ...valuesFor(name, ids),
    'a'.repeat(min),
    '123456',
    'en',
    'https://example.uz/',
    'walker@example.uz',
    '+998901234567',
    randomBytes(32).toString('base64url'),
    'A'.repeat(min),
    '1'.repeat(min),
  ];
  const pattern = s.pattern ? toRegExp(s.pattern) : undefined;
  const fits = (v: string) =>
    v.length >= min && v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) && (!pattern || pattern.test(v));
  return candidates.find(fits) ?? 'a'.repeat(min);
}

function toRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

function deref(schema: Schema, spec: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce<Schema>((node, part) => (node[part] ?? {}) as Schema, spec);
  }
  return s;
}

/** Every combination of candidate values for the operation's path parameters. */
function pathsFor(path: string, op: Operation, ids: Ids): string[] {
  let out = [path];
  for (const p of (op.parameters ?? []).filter((x) => x.in === 'path')) {
    const values = valuesFor(p.name, ids);
    out = out.flatMap((u) => values.map((v) => u.replace(`{${p.name}}`, encodeURIComponent(v))));
  }
  return out;
}

function queryFor(op: Operation, ids: Ids): string {
  const params = new URLSearchParams();
  for (const p of (op.parameters ?? []).filter((x) => x.in === 'query')) {
    const n = p.name.toLowerCase();
    const value = /subject|customer|product|grant/.test(n)
      ? valuesFor(n, ids)[0]
      : ['seq', 'first'].includes(n)
        ? '0'
        : ['treesize', 'second'].includes(n)
          ? '1'
          : n === 'lang'
            ? 'en'
            : p.required
              ? String(sample(p.schema, p.name, ids, {}))
              : undefined;
    if (value !== undefined) params.set(p.name, value);
  }
  const q = params.toString();
  return q ? `?${q}` : '';
}

describe.each(databaseKinds())('staff and the personal cabinet on %s', (kind) => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('lets no staff role read cabinet data by any operation without a live grant; the grantee reads under one, seen and audited', async () => {
    const clock = new ManualClock(Date.now());
    const app = await createTestApp(kind, { clock });
    t = app;
    const marker = `kabinet-${randomBytes(12).toString('hex')}`;
    const leaks = (res: LightMyRequestResponse) => {
      const text = `${res.body}\n${JSON.stringify(res.headers)}`;
      return forms(marker).filter((f) => text.includes(f));
    };

    // A customer whose cabinet holds the marker, from two products.
    const { b, customerId } = await newCustomer(app, 'walk@example.uz', 'yongoq 12');
    for (const productId of ['smartpos-trade', 'silen']) {
      expect((await linkProduct(b, productId)).statusCode).toBe(204);
      const writer = await productApp(app, productId);
      const put = await writer.put(customerId, 'profile', {
        value: { note: `${productId} ${marker}` },
        kind: 'note',
      });
      expect(put.statusCode).toBe(204);
    }

    // One member per role walks; one more support member is the grantee.
    const walkers: SignedInStaff[] = [];
    for (const role of ROLES) walkers.push(await signedInStaff(app, clock, [role], role));
    const grantee = await signedInStaff(app, clock, ['support'], 'grantee');
    const everyone = [...walkers, grantee];
    const keepAlive = async () => {
      for (const m of everyone) expect((await m.get('/v1/staff/me')).statusCode).toBe(200);
    };
    const grant = async (body: object) => {
      const res = await b.call('POST', '/v1/me/cabinet/grants', body);
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    };

    // Grants that must read nothing: one that expired (to the administrator), one revoked (to the support role).
    const admin = walkers[0] as SignedInStaff;
    const expired = await grant({
      grantee: { staffId: admin.id },
      productIds: [],
      hours: 1,
      reason: 'expires',
    });
    const revoked = await grant({
      grantee: { role: 'support' },
      productIds: [],
      hours: 5,
      reason: 'revoked',
    });
    expect((await b.call('DELETE', `/v1/me/cabinet/grants/${revoked}`)).statusCode).toBe(204);
    for (let i = 0; i < 3; i++) {
      clock.advance(HOUR / 3);
      await keepAlive();
    }
    await b.signin('walk@example.uz', 'yongoq 12');
    // The live grant, to the grantee only.
    const live = await grant({
      grantee: { staffId: grantee.id },
      productIds: ['silen'],
      hours: 2,
      reason: 'Check my Silen note',
    });

    const spec = (await app.app.inject('/openapi.json')).json() as Schema & {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
    };
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) =>
      METHODS.filter((m) => ops[m]).map((method) => ({ path, method, op: ops[method] as Operation })),
    );
    for (const path of [
      '/v1/cabinet/granted/{grantId}/records',
      '/v1/cabinet/customers/{customerId}/records',
    ])
      expect(Object.keys(spec.paths)).toContain(path);

    const sessions = createStaffSessions({
      database: app.services.database,
      audit: app.services.audit,
      clock,
    });
    const answered: Record<string, number> = {};
    for (const walker of walkers) {
      let cookie = walker.cookie;
      const ids: Ids = {
        customerId,
        grantIds: [live, expired, revoked],
        staffIds: [walker.id, grantee.id],
        productIds: ['smartpos-trade', 'silen'],
        recordKey: 'profile',
        siteId: (await app.services.org.get()).sites[0]?.id ?? 'cdti.uz',
      };
      for (const { path, method, op } of operations) {
        // They answer no cabinet data, and walked as the admin they would lock the grantee out.
        if (path === '/v1/staff/{id}/deactivate' || path === '/v1/staff/{id}/reset') continue;
        const body = op.requestBody?.content?.['application/json']?.schema;
        for (const url of pathsFor(path, op, ids)) {
          // A walker who signed out (or whose session an operation ended) signs in again.
          if (
            (await app.app.inject({ method: 'GET', url: '/v1/staff/me', headers: { cookie } })).statusCode ===
            401
          )
            cookie = `mxf_staff=${await app.services.database.write((trx) => sessions.open(trx, walker.id))}`;
          const payload = body ? JSON.stringify(sample(body, 'body', ids, spec)) : undefined;
          const res = await app.app.inject({
            method: method.toUpperCase() as 'GET',
            url: `${url}${queryFor(op, ids)}`,
            headers: { cookie, ...(payload ? { 'content-type': 'application/json' } : {}) },
            ...(payload ? { payload } : {}),
          });
          expect({ role: walker.roles[0], method, url, leaked: leaks(res) }).toEqual({
            role: walker.roles[0],
            method,
            url,
            leaked: [],
          });
          answered[res.statusCode] = (answered[res.statusCode] ?? 0) + 1;
        }
      }
    }
    // The walk reached handlers, not only guards.
    expect(answered[200]).toBeGreaterThan(ROLES.length * 10);

    // The grantee, and only the grantee, reads under the live grant: the silen record, with the marker.
    expect((await grantee.get('/v1/staff/me')).statusCode).toBe(200);
    const url = `/v1/cabinet/granted/${live}/records`;
    const read = await grantee.get(url);
    expect(read.statusCode).toBe(200);
    expect(read.json().records).toEqual([
      expect.objectContaining({ productId: 'silen', key: 'profile', value: { note: `silen ${marker}` } }),
    ]);
    expect(leaks(read)).toContain(marker);
    for (const walker of walkers) {
      // A fresh session: the walk signed some walkers out.
      const token = await app.services.database.write((trx) => sessions.open(trx, walker.id));
      const res = await app.app.inject({ method: 'GET', url, headers: { cookie: `mxf_staff=${token}` } });
      expect([walker.roles[0], res.statusCode, errorOf(res), leaks(res)]).toEqual([
        walker.roles[0],
        404,
        'MXF_CABINET_GRANT_NOT_FOUND',
        [],
      ]);
    }

    const log = (await b.call('GET', '/v1/me/cabinet/access-log')).json().entries;
    expect(log).toEqual([
      {
        at: clock.now(),
        staffId: grantee.id,
        staffName: grantee.displayName,
        grantId: live,
        productIds: ['silen'],
        route: '/v1/cabinet/granted/:grantId/records',
      },
    ]);
    const entries = await app.services.audit.entries({ subjectId: customerId, limit: 10_000 });
    expect(entries.filter((e) => e.action === 'cabinet.read').map((e) => [e.actor, e.target])).toEqual([
      [`staff:${grantee.id}`, `grant:${live}`],
    ]);
    expect(JSON.stringify(entries)).not.toContain(marker);

    // Revoked: refused at once.
    expect((await b.call('DELETE', `/v1/me/cabinet/grants/${live}`)).statusCode).toBe(204);
    const after = await grantee.get(url);
    expect([after.statusCode, errorOf(after), leaks(after)]).toEqual([403, 'MXF_CABINET_GRANT_NOT_LIVE', []]);
  }, 600_000);
});
