import { existsSync } from 'node:fs';
import { verifyAuditLog } from '../audit/audit.verify.js';
import type { Options } from '../config/options.js';
import { openDatabase, sqliteFileFor } from '../db/database.js';
import { createProgress } from './progress.js';
import { trustedKeyArgument } from './trusted-key.js';

export type Output = NodeJS.WritableStream & { isTTY?: boolean };

export interface AuditVerifyInput {
  options: Options;
  stdout: Output;
  stderr: Output;
  /** `--key-id`: tree heads signed by any other key fail (the fingerprint of GET /v1/audit/public-key, or a key id). */
  keyId?: string;
  /**
   * `--tree-head SIZE:ROOT`: tree heads kept outside the database (GET /v1/audit/tree-head,
   * or a receipt's), root hash in hex; the log must match each.
   */
  treeHeads?: readonly string[];
}

const TREE_HEAD = /^(\d{1,15}):([0-9a-f]{64})$/;

/**
 * `maxfiy audit verify`: recomputes every entry and tree head from the database.
 * Needs no key-encryption key: tree heads carry their public key. Exit code 0
 * when the log is intact, 2 when it names a bad entry, 1 when it could not run.
 */
export async function runAuditVerify(input: AuditVerifyInput): Promise<number> {
  const { options, stdout, stderr } = input;
  const file = sqliteFileFor(options.dataDir);
  if (!options.databaseUrl && !existsSync(file)) {
    stderr.write(`maxfiy: no database at ${file}: nothing to verify\n`);
    return 1;
  }
  const keyId = trustedKeyArgument(input.keyId, stderr);
  if (keyId === null) return 1;
  const anchors: { treeSize: number; rootHash: Buffer }[] = [];
  for (const text of input.treeHeads ?? []) {
    const match = TREE_HEAD.exec(text.trim().toLowerCase());
    if (!match) {
      stderr.write(`maxfiy: --tree-head takes SIZE:ROOT (the root hash in hex, 64 digits), not "${text}"\n`);
      return 1;
    }
    anchors.push({ treeSize: Number(match[1]), rootHash: Buffer.from(match[2] as string, 'hex') });
  }
  const database = await openDatabase({ databaseUrl: options.databaseUrl, file });
  // The progress helper only needs write() and isTTY; tests pass plain writable streams.
  const progress = createProgress('verifying audit log', stderr as NodeJS.WriteStream);
  try {
    const result = await verifyAuditLog(database.db, {
      onProgress: (done, total) => progress.update(done, total),
      ...(keyId ? { trustedKeyIds: [keyId] } : {}),
      anchors,
    });
    progress.stop();
    if (!result.ok) {
      stdout.write(`audit log verification FAILED at entry ${result.firstBadSeq}: ${result.reason}\n`);
      return 2;
    }
    stdout.write(`audit log verified: ${result.size} entries, ${result.treeHeads} tree heads\n`);
    if (result.keyIds.length > 0) stdout.write(`tree heads signed by key ${result.keyIds.join(', ')}\n`);
    return 0;
  } catch (err) {
    progress.stop();
    stderr.write(
      `maxfiy: audit verification could not run: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  } finally {
    await database.close();
  }
}
