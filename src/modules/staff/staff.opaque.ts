import { randomBytes } from 'node:crypto';
import * as opaque from '@serenity-kit/opaque';
import type { Keyring } from '../../crypto/keyring.js';
import { MaxfiyError } from '../../errors.js';
import { hmacHex, once } from './staff.crypto.js';

/**
 * The server half of OPAQUE (RFC 9807) as the staff service needs it. The
 * server setup (its long-term OPAQUE key pair and OPRF seed) is a server secret
 * kept by the keyring: created on first use, stored wrapped by the KEK.
 * Malformed client messages become MXF_REQUEST_INVALID naming the field, never a 500.
 */
export interface OpaqueServer {
  registrationResponse(userIdentifier: string, registrationRequest: string): Promise<string>;
  /** Throws MXF_REQUEST_INVALID when the record cannot be read. */
  checkRegistrationRecord(registrationRecord: string): Promise<void>;
  startLogin(input: {
    userIdentifier: string;
    registrationRecord: string | null;
    startLoginRequest: string;
  }): Promise<{ serverLoginState: string; loginResponse: string }>;
  /** True when the client proved knowledge of the password. */
  finishLogin(serverLoginState: string, finishLoginRequest: string): Promise<boolean>;
  /**
   * The identifier an unknown e-mail is answered under: stable per e-mail, so
   * repeated attempts get consistent fake responses and cannot tell a missing
   * account from a wrong password.
   */
  fakeIdentifier(normalisedEmail: string): Promise<string>;
}

function invalid(field: string, cause: unknown): MaxfiyError {
  return new MaxfiyError('MXF_REQUEST_INVALID', { field }, { cause });
}

export function createOpaqueServer(keyring: Keyring): OpaqueServer {
  const serverSetup = once(async () => {
    await opaque.ready;
    const stored = await keyring.secret('opaque-server-setup', () =>
      Buffer.from(opaque.server.createSetup(), 'utf8'),
    );
    return stored.toString('utf8');
  });
  const fakeKey = once(() => keyring.secret('opaque-fake-identifier', () => randomBytes(32)));

  return {
    async registrationResponse(userIdentifier, registrationRequest) {
      const setup = await serverSetup();
      try {
        return opaque.server.createRegistrationResponse({
          serverSetup: setup,
          userIdentifier,
          registrationRequest,
        }).registrationResponse;
      } catch (err) {
        throw invalid('registrationRequest', err);
      }
    },

    async checkRegistrationRecord(registrationRecord) {
      const setup = await serverSetup();
      // Reading the record is the only check the library offers: start a login
      // against it with a throw-away client message.
      const probe = opaque.client.startLogin({ password: randomBytes(16).toString('hex') });
      try {
        opaque.server.startLogin({
          serverSetup: setup,
          userIdentifier: 'probe',
          registrationRecord,
          startLoginRequest: probe.startLoginRequest,
        });
      } catch (err) {
        throw invalid('registrationRecord', err);
      }
    },

    async startLogin({ userIdentifier, registrationRecord, startLoginRequest }) {
      const setup = await serverSetup();
      try {
        return opaque.server.startLogin({
          serverSetup: setup,
          userIdentifier,
          registrationRecord,
          startLoginRequest,
        });
      } catch (err) {
        throw invalid('startLoginRequest', err);
      }
    },

    async finishLogin(serverLoginState, finishLoginRequest) {
      // A finish may reach a node that has not started a login since it booted.
      await opaque.ready;
      try {
        opaque.server.finishLogin({ serverLoginState, finishLoginRequest });
        return true;
      } catch {
        return false;
      }
    },

    async fakeIdentifier(normalisedEmail) {
      return `unknown:${hmacHex(await fakeKey(), normalisedEmail)}`;
    },
  };
}
