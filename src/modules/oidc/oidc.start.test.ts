/**
 * Single sign-on is loaded before the server's port opens (`start`), so a
 * provider that cannot load stops the start with one line instead of leaving
 * /oidc answering 503 behind a server that says it is ready.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { ConfigError } from '../../config/options.js';
import { createOidc } from './oidc.service.js';

describe('oidc start', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  const oidcWith = (keyring: TestApp['services']['keyring']) =>
    createOidc({
      options: t.options,
      database: t.services.database,
      clock: t.services.clock,
      keyring,
      audit: t.services.audit,
      outbox: t.services.outbox,
      identity: t.services.identity,
      logger: pino({ level: 'silent' }),
    });

  it('loads the provider and the config clients, and serves discovery at once', async () => {
    const oidc = await oidcWith(t.services.keyring);
    await oidc.start();
    const provider = await oidc.provider();
    expect(await provider.Client.find('silen')).toBeTruthy();
  });

  it('refuses to start, as a ConfigError of one line, when the provider cannot load', async () => {
    const keyring = {
      ...t.services.keyring,
      secret: async () => {
        throw new Error('the key-encryption key does not unwrap this key');
      },
    } as TestApp['services']['keyring'];
    const oidc = await oidcWith(keyring);
    const started = oidc.start();
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      /^single sign-on could not start \(Error\): the key-encryption key does not unwrap this key$/,
    );
  });
});
