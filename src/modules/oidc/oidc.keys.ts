import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import type { Keyring } from '../../crypto/keyring.js';

export const JWKS_SECRET = 'oidc-jwks';
export const COOKIE_KEY_SECRET = 'oidc-cookie-key';

/** A fresh RS256 signing key (ID tokens, logout tokens): RS256 is what every relying party accepts. */
function newSigningKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * The provider's signing keys and cookie key: generated on first start and kept
 * as server secrets wrapped by the KEK (never in the repository or a file).
 */
export async function providerKeys(
  keyring: Keyring,
): Promise<{ jwks: { keys: JWK[] }; cookieKeys: string[] }> {
  const jwks = await keyring.secret(JWKS_SECRET, () =>
    Buffer.from(JSON.stringify({ keys: [newSigningKey()] })),
  );
  const cookieKey = await keyring.secret(COOKIE_KEY_SECRET, () => randomBytes(32));
  return {
    jwks: JSON.parse(jwks.toString('utf8')) as { keys: JWK[] },
    cookieKeys: [cookieKey.toString('base64url')],
  };
}
