import * as opaque from '@serenity-kit/opaque';
import { describe, expect, it } from 'vitest';
import type { Keyring } from '../../crypto/keyring.js';
import { createOpaqueServer } from './staff.opaque.js';
import { TEST_KEY_STRETCHING } from './staff.testkit.js';

/** Only `secret` is used here: a map standing in for the keyring's stored server secrets. */
function secretsOnly(): Keyring {
  const secrets = new Map<string, Buffer>();
  return {
    async secret(name: string, generate: () => Buffer) {
      if (!secrets.has(name)) secrets.set(name, generate());
      return secrets.get(name) as Buffer;
    },
  } as unknown as Keyring;
}

describe('OPAQUE server for staff', () => {
  it('answers an unknown e-mail under one stable identifier that does not reveal it, across restarts', async () => {
    const keyring = secretsOnly();
    const first = createOpaqueServer(keyring);
    const id = await first.fakeIdentifier('nobody@example.uz');
    expect(await first.fakeIdentifier('nobody@example.uz')).toBe(id);
    expect(await createOpaqueServer(keyring).fakeIdentifier('nobody@example.uz')).toBe(id);
    expect(await first.fakeIdentifier('someone@example.uz')).not.toBe(id);
    expect(id).not.toContain('nobody');
    // Another server (another secret) derives another identifier: it is keyed, not a bare hash.
    expect(await createOpaqueServer(secretsOnly()).fakeIdentifier('nobody@example.uz')).not.toBe(id);
  });

  it('keeps its server setup in the keyring, so a restarted server accepts passwords registered before', async () => {
    await opaque.ready;
    const keyring = secretsOnly();
    const before = createOpaqueServer(keyring);
    const reg = opaque.client.startRegistration({ password: 'pw' });
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: await before.registrationResponse('staff-1', reg.registrationRequest),
      password: 'pw',
      keyStretching: TEST_KEY_STRETCHING,
    });

    const after = createOpaqueServer(keyring);
    const login = opaque.client.startLogin({ password: 'pw' });
    const started = await after.startLogin({
      userIdentifier: 'staff-1',
      registrationRecord,
      startLoginRequest: login.startLoginRequest,
    });
    const finished = opaque.client.finishLogin({
      clientLoginState: login.clientLoginState,
      loginResponse: started.loginResponse,
      password: 'pw',
      keyStretching: TEST_KEY_STRETCHING,
    });
    expect(finished).toBeDefined();
    expect(await after.finishLogin(started.serverLoginState, finished?.finishLoginRequest ?? '')).toBe(true);
    expect(await after.finishLogin(started.serverLoginState, '_'.repeat(86))).toBe(false);
  });
});
