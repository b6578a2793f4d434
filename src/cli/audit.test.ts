import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  databaseKinds,
  openTestDatabase,
  PG_URL,
  type TestDatabase,
  withSearchPath,
} from '../../test/helpers/db.js';
import { createAuditLog } from '../audit/audit.service.js';
import { ManualClock } from '../clock.js';
import { loadOptions } from '../config/options.js';
import { type Output, runAuditVerify } from './audit.js';

function collector(): Output & { text: string } {
  const out = {
    text: '',
    isTTY: false,
    write(chunk: string) {
      out.text += chunk;
      return true;
    },
  };
  return out as unknown as Output & { text: string };
}

describe.each(databaseKinds())('maxfiy audit verify on %s', (kind) => {
  let t: TestDatabase | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await t?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    t = undefined;
    dir = undefined;
  });

  /** A log of 30 entries with a tree head at 30, and the options that point the CLI at it. */
  async function seededLog() {
    t = await openTestDatabase(kind);
    // Signing-key storage is the keyring's business; an in-memory one suffices here.
    const secrets = new Map<string, Buffer>();
    const keyring = {
      async secret(name: string, generate: () => Buffer) {
        const known = secrets.get(name) ?? generate();
        secrets.set(name, known);
        return known;
      },
    };
    const audit = createAuditLog({
      database: t.database,
      keyring,
      clock: new ManualClock(),
      options: { treeHeadEveryEntries: 1000, treeHeadEverySeconds: 60 },
    });
    await t.database.write(async (trx) => {
      for (let i = 0; i < 30; i++)
        await audit.append(trx, { actor: 'system', action: 'test.event', details: { i } });
    });
    await audit.issueTreeHead();
    const dataDir = kind === 'sqlite' ? path.dirname(t.where) : '/nonexistent';
    const databaseUrl = kind === 'postgres' ? withSearchPath(PG_URL, t.where) : '';
    return { options: loadOptions({ dataDir, databaseUrl }, {}), database: t.database };
  }

  it('exits 0 and counts entries and tree heads on an intact log', async () => {
    const { options } = await seededLog();
    const stdout = collector();
    const stderr = collector();
    expect(await runAuditVerify({ options, stdout, stderr })).toBe(0);
    expect(stdout.text).toMatch(/^audit log verified: 30 entries, 1 tree heads\n/);
    // Not a terminal: progress comes as plain lines, ending at 100%.
    expect(stderr.text).toMatch(/verifying audit log: 30\/30 \(100%\)\n$/);
  });

  it('exits 2 naming the first bad entry', async () => {
    const { options, database } = await seededLog();
    await database.write((trx) =>
      trx.updateTable('audit_entries').set({ action: 'test.other' }).where('seq', '=', 17).execute(),
    );
    const stdout = collector();
    expect(await runAuditVerify({ options, stdout, stderr: collector() })).toBe(2);
    expect(stdout.text).toMatch(/^audit log verification FAILED at entry 17: /);
  });

  it('exits 2 when a tree head is signed by another key than the one trusted', async () => {
    const { options } = await seededLog();
    const stdout = collector();
    expect(await runAuditVerify({ options, stdout, stderr: collector(), keyId: '0000000000000000' })).toBe(2);
    expect(stdout.text).toMatch(/FAILED at entry 29: .*untrusted key/);
  });

  it('trusts the signing key by its whole fingerprint: a key sharing only its id fails', async () => {
    const { options, database } = await seededLog();
    const head = await database.db.selectFrom('audit_tree_heads').selectAll().executeTakeFirstOrThrow();
    const fingerprint = createHash('sha256').update(head.public_key).digest('hex');
    expect(
      await runAuditVerify({ options, stdout: collector(), stderr: collector(), keyId: fingerprint }),
    ).toBe(0);
    const other = `${fingerprint.slice(0, 63)}${fingerprint.endsWith('0') ? '1' : '0'}`;
    const stdout = collector();
    expect(await runAuditVerify({ options, stdout, stderr: collector(), keyId: other })).toBe(2);
    expect(stdout.text).toMatch(/untrusted key/);
    const stderr = collector();
    expect(await runAuditVerify({ options, stdout: collector(), stderr, keyId: 'xyz' })).toBe(1);
    expect(stderr.text).toContain('64 hex digits');
  });

  it('checks the log against tree heads kept elsewhere (--tree-head SIZE:ROOT), and refuses a malformed one', async () => {
    const { options, database } = await seededLog();
    const head = await database.db.selectFrom('audit_tree_heads').selectAll().executeTakeFirstOrThrow();
    const kept = `${head.tree_size}:${Buffer.from(head.root_hash).toString('hex')}`;
    expect(
      await runAuditVerify({ options, stdout: collector(), stderr: collector(), treeHeads: [kept] }),
    ).toBe(0);
    const other = `30:${'ab'.repeat(32)}`;
    const stdout = collector();
    expect(await runAuditVerify({ options, stdout, stderr: collector(), treeHeads: [other] })).toBe(2);
    expect(stdout.text).toMatch(/FAILED at entry 29: .*kept elsewhere/);
    const stderr = collector();
    expect(await runAuditVerify({ options, stdout: collector(), stderr, treeHeads: ['30:zz'] })).toBe(1);
    expect(stderr.text).toContain('--tree-head takes SIZE:ROOT');
  });
});

describe('maxfiy audit verify without a database', () => {
  it('exits 1 and creates nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-cli-'));
    try {
      const stderr = collector();
      expect(
        await runAuditVerify({ options: loadOptions({ dataDir: dir }, {}), stdout: collector(), stderr }),
      ).toBe(1);
      expect(stderr.text).toMatch(/no database/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
