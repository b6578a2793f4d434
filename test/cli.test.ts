import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256File } from '../src/cli/backup.js';
import { migrations } from '../src/db/migrations/index.js';
import { startServer } from '../src/server.js';
import { PG_URL } from './helpers/db.js';

const CLI = path.resolve('dist/src/cli/main.js');
const LATEST_MIGRATION = Object.keys(migrations('sqlite')).at(-1);

function maxfiy(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, MAXFIY_LOG_LEVEL: 'warn', MAXFIY_DEV_INBOX_PORT: '0', MAXFIY_PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'maxfiy-cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Starts `maxfiy serve` and waits until it prints the set-up link, i.e. it is up; then stops it. */
async function serveOnce(env: Record<string, string>): Promise<{ stdout: string; code: number | null }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, MAXFIY_LOG_LEVEL: 'warn', MAXFIY_DEV_INBOX_PORT: '0', MAXFIY_PORT: '0', ...env },
  });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${stdout}`)), 90_000);
    child.stdout.on('data', () => {
      if (/token=/.test(stdout) || /listening/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (c) => r(c));
  });
  return { stdout, code };
}

describe('maxfiy serve refuses to start on a misconfiguration, naming the problem', () => {
  it('a configuration file with an invalid field', () => {
    const dir = tempDir();
    const config = path.join(dir, 'maxfiy.config.json');
    writeFileSync(config, JSON.stringify({ bodyLimit: 'big' }));
    let r = maxfiy(['serve'], { MAXFIY_CONFIG: config, MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid configuration field "bodyLimit"');
    writeFileSync(config, JSON.stringify({ colour: 'red' }));
    r = maxfiy(['serve'], { MAXFIY_CONFIG: config, MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"colour"');
  });

  it('a company file with an invalid field', () => {
    const dir = tempDir();
    const company = JSON.parse(readFileSync('config/company.json', 'utf8'));
    company.sites[1].origin = 'not a url';
    writeFileSync(path.join(dir, 'company.json'), JSON.stringify(company));
    const r = maxfiy(['serve'], {
      MAXFIY_COMPANY_FILE: path.join(dir, 'company.json'),
      MAXFIY_DATA_DIR: dir,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid field "sites.1.origin"');
  });

  it('a key file that is unreadable, corrupt or readable by others, and the wrong key', async () => {
    const dir = tempDir();
    const first = await serveOnce({ MAXFIY_DATA_DIR: dir });
    expect(first.code).toBe(0);
    const keyFile = path.join(dir, 'keys', 'kek.json');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    chmodSync(keyFile, 0o644);
    let r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(keyFile);
    chmodSync(keyFile, 0o600);

    const good = readFileSync(keyFile, 'utf8');
    writeFileSync(keyFile, '{ corrupt', { mode: 0o600 });
    r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/kek\.json/);

    // A different, valid key: the stored secrets cannot be unwrapped, and the server says so.
    writeFileSync(keyFile, good, { mode: 0o600 });
    r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir, MAXFIY_KEK: Buffer.alloc(32, 7).toString('base64') });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('MXF_KEYS_KEK_UNKNOWN');
    expect(r.stderr).not.toContain(Buffer.alloc(32, 7).toString('base64'));
  });

  it('a key file gone from a database that holds wrapped keys, without making a new one', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const keyFile = path.join(dir, 'keys', 'kek.json');
    rmSync(keyFile);
    const r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`key file ${keyFile} is missing, and the database holds keys`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // A new random key would match nothing and hide the real one's absence.
    expect(existsSync(keyFile)).toBe(false);
  });

  it('an agreement text missing on first start, before anything is written', () => {
    const dir = tempDir();
    const company = path.join(dir, 'company', 'company.json');
    mkdirSync(path.dirname(company));
    copyFileSync('config/company.json', company);
    copyFileSync('config/purposes.json', path.join(dir, 'company', 'purposes.json'));
    const r = maxfiy(['serve'], { MAXFIY_COMPANY_FILE: company, MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `maxfiy: agreement text ${path.join(dir, 'company', 'agreement.v1.uz-Cyrl.txt')} is missing: version 1 is made from it on first start`,
    );
    const db = new SQLite(path.join(dir, 'maxfiy.db'), { readonly: true });
    try {
      expect(db.prepare('select count(*) as n from company').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('an OIDC client whose URI or key the provider would refuse, naming the field', () => {
    const dir = tempDir();
    const folder = path.join(dir, 'company');
    mkdirSync(folder);
    for (const f of ['company.json', 'purposes.json', 'agreement.v1.uz-Cyrl.txt'])
      copyFileSync(path.join('config', f), path.join(folder, f));
    const oidc = JSON.parse(readFileSync('config/oidc.json', 'utf8'));
    const env = { MAXFIY_COMPANY_FILE: path.join(folder, 'company.json'), MAXFIY_DATA_DIR: dir };

    oidc.clients[1].redirectUris = ['https://supply.smartpos.uz/cb', 'http://supply.smartpos.uz/cb'];
    writeFileSync(path.join(folder, 'oidc.json'), JSON.stringify(oidc));
    let r = maxfiy(['serve'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid field "clients.1.redirectUris.1": must be https');

    oidc.clients[1].redirectUris = ['https://supply.smartpos.uz/cb'];
    oidc.clients[1].jwks = { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'AAAA', y: 'AAAA' }] };
    writeFileSync(path.join(folder, 'oidc.json'), JSON.stringify(oidc));
    r = maxfiy(['serve'], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid field "clients.1.jwks": a key does not import');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a PostgreSQL address URL cannot parse, keeping the real error and no password', () => {
    const dir = tempDir();
    // A socket directory as the host: pg takes it, the WHATWG URL parser does not.
    const r = maxfiy(['serve'], {
      MAXFIY_DATA_DIR: dir,
      MAXFIY_DATABASE_URL: 'postgres://maxfiy:hunter2@/maxfiy?host=/nonexistent-socket-dir',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('nonexistent-socket-dir');
    expect(r.stderr).not.toContain('Invalid URL');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a proxy setting Fastify could not use', () => {
    const dir = tempDir();
    const r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir, MAXFIY_TRUST_PROXY: 'yes' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^maxfiy: invalid configuration field "trustProxy": .*"yes"$/);
  });

  it.skipIf(!PG_URL)(
    'a PostgreSQL database that does not exist, leaving no key file (needs MAXFIY_TEST_DATABASE_URL, as .ci/run sets)',
    () => {
      const dir = tempDir();
      const url = new URL(PG_URL);
      url.pathname = '/maxfiy_no_such_database';
      const r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir, MAXFIY_DATABASE_URL: url.toString() });
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(
        `maxfiy: PostgreSQL at ${url.hostname}:${url.port || 5432} has no database "maxfiy_no_such_database": create it (createdb), or fix MAXFIY_DATABASE_URL`,
      );
      expect(existsSync(path.join(dir, 'keys', 'kek.json'))).toBe(false);
    },
  );

  it('a database whose schema is newer than the code', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const db = new SQLite(path.join(dir, 'maxfiy.db'));
    db.prepare('insert into maxfiy_migrations (name, applied_at) values (?, ?)').run(
      '9999_future',
      Date.now(),
    );
    db.close();
    const r = maxfiy(['serve'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('newer than this version of maxfiy');
    expect(r.stderr).toContain('9999_future');
  });
});

describe('maxfiy operator verbs', () => {
  it('verifies the audit log of a fresh install, and names the entry after a hand edit', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    let r = maxfiy(['audit', 'verify'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/audit log verified: \d+ entries/);

    const db = new SQLite(path.join(dir, 'maxfiy.db'));
    db.prepare("update audit_entries set actor = 'staff:someone-else' where seq = 0").run();
    db.close();
    r = maxfiy(['audit', 'verify'], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain('FAILED at entry 0');
  });

  it('backs up with a checksum, refuses a changed backup, and restores a good one with verification', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const file = path.join(dir, 'snap.db');
    let r = maxfiy(['backup', '--out', file], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    expect(manifest).toMatchObject({ format: 'maxfiy-backup/1', kind: 'sqlite', schema: LATEST_MIGRATION });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The snapshot is every customer's data: its owner's alone, like its manifest.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}.manifest.json`).mode & 0o777).toBe(0o600);

    r = maxfiy(['restore', file], { MAXFIY_DATA_DIR: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--force');

    const restored = tempDir();
    r = maxfiy(['restore', file], {
      MAXFIY_DATA_DIR: restored,
      MAXFIY_KEY_FILE: path.join(dir, 'keys', 'kek.json'),
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('checksum ok');
    expect(r.stdout).toMatch(/audit log verified/);
    // The database, first made or restored, is its owner's alone whatever the umask.
    for (const db of [path.join(dir, 'maxfiy.db'), path.join(restored, 'maxfiy.db')])
      expect([db, statSync(db).mode & 0o777]).toEqual([db, 0o600]);

    const keyFile = path.join(dir, 'keys', 'kek.json');
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    r = maxfiy(['restore', file, '--force'], { MAXFIY_DATA_DIR: tempDir(), MAXFIY_KEY_FILE: keyFile });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('checksum mismatch');
  });

  it('seals the manifest with the KEK, so a snapshot changed and given a new checksum is refused', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const keyFile = path.join(dir, 'keys', 'kek.json');
    const file = path.join(dir, 'snap.db');
    expect(maxfiy(['backup', '--out', file], { MAXFIY_DATA_DIR: dir }).status).toBe(0);
    const manifestFile = `${file}.manifest.json`;
    const sealed = JSON.parse(readFileSync(manifestFile, 'utf8'));
    expect(sealed.seal).toEqual({ kek: expect.stringMatching(/^[0-9a-f]{16}$/), value: expect.any(String) });
    const restoreInto = () =>
      maxfiy(['restore', file], { MAXFIY_DATA_DIR: tempDir(), MAXFIY_KEY_FILE: keyFile });

    // Someone with the backup but not the KEK changes a row and writes a matching checksum.
    const original = readFileSync(file);
    const db = new SQLite(file);
    db.prepare("update company set name = 'Someone else'").run();
    db.close();
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...sealed, bytes: statSync(file).size, sha256: await sha256File(file) }),
    );
    let r = restoreInto();
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('does not match its seal')]);

    // Without its seal, never: the seal is what a changed snapshot with a new checksum cannot carry.
    const { seal: _, ...unsealed } = sealed;
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...unsealed, bytes: statSync(file).size, sha256: await sha256File(file) }),
    );
    r = restoreInto();
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('not sealed')]);
    writeFileSync(file, original);

    // A seal made with another key does not pass for this one's.
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...sealed, seal: { ...sealed.seal, value: Buffer.alloc(60).toString('base64') } }),
    );
    r = restoreInto();
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('seal does not open')]);

    // Where the KEK is not held, the restore names it.
    writeFileSync(manifestFile, JSON.stringify(sealed));
    r = maxfiy(['restore', file], {
      MAXFIY_DATA_DIR: tempDir(),
      MAXFIY_KEK: randomBytes(32).toString('base64'),
    });
    expect([r.status, r.stderr]).toEqual([
      2,
      expect.stringContaining(`KEK ${sealed.seal.kek}, which is not held here`),
    ]);
    r = restoreInto();
    expect([r.status, r.stdout]).toEqual([0, expect.stringContaining(`sealed with KEK ${sealed.seal.kek}`)]);
  });

  it('restores exactly the bytes it checked: a log file planted beside the backup is not applied', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const keyFile = path.join(dir, 'keys', 'kek.json');
    const file = path.join(dir, 'snap.db');
    expect(maxfiy(['backup', '--out', file], { MAXFIY_DATA_DIR: dir }).status).toBe(0);
    // A change kept in a copy's write-ahead log, and that log put beside the real backup:
    // SQLite opening the backup would apply it, and neither checksum nor seal covers it.
    const copy = path.join(tempDir(), 'copy.db');
    writeFileSync(copy, readFileSync(file));
    const changer = new SQLite(copy);
    changer.pragma('journal_mode = WAL');
    changer.pragma('wal_autocheckpoint = 0');
    changer.prepare("update company set name = 'EVIL CORP'").run();
    writeFileSync(`${file}-wal`, readFileSync(`${copy}-wal`));
    changer.close();

    const restored = tempDir();
    const r = maxfiy(['restore', file], { MAXFIY_DATA_DIR: restored, MAXFIY_KEY_FILE: keyFile });
    expect([r.status, r.stdout]).toEqual([0, expect.stringContaining('checksum ok')]);
    const db = new SQLite(path.join(restored, 'maxfiy.db'), { readonly: true });
    expect(db.prepare('select name from company').pluck().all()).not.toContain('EVIL CORP');
    db.close();
  });

  it('refuses to restore over a database a running process holds', async () => {
    const dir = tempDir();
    expect((await serveOnce({ MAXFIY_DATA_DIR: dir })).code).toBe(0);
    const file = path.join(tempDir(), 'snap.db');
    expect(maxfiy(['backup', '--out', file], { MAXFIY_DATA_DIR: dir }).status).toBe(0);
    // What a server holds: a connection in WAL mode that has read the database.
    const server = new SQLite(path.join(dir, 'maxfiy.db'));
    server.pragma('journal_mode = WAL');
    server.prepare('select count(*) from audit_entries').get();
    let r = maxfiy(['restore', file, '--force'], { MAXFIY_DATA_DIR: dir });
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('is in use: stop the server')]);
    server.close();
    r = maxfiy(['restore', file, '--force'], { MAXFIY_DATA_DIR: dir });
    expect([r.status, r.stdout]).toEqual([0, expect.stringContaining('checksum ok')]);
  });

  it('shows help on every verb', () => {
    for (const verb of [
      [],
      ['serve'],
      ['migrate'],
      ['migrate', 'up'],
      ['worker'],
      ['audit', 'verify'],
      ['keys', 'rotate'],
      ['backup'],
      ['restore'],
    ]) {
      const r = maxfiy([...verb, '--help'], {});
      expect(r.status, verb.join(' ')).toBe(0);
      expect(r.stdout, verb.join(' ')).toContain('Usage: maxfiy');
    }
  });

  it('migrate status lists the migrations and migrate up applies them', () => {
    const dir = tempDir();
    // Where there is no database (run from the wrong directory, say), status makes none and says so.
    let r = maxfiy(['migrate', 'status'], { MAXFIY_DATA_DIR: dir });
    expect([r.status, r.stderr]).toEqual([
      2,
      expect.stringContaining(`no database at ${path.join(dir, 'maxfiy.db')}`),
    ]);
    expect(existsSync(path.join(dir, 'maxfiy.db'))).toBe(false);
    r = maxfiy(['sites', 'check'], { MAXFIY_DATA_DIR: dir });
    expect([r.status, existsSync(path.join(dir, 'maxfiy.db'))]).toEqual([2, false]);
    r = maxfiy(['migrate', 'up'], { MAXFIY_DATA_DIR: dir });
    expect(r.stdout).toContain('applied: 0001_foundation');
    r = maxfiy(['migrate', 'status'], { MAXFIY_DATA_DIR: dir });
    expect(r.stdout).toContain('applied  0001_foundation');
    expect(existsSync(path.join(dir, 'maxfiy.db'))).toBe(true);
  });
});

describe('graceful shutdown', () => {
  it('lets a request in flight finish, then stops the worker and closes the database', async () => {
    const dir = tempDir();
    const server = await startServer({ dataDir: dir, port: 0, devInboxPort: 0, logLevel: 'silent' });
    const { port } = server.app.server.address() as { port: number };
    const body = JSON.stringify({ email: 'someone@example.uz', startLoginRequest: 'AAAA' });
    // The server has the request, not just a connection, before the shutdown begins.
    const arrived = new Promise((r) => server.app.server.once('request', r));
    // A request whose body is still arriving when the shutdown begins.
    let finish = () => {};
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/v1/staff/login/start',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      finish = () => req.end(body.slice(10));
    });
    await arrived;
    const closing = server.close();
    expect(server.services.lifecycle.shuttingDown).toBe(true);
    // The rest of the body comes once the shutdown has begun.
    setTimeout(finish, 100);
    const status = await answered;
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
    await closing;
    // The database is closed: a further query fails.
    await expect(server.services.database.db.selectFrom('company').selectAll().execute()).rejects.toThrow();
  });
});
