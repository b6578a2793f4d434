import type { KekProvider } from './kek.js';
import { decodeKey, KeyFileError, localKek } from './kek.local.js';

/**
 * KEKs from the environment: `MAXFIY_KEK` (current) and `MAXFIY_KEK_PREVIOUS`
 * (comma-separated older keys, kept while rows are re-wrapped). The operator
 * rotates by moving the old key to MAXFIY_KEK_PREVIOUS, putting a new one in
 * MAXFIY_KEK, restarting, and running `maxfiy keys rotate`.
 */
export function envKekProvider(env: NodeJS.ProcessEnv): KekProvider {
  const currentKey = decodeKey(env.MAXFIY_KEK);
  if (!currentKey) {
    throw new KeyFileError(
      'MAXFIY_KEK must be the base64 of 32 random bytes (for example `openssl rand -base64 32`)',
    );
  }
  const current = localKek(currentKey);
  const keys = new Map([[current.id, current]]);
  const previous = (env.MAXFIY_KEK_PREVIOUS ?? '').split(',').filter((s) => s.trim() !== '');
  previous.forEach((text, i) => {
    const key = decodeKey(text);
    if (!key) throw new KeyFileError(`MAXFIY_KEK_PREVIOUS: entry ${i + 1} is not the base64 of 32 bytes`);
    const kek = localKek(key);
    if (!keys.has(kek.id)) keys.set(kek.id, kek);
  });
  const refuse = (what: string) =>
    new KeyFileError(
      `keys from MAXFIY_KEK cannot be ${what} by maxfiy: set a new MAXFIY_KEK, keep the old one in ` +
        'MAXFIY_KEK_PREVIOUS, restart, then run `maxfiy keys rotate`',
    );
  return {
    source: 'MAXFIY_KEK',
    managed: false,
    current: () => current,
    byId: async (id) => keys.get(id),
    list: () => [...keys.values()],
    add: async () => {
      throw refuse('added');
    },
    remove: async () => {
      throw refuse('removed');
    },
    refresh: async () => {},
  };
}
