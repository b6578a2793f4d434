#!/usr/bin/env node
import { Command, Option } from 'commander';
import { assertOwnDataDir, ConfigError, loadOptions, type Options } from '../config/options.js';
import { KeyFileError, loadKekProvider } from '../crypto/kek.js';
import { openDatabase, sqliteFileFor } from '../db/database.js';
import { migrateUp, migrationStatus, SchemaTooNewError } from '../db/migrate.js';
import { catalogue, MaxfiyError } from '../errors.js';
import { formatMessage } from '../i18n/errors-define.js';
import { createLogger, serveForever } from '../server.js';
import { runAuditVerify } from './audit.js';
import { BackupError, backup, restore } from './backup.js';
import { openExistingDatabase } from './existing-database.js';
import { runKeysRetire, runKeysRotate } from './keys.js';
import { createProgress } from './progress.js';
import { runReceiptVerify } from './receipt.js';
import { runSitesCheck } from './sites.js';
import { runWorker } from './worker.js';

/** Errors that mean "fix the configuration", printed as one line with no stack. */
const EXPECTED = [ConfigError, KeyFileError, SchemaTooNewError, BackupError];

function fail(err: unknown): never {
  if (err instanceof MaxfiyError) {
    // A catalogued refusal at start, e.g. a KEK that does not match the stored keys.
    process.stderr.write(
      `maxfiy: ${err.code}: ${formatMessage(catalogue[err.code].messages.en, err.params)} (${catalogue[err.code].doc})\n`,
    );
    process.exit(2);
  }
  if (EXPECTED.some((E) => err instanceof E)) {
    process.stderr.write(`maxfiy: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`maxfiy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

function options(cmd: Command): Options {
  const flags = cmd.optsWithGlobals() as { port?: string };
  const opts = loadOptions(flags.port !== undefined ? { port: Number(flags.port) } : {});
  assertOwnDataDir(opts.dataDir);
  return opts;
}

const program = new Command()
  .name('maxfiy')
  .description('Self-hosted personal-data protection: identity, agreement, consents, rights, audit.')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nEvery option also comes from MAXFIY_* environment variables; see docs/configuration.md.',
  );

program
  .command('serve')
  .description('start the HTTP server (migrates the database and loads the company on first start)')
  .addOption(new Option('-p, --port <port>', 'TCP port (MAXFIY_PORT)').argParser((v) => v))
  .action(async (_o, cmd: Command) => {
    await serveForever(cmd.opts().port !== undefined ? { port: Number(cmd.opts().port) } : {}).catch(fail);
  });

const migrate = program.command('migrate').description('database schema migrations');
migrate
  .command('status')
  .description('list migrations and whether each is applied')
  .action(async (_o, cmd: Command) => {
    const database = await openExistingDatabase(options(cmd));
    try {
      for (const m of await migrationStatus(database)) {
        process.stdout.write(
          `${m.appliedAt ? 'applied' : 'pending'}  ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ''}\n`,
        );
      }
    } finally {
      await database.close();
    }
  });
migrate
  .command('up')
  .description('apply every pending migration')
  .action(async (_o, cmd: Command) => {
    const opts = options(cmd);
    const database = await openDatabase({ databaseUrl: opts.databaseUrl, file: sqliteFileFor(opts.dataDir) });
    try {
      const applied = await migrateUp(database);
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply: the schema is current\n',
      );
    } finally {
      await database.close();
    }
  });

program
  .command('worker')
  .description('run the outbox worker in its own process (set MAXFIY_IN_PROCESS_WORKER=false on the servers)')
  .action(async (_o, cmd: Command) => {
    const opts = options(cmd);
    await runWorker({ options: opts, logger: createLogger(opts) });
  });

program
  .command('audit')
  .description('the tamper-evident audit log')
  .command('verify')
  .description('recompute every entry and tree head; exits non-zero naming the first bad entry')
  .option(
    '--key-id <fingerprint>',
    'the signing key you trust: its fingerprint (64 hex digits, GET /v1/audit/public-key) or id (16); heads signed by any other key fail',
  )
  .option(
    '--tree-head <size:root>',
    'a tree head kept outside the database (GET /v1/audit/tree-head, or a receipt: size and root hash in hex); repeatable',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .action(async (o: { keyId?: string; treeHead: string[] }, cmd: Command) => {
    process.exitCode = await runAuditVerify({
      options: options(cmd),
      stdout: process.stdout,
      stderr: process.stderr,
      ...(o.keyId ? { keyId: o.keyId } : {}),
      treeHeads: o.treeHead,
    });
  });

const keys = program.command('keys').description('key management');
keys
  .command('rotate')
  .description('make a new key-encryption key and re-wrap every data key under it, while the server runs')
  .action(async (_o, cmd: Command) => {
    await runKeysRotate({ options: options(cmd), stdout: process.stdout });
  });
keys
  .command('retire')
  .description('remove key-encryption keys that no stored key uses any more (after a rotation has settled)')
  .action(async (_o, cmd: Command) => {
    await runKeysRetire({ options: options(cmd), stdout: process.stdout });
  });

program
  .command('receipt')
  .description('acceptance receipts')
  .command('verify')
  .description('check a receipt offline: its audit entry, inclusion proof and the signed tree head')
  .argument('<file>', 'the receipt JSON, as downloaded')
  .option('--public-key <file>', 'the audit log key you trust: PEM, or the JSON of GET /v1/audit/public-key')
  .option(
    '--key-id <fingerprint>',
    'trust the key carried in the receipt only if this is its fingerprint (64 hex digits, GET /v1/audit/public-key) or id (16)',
  )
  .action((file: string, o: { publicKey?: string; keyId?: string }) => {
    process.exitCode = runReceiptVerify({
      file,
      stdout: process.stdout,
      stderr: process.stderr,
      ...(o.publicKey ? { publicKeyFile: o.publicKey } : {}),
      ...(o.keyId ? { keyId: o.keyId } : {}),
    });
  });

program
  .command('sites')
  .description('the company’s sites')
  .command('check')
  .description(
    'fetch each site’s agreement page and check it shows the version in force; findings are stored',
  )
  .action(async (_o, cmd: Command) => {
    process.exitCode = await runSitesCheck({ options: options(cmd), stdout: process.stdout });
  });

program
  .command('backup')
  .description(
    'a consistent snapshot of the database with a SHA-256 manifest sealed with the KEK (the key file is not included)',
  )
  .option('-o, --out <file>', 'where to write the snapshot (default: <dataDir>/backups/maxfiy-<time>.db)')
  .action(async (o: { out?: string }, cmd: Command) => {
    const opts = options(cmd);
    const keys = await loadKekProvider({ ...opts, createIfMissing: false });
    const progress = createProgress('backup');
    const manifest = await backup(opts, o.out, keys, (d, t) => progress.update(d, t));
    progress.stop();
    process.stdout.write(
      `backup written: ${manifest.file} (${manifest.bytes} bytes, sha256 ${manifest.sha256})\n`,
    );
  });

program
  .command('restore')
  .description('restore a backup after checking its seal and checksum, then verify the audit log')
  .argument('<file>', 'the snapshot written by `maxfiy backup`')
  .option('--force', 'replace the existing database')
  .action(async (file: string, o: { force?: boolean }, cmd: Command) => {
    const opts = options(cmd);
    const manifest = await restore(opts, file, {
      force: Boolean(o.force),
      keys: () => loadKekProvider({ ...opts, createIfMissing: false }),
    });
    process.stdout.write(
      `restored ${manifest.file} (checksum ok, sealed with KEK ${manifest.seal?.kek}, schema ${manifest.schema ?? 'empty'})\n`,
    );
    process.exitCode = await runAuditVerify({
      options: opts,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  });

program.parseAsync(process.argv).catch(fail);
