/**
 * Signed tree heads: what is signed, with which key, and how anyone checks it
 * with nothing but the public key.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
  /** Milliseconds since the epoch. */
  timestamp: number;
  signature: Buffer;
  keyId: string;
}

export interface PublicKeyInfo {
  keyId: string;
  /** All 64 hex digits of SHA-256 of the raw public key: what to trust a key by (`--key-id`). */
  fingerprint: string;
  publicKeyPem: string;
  publicKeyJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

/** The exact bytes a tree head signature covers; versioned so the format can change without ambiguity. */
export function treeHeadBytes(treeSize: number, rootHash: Buffer, timestamp: number): Buffer {
  return Buffer.from(`maxfiy-sth/1\n${treeSize}\n${rootHash.toString('hex')}\n${timestamp}`, 'utf8');
}

/** A fresh Ed25519 private key as PKCS#8 DER: what the keyring stores (wrapped) under `audit-signing-key`. */
export function generateSigningKey(): Buffer {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyRaw: Buffer;
  keyId: string;
  info: PublicKeyInfo;
}

export function loadSigningKey(pkcs8Der: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: pkcs8Der, format: 'der', type: 'pkcs8' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('audit-signing-key is not an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const publicKeyRaw = Buffer.from(String(jwk.x), 'base64url');
  const keyId = keyIdOf(publicKeyRaw);
  return {
    privateKey,
    publicKeyRaw,
    keyId,
    info: {
      keyId,
      fingerprint: keyFingerprintOf(publicKeyRaw),
      publicKeyPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: publicKeyRaw.toString('base64url') },
    },
  };
}

/** First 16 hex digits of SHA-256 of the raw public key: a label in tree heads and receipts. */
export function keyIdOf(publicKeyRaw: Buffer): string {
  return keyFingerprintOf(publicKeyRaw).slice(0, 16);
}

/** SHA-256 of the raw public key, all 64 hex digits. */
export function keyFingerprintOf(publicKeyRaw: Buffer): string {
  return createHash('sha256').update(publicKeyRaw).digest('hex');
}

/**
 * Whether `publicKeyRaw` is the key `trusted` names: its fingerprint (64 hex
 * digits), or its 16-digit id. An id is a 64-bit check: a key made to match it
 * takes about 2^64 tries, which a well-funded forger can afford, so
 * the fingerprint is what to publish and pass.
 */
export function isTrustedKey(publicKeyRaw: Buffer, trusted: string): boolean {
  const fingerprint = keyFingerprintOf(publicKeyRaw);
  return trusted.length === 64 ? trusted === fingerprint : trusted === fingerprint.slice(0, 16);
}

/** A value `--key-id` takes: a fingerprint (64 hex digits) or a key id (16). */
export const TRUSTED_KEY = /^(?:[0-9a-f]{16}|[0-9a-f]{64})$/;

export function signTreeHead(
  key: SigningKey,
  treeSize: number,
  rootHash: Buffer,
  timestamp: number,
): TreeHead {
  const signature = sign(null, treeHeadBytes(treeSize, rootHash, timestamp), key.privateKey);
  return { treeSize, rootHash, timestamp, signature, keyId: key.keyId };
}

/** Checks a tree head's signature against a raw Ed25519 public key; false on any malformed input. */
export function verifyTreeHeadSignature(head: TreeHead, publicKeyRaw: Buffer): boolean {
  if (publicKeyRaw.length !== 32 || head.signature.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKeyRaw.toString('base64url') },
      format: 'jwk',
    });
    return verify(null, treeHeadBytes(head.treeSize, head.rootHash, head.timestamp), key, head.signature);
  } catch {
    return false;
  }
}
