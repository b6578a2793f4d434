import { TRUSTED_KEY } from '../audit/tree-head.js';

/**
 * `--key-id` as given: a key's fingerprint (64 hex digits) or its id (16). An id
 * passes with a warning, since a key made to match 64 bits is within a
 * well-funded forger's reach. Undefined when none was given; null, with the
 * reason written, when it is neither.
 */
export function trustedKeyArgument(
  value: string | undefined,
  stderr: { write(text: string): unknown },
): string | undefined | null {
  if (value === undefined) return undefined;
  const key = value.trim().toLowerCase();
  if (!TRUSTED_KEY.test(key)) {
    stderr.write(
      'maxfiy: --key-id takes the key fingerprint (64 hex digits, as GET /v1/audit/public-key gives it) or a key id (16)\n',
    );
    return null;
  }
  if (key.length === 16)
    stderr.write(
      'maxfiy: warning: a 16-digit key id is a 64-bit check; pass the fingerprint from GET /v1/audit/public-key instead\n',
    );
  return key;
}
