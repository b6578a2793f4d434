import path from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import { envKekProvider } from './kek.env.js';
import { openFileKekProvider } from './kek.file.js';

export { envKekProvider } from './kek.env.js';
export { openFileKekProvider } from './kek.file.js';
export { decodeKey, KeyFileError, kekIdOf, localKek } from './kek.local.js';

/**
 * One key-encryption key. It wraps data keys and server secrets; it never
 * encrypts personal data itself. `wrap`/`unwrap` rather than the raw key, so an
 * external KMS (which never hands its key out) fits behind the same interface.
 */
export interface Kek {
  /** First 16 hex digits of SHA-256 of the key: stable, and reveals nothing usable. */
  readonly id: string;
  /** When the key was made (ms), where the source records it (the key file does, the environment does not). */
  readonly createdAt?: number;
  wrap(plaintext: Buffer, ad: string): Promise<Buffer>;
  /** Throws (AeadError) on a wrong key, a wrong `ad` or any changed byte. */
  unwrap(wrapped: Buffer, ad: string): Promise<Buffer>;
}

/** Where KEKs come from: the key file, the environment, later a KMS. */
export interface KekProvider {
  /** For messages: the key file's path, or the environment variable's name. Never key material. */
  readonly source: string;
  /** True when the provider stores its own keys and so can `add` and `remove` them (the key file). */
  readonly managed: boolean;
  /** The KEK new wraps use. */
  current(): Kek;
  /**
   * The KEK with this id. An unknown id makes a file provider re-read its file first,
   * so a server keeps reading rows that a `keys rotate` beside it has just re-wrapped.
   */
  byId(id: string): Promise<Kek | undefined>;
  /** Every KEK held, current included. */
  list(): Kek[];
  /** Rotation: makes a fresh KEK current, keeping every older one. */
  add(): Promise<Kek>;
  /** Forgets these KEKs (never the current one). Only for keys no stored row uses. */
  remove(ids: string[]): Promise<void>;
  /** Picks up a change another process made (a new current KEK); cheap when nothing changed. */
  refresh(): Promise<void>;
}

export interface KekSourceOptions {
  /** The key file; empty means `<dataDir>/keys/kek.json`. */
  keyFile: string;
  dataDir: string;
  /**
   * Whether a missing key file may be created. False once the database holds
   * wrapped keys: a new key could not open them, so the start is refused
   * instead of leaving a key file that matches nothing.
   */
  createIfMissing?: boolean;
}

/**
 * The KEK provider the server starts with: the environment when `MAXFIY_KEK` is
 * set (no file is then written), else the key file, created on first start
 * (and only then: see `createIfMissing`).
 */
export async function loadKekProvider(
  options: KekSourceOptions,
  env: NodeJS.ProcessEnv = process.env,
  clock: Clock = systemClock,
): Promise<KekProvider> {
  if (env.MAXFIY_KEK !== undefined && env.MAXFIY_KEK !== '') return envKekProvider(env);
  const file = options.keyFile || path.join(options.dataDir, 'keys', 'kek.json');
  return openFileKekProvider({ file, clock, create: options.createIfMissing ?? true });
}
