import { randomBytes } from 'node:crypto';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database, Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import { createFactorService, type FactorService } from '../factors/factors.service.js';
import {
  ADDRESS_POLICY,
  createSigninThrottle,
  type SigninKeys,
  type SigninThrottle,
  throttleNetwork,
} from '../staff/signin-throttle.js';
import { mailboxOf } from '../staff/staff.crypto.js';
import { createOpaqueServer, type OpaqueServer } from '../staff/staff.opaque.js';
import { type ChannelRegistry, type CustomerMessage, createChannels } from './channels.js';
import { createVerificationCodes, type VerificationCodes } from './codes.js';
import { type Contact, indexKind, once } from './identity.crypto.js';
import type { CustomerRow } from './identity.store.js';
import { type CustomerSessions, createCustomerSessions, type SessionLifetimes } from './sessions.js';
import { createSmsBudget, type SmsBudgetPolicy } from './sms-budget.js';

export interface IdentityLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface IdentityDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  outbox: Outbox;
  logger: IdentityLogger;
  options: {
    publicUrl: string;
    /** Where compromise reports are sent; empty means the development inbox's `security@localhost`. */
    securityEmail: string;
    sessions: SessionLifetimes;
    /** Whether an SMS reaches anyone (a gateway, or the development inbox); see `smsDeliverable`. */
    smsDeliverable?: boolean;
    /** How many SMS may go out per hour; without it, only the per-address throttles bound them. */
    smsBudget?: SmsBudgetPolicy;
  };
  /** Each defaults to the in-memory back-off shared with staff sign-in. */
  throttles?: Partial<Throttles>;
  channels?: ChannelRegistry;
  /** Defaults to a factor service on the same database and keys (the one staff use works too). */
  factors?: FactorService;
  /**
   * Runs in the sign-up transaction once the account exists: the composition
   * root registers the subject with the decision engine here.
   */
  onCustomerCreated?: (trx: Trx, subjectId: string) => Promise<void>;
  /**
   * Runs in the transaction of a compromise report: the composition root ends
   * the customer's cabinet grants here. Returns how many it ended.
   */
  onCompromised?: (trx: Trx, subjectId: string) => Promise<number>;
  /**
   * Runs in the transaction of a password reset: whoever knew the old password
   * may have given staff access, so the composition root ends the customer's
   * cabinet grants here too. Returns how many it ended.
   */
  onPasswordReset?: (trx: Trx, subjectId: string) => Promise<number>;
}

export interface Throttles {
  /** Sign-in starts, per contact and per address. */
  signin: SigninThrottle;
  /** Codes sent (sign-up, reset, contact change), per contact and per address. */
  send: SigninThrottle;
  /** Wrong codes, forged links and stale login ids, per address. */
  guess: SigninThrottle;
}

/** What the identity services share: built once per service instance, never a module singleton. */
export interface IdentityContext extends IdentityDeps {
  opaque: OpaqueServer;
  channels: ChannelRegistry;
  codes: VerificationCodes;
  sessions: CustomerSessions;
  factors: FactorService;
  throttles: Throttles;
  stateKey: () => Promise<Buffer>;
  contactIndex(contact: Contact): Buffer;
  /** What a contact counts as in the throttles: one key per mailbox, however its domain is written. */
  throttleKey(contact: Contact): string;
  /** Throws MXF_IDENTITY_THROTTLED when `keys` must wait; else counts the attempt. */
  throttle(which: keyof Throttles, keys: SigninKeys): void;
  /** Throws MXF_IDENTITY_THROTTLED when this address has guessed wrong too often. */
  guessAllowed(ip: string | undefined): void;
  /** Counts a wrong code, a forged or stale link or login id against the address. */
  guessMissed(ip: string | undefined): void;
  /** The address and channel a customer is reached at: a verified e-mail first, then a verified phone. */
  reachOf(trx: Trx, customer: CustomerRow): Promise<Contact | undefined>;
  /** Refuses a contact no code can reach here: a phone number while SMS cannot be delivered. */
  assertReachable(contact: Contact): void;
  send(trx: Trx, to: Contact, message: CustomerMessage): Promise<void>;
}

export function createIdentityContext(deps: IdentityDeps): IdentityContext {
  const { database, keyring, clock, outbox, logger } = deps;
  const smsBudget = deps.options.smsBudget
    ? createSmsBudget({ clock, policy: deps.options.smsBudget, logger })
    : undefined;
  const channels = deps.channels ?? createChannels(outbox, smsBudget);
  const throttles: Throttles = {
    signin: deps.throttles?.signin ?? createSigninThrottle({ clock }),
    send: deps.throttles?.send ?? createSigninThrottle({ clock }),
    // Keyed by address only, so the roomier per-address policy applies.
    guess: deps.throttles?.guess ?? createSigninThrottle({ clock, email: ADDRESS_POLICY }),
  };
  return {
    ...deps,
    opaque: createOpaqueServer(keyring),
    channels,
    codes: createVerificationCodes({ keyring, clock, channels }),
    sessions: createCustomerSessions({ database, keyring, clock, lifetimes: deps.options.sessions }),
    factors:
      deps.factors ??
      createFactorService({
        database,
        keyring,
        audit: deps.audit,
        clock,
        options: { publicUrl: deps.options.publicUrl },
      }),
    throttles,
    stateKey: once(() => keyring.secret('customer-login-state-key', () => randomBytes(32))),
    contactIndex: (contact) => keyring.blindIndex(indexKind(contact.channel), contact.value),
    throttleKey: (contact) =>
      keyring
        .blindIndex(
          indexKind(contact.channel),
          contact.channel === 'email' ? mailboxOf(contact.value) : contact.value,
        )
        .toString('hex'),
    throttle(which, keys) {
      const retryAfter = throttles[which].retryAfter(keys);
      if (retryAfter > 0) {
        logger.warn({ code: 'MXF_IDENTITY_THROTTLED', which, retryAfter }, 'identity attempt throttled');
        throw new MaxfiyError('MXF_IDENTITY_THROTTLED', { retryAfter });
      }
      // Counted before any await, so a parallel burst cannot all pass the check.
      throttles[which].attempted(keys);
    },
    guessAllowed(ip) {
      const retryAfter = throttles.guess.retryAfter({ email: `ip:${throttleNetwork(ip ?? 'unknown')}` });
      if (retryAfter > 0) throw new MaxfiyError('MXF_IDENTITY_THROTTLED', { retryAfter });
    },
    guessMissed(ip) {
      throttles.guess.attempted({ email: `ip:${throttleNetwork(ip ?? 'unknown')}` });
    },
    async reachOf(trx, customer) {
      const id = customer.subject_id;
      if (customer.email_enc && customer.email_verified)
        return {
          channel: 'email',
          value: await keyring.decryptString(trx, id, 'customer.email', customer.email_enc),
        };
      if (customer.phone_enc && customer.phone_verified)
        return {
          channel: 'sms',
          value: await keyring.decryptString(trx, id, 'customer.phone', customer.phone_enc),
        };
      return undefined;
    },
    async send(trx, to, message) {
      await channels[to.channel].queue(trx, to.value, message);
    },
    assertReachable(contact) {
      if (contact.channel === 'sms' && deps.options.smsDeliverable === false)
        throw new MaxfiyError('MXF_IDENTITY_SMS_UNAVAILABLE');
    },
  };
}
