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
      publicKeyPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: publicKeyRaw.toString('base64url') },
    },
  };
}

/** First 16 hex digits of SHA-256 of the raw public key. */
export function keyIdOf(publicKeyRaw: Buffer): string {
  return createHash('sha256').update(publicKeyRaw).digest('hex').slice(0, 16);
}

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
