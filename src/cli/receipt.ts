/**
 * `maxfiy receipt verify FILE`: checks an acceptance receipt offline, with no
 * server and no database: the receipt body against its audit entry, the entry's
 * leaf in the signed tree, and the tree head's Ed25519 signature against the
 * log key the caller trusts (`--public-key FILE`, or the key the receipt carries
 * if its id equals `--key-id`, as published at GET /v1/audit/public-key).
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyReceipt } from '../modules/agreements/receipt.js';
import { trustedKeyArgument } from './trusted-key.js';

interface Out {
  write(text: string): unknown;
}

/**
 * The file's text, or null unless it is well-formed UTF-8 without a byte-order
 * mark. A lenient decoder reads different bytes as the same U+FFFD (and drops a
 * mark), so a receipt holding one would verify after a byte of it changed.
 */
function strictUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The raw Ed25519 key from a PEM file or the JSON answer of /v1/audit/public-key. */
export function readPublicKey(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const json = JSON.parse(trimmed) as { publicKeyJwk?: { x?: string }; publicKeyPem?: string; x?: string };
    const x = json.publicKeyJwk?.x ?? json.x;
    if (x) return Buffer.from(x, 'base64url');
    if (json.publicKeyPem) return readPublicKey(json.publicKeyPem);
    throw new Error('the key file holds no Ed25519 key');
  }
  const key = createPublicKey(trimmed);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the key file holds no Ed25519 key');
  return Buffer.from(String(key.export({ format: 'jwk' }).x), 'base64url');
}

export function runReceiptVerify(opts: {
  file: string;
  publicKeyFile?: string;
  keyId?: string;
  stdout: Out;
  stderr: Out;
}): number {
  if (!opts.publicKeyFile && !opts.keyId) {
    opts.stderr.write(
      'maxfiy: receipt verify needs --public-key FILE or --key-id ID (the log key you trust)\n',
    );
    return 2;
  }
  const keyId = trustedKeyArgument(opts.keyId, opts.stderr);
  if (keyId === null) return 2;
  let bytes: Buffer;
  let publicKeyRaw: Buffer | undefined;
  try {
    bytes = readFileSync(opts.file);
    if (opts.publicKeyFile) publicKeyRaw = readPublicKey(readFileSync(opts.publicKeyFile, 'utf8'));
  } catch (err) {
    opts.stderr.write(`maxfiy: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const text = strictUtf8(bytes);
  const outcome =
    text === null
      ? { ok: false as const, reason: 'the file is not the UTF-8 text it was issued as' }
      : verifyReceipt(text, {
          ...(publicKeyRaw ? { publicKeyRaw } : {}),
          ...(keyId ? { keyId } : {}),
        });
  if (!outcome.ok) {
    opts.stderr.write(`receipt NOT verified: ${outcome.reason}\n`);
    return 1;
  }
  opts.stdout.write(
    `receipt verified: audit entry ${outcome.seq} is in the log of ${outcome.treeSize} entries signed by key ${outcome.keyId}\n`,
  );
  return 0;
}
