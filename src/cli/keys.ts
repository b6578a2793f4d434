import path from 'node:path';
import type { Options } from '../config/options.js';
import { loadKekProvider } from '../crypto/kek.js';
import { type RotationResult, retireKeks, rotateKeys } from '../crypto/keys.rotate.js';
import { withCurrentDatabase } from './existing-database.js';
import { createProgress } from './progress.js';

export interface KeysCommandInput {
  options: Options;
  /** A progress bar when it is a terminal, plain lines every 10% otherwise. */
  stdout: NodeJS.WriteStream;
  /** Where `MAXFIY_KEK` is read; the process environment by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * `maxfiy keys rotate`: a new KEK becomes current and every stored key is re-wrapped
 * under it while servers keep running. Safe to run again after an interruption.
 */
export async function runKeysRotate(input: KeysCommandInput): Promise<RotationResult> {
  const { options, stdout } = input;
  return withCurrentDatabase(options, async (database) => {
    const kek = await loadKekProvider({ ...options, createIfMissing: false }, input.env ?? process.env);
    const progress = createProgress('re-wrapping keys', stdout);
    let result: RotationResult;
    try {
      result = await rotateKeys({
        database,
        kek,
        backupsDir: backupsDirOf(options),
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.stop();
    }
    stdout.write(`${result.rewrapped} keys re-wrapped under key-encryption key ${result.kekId}\n`);
    reportRetirement(stdout, kek.managed, result);
    return result;
  });
}

/**
 * `maxfiy keys retire`: removes from the key file the old KEKs no stored row uses
 * any more (superseded at least `graceMs` ago).
 */
export async function runKeysRetire(
  input: KeysCommandInput & { graceMs?: number },
): Promise<{ retired: string[]; unusedKept: string[]; keptForBackups: string[] }> {
  const { options, stdout } = input;
  return withCurrentDatabase(options, async (database) => {
    const kek = await loadKekProvider({ ...options, createIfMissing: false }, input.env ?? process.env);
    const result = await retireKeks({
      database,
      kek,
      backupsDir: backupsDirOf(options),
      ...(input.graceMs === undefined ? {} : { graceMs: input.graceMs }),
    });
    if (result.retired.length === 0 && result.unusedKept.length === 0)
      stdout.write('no key-encryption key to retire\n');
    reportRetirement(stdout, kek.managed, result);
    return result;
  });
}

/** Where `maxfiy backup` writes by default; backups kept elsewhere are the operator's to account for (docs/operations.md). */
function backupsDirOf(options: Options): string {
  return path.join(options.dataDir, 'backups');
}

function reportRetirement(
  stdout: NodeJS.WriteStream,
  managed: boolean,
  r: { retired: string[]; unusedKept: string[]; keptForBackups: string[] },
): void {
  if (r.retired.length > 0) stdout.write(`retired from the key file: ${r.retired.join(', ')}\n`);
  if (r.keptForBackups.length > 0)
    stdout.write(
      `kept for the backups in the data folder's backups/ sealed with them: ${r.keptForBackups.join(', ')} (remove those backups first to retire them)\n`,
    );
  if (r.unusedKept.length === 0) return;
  stdout.write(
    managed
      ? `kept, no longer used: ${r.unusedKept.join(', ')} (run \`maxfiy keys retire\` later to remove them)\n`
      : `no longer used, may leave MAXFIY_KEK_PREVIOUS: ${r.unusedKept.join(', ')}\n`,
  );
}
