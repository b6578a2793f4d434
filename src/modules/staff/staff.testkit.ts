/**
 * Test support for the staff module (imported only by its tests): a recording
 * audit log, the real keyring on an environment KEK, a bare Fastify app with
 * the staff routes, and the browser's half of OPAQUE.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import * as opaque from '@serenity-kit/opaque';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { AuditAppender, AuditEntryInput } from '../../audit/appender.js';
import { type Clock, ManualClock } from '../../clock.js';
import { envKekProvider } from '../../crypto/kek.js';
import type { Keyring } from '../../crypto/keyring.js';
import { createKeyring } from '../../crypto/keys.service.js';
import { type Database, onCommit } from '../../db/database.js';
import { catalogue, MaxfiyError } from '../../errors.js';
import { ErrorResponse } from '../../http/schemas.js';
import { formatMessage } from '../../i18n/errors-define.js';
import { MAIL_TOPIC, type MailMessage } from '../../mail/mail.service.js';
import { createOutbox } from '../../outbox/outbox.service.js';
import { createWorker } from '../../outbox/outbox.worker.js';
import { normaliseEmail } from './staff.crypto.js';
import { addTestAuthenticator, derivedRecoveryCodes, totpCode } from './staff.factors.testkit.js';
import { staffRoutes } from './staff.routes.js';
import { createStaffService, type StaffService } from './staff.service.js';
import { insertStaff } from './staff.store.js';
import type { StaffRole } from './staff.table.js';

/**
 * Key stretching is the browser's business (the server never sees it): the
 * console uses the library's default, which costs about a second a sign-in;
 * tests use a cheap one so the suites stay quick.
 */
export const TEST_KEY_STRETCHING = {
  'argon2id-custom': { iterations: 1, memory: 256, parallelism: 1 },
} as const;

/**
 * Keeps the entries of committed writes only, as the real log would. `hold`,
 * when set, runs inside the writing transaction before the entry is taken: a
 * test uses it to keep two transactions open at the same time.
 */
export function recordingAudit(): AuditAppender & {
  entries: AuditEntryInput[];
  hold?: (entry: AuditEntryInput) => Promise<void>;
} {
  const entries: AuditEntryInput[] = [];
  let seq = 0;
  const audit = {
    entries,
    hold: undefined as ((entry: AuditEntryInput) => Promise<void>) | undefined,
    async append(trx: Parameters<AuditAppender['append']>[0], entry: AuditEntryInput) {
      await audit.hold?.(entry);
      onCommit(trx, () => entries.push(entry));
      return { seq: seq++ };
    },
  };
  return audit;
}

export async function testKeyring(database: Database, clock: Clock): Promise<Keyring> {
  const kek = envKekProvider({ MAXFIY_KEK: randomBytes(32).toString('base64') });
  return createKeyring({ database, kek, clock });
}

export const silentLogger = { info() {}, warn() {} };
const quietOutboxLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A bare app: cookies, TypeBox validation, errors rendered as the app renders
 * them, and a check that every answer's status is one the route declared.
 */
export async function staffTestApp(staff: StaffService): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(ErrorResponse);
  await app.register(fastifyCookie);
  app.setErrorHandler((err, request, reply) => {
    const e = err as { validation?: { instancePath?: string }[]; statusCode?: number };
    const mapped =
      err instanceof MaxfiyError
        ? err
        : e.validation
          ? new MaxfiyError('MXF_REQUEST_INVALID', { field: e.validation[0]?.instancePath ?? 'body' })
          : e.statusCode === 400 || e.statusCode === 415
            ? new MaxfiyError('MXF_REQUEST_MALFORMED')
            : new MaxfiyError('MXF_SERVER_INTERNAL', { requestId: request.id });
    if (mapped.code === 'MXF_SERVER_INTERNAL') reply.header('x-test-fault', String(err));
    const body: Record<string, unknown> = {
      code: mapped.code,
      message: formatMessage(catalogue[mapped.code].messages.en, mapped.params),
      requestId: request.id,
    };
    if (typeof mapped.params.retryAfter === 'number') body.retryAfter = mapped.params.retryAfter;
    return reply.status(mapped.status).send({ error: body });
  });
  app.addHook('onRoute', (route) => {
    const declared = Object.keys((route.schema?.response as object | undefined) ?? {});
    route.onSend = [
      async (_request, reply, payload) => {
        if (!declared.includes(String(reply.statusCode))) {
          throw new Error(`${route.method} ${route.url} answered undeclared ${reply.statusCode}`);
        }
        return payload;
      },
    ];
  });
  await app.register(staffRoutes({ staff }));
  await app.ready();
  return app;
}

/** The staff session cookie a response set (`mxf_staff`, or `__Host-mxf_staff` on https), as a Cookie header value. */
export function sessionCookie(res: LightMyRequestResponse): string {
  const set = res.cookies.find((c) => c.name === 'mxf_staff' || c.name === '__Host-mxf_staff');
  if (!set) throw new Error('no session cookie set');
  return `${set.name}=${set.value}`;
}

/**
 * The browser: runs the OPAQUE client against the app, sending only protocol
 * messages, and keeps every body it sent so a test can show that no password
 * ever left it.
 */
export function browser(app: FastifyInstance, opts: { now?: () => number } = {}) {
  const sent: string[] = [];
  const now = opts.now ?? (() => Date.now());
  /** Recovery codes the browser was shown, by e-mail: the second step of later sign-ins spends them. */
  const codes = new Map<string, string[]>();
  /** Which e-mail and password each login id belongs to, so `finishLogin` can take the second step. */
  const logins = new Map<string, { email: string; password: string }>();
  async function post(url: string, body: object, extra: { cookie?: string; remoteAddress?: string } = {}) {
    const payload = JSON.stringify(body);
    sent.push(payload);
    return app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...(extra.cookie ? { cookie: extra.cookie } : {}) },
      ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
    });
  }
  /**
   * An OPAQUE registration through a one-time link's `start` and `finish` steps
   * under `base`; `fields` (the token, and what else the start asks) go to `start`.
   */
  async function registerThrough(
    base: string,
    fields: { token: string } & Record<string, string>,
    password: string,
  ) {
    const { token } = fields;
    await opaque.ready;
    const reg = opaque.client.startRegistration({ password });
    const start = await post(`${base}/start`, { ...fields, registrationRequest: reg.registrationRequest });
    if (start.statusCode !== 200) return start;
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: start.json().registrationResponse,
      password,
      keyStretching: TEST_KEY_STRETCHING,
    });
    return post(`${base}/finish`, { token, registrationRecord });
  }

  return {
    sent,
    post,
    async setUpAdmin(token: string, email: string, password: string, displayName = 'First Admin') {
      const finished = await registerThrough('/v1/setup/admin', { token, email, displayName }, password);
      // Staff must have a second factor: enrol the authenticator app in the new
      // session, as the console leads the administrator to, so the cookie returned
      // opens every route. `setUpAdminOnly` stops before this.
      if (finished.statusCode === 201) await this.enrolTotp(sessionCookie(finished), email);
      return finished;
    },
    /** The set-up without enrolling a factor: the session stays limited to enrolling one. */
    setUpAdminOnly: (token: string, email: string, password: string, displayName = 'First Admin') =>
      registerThrough('/v1/setup/admin', { token, email, displayName }, password),
    /** Sets a password through an invitation link, as the console's invitation page does; stops before the factor. */
    acceptInvite: (token: string, password: string) =>
      registerThrough('/v1/staff/invite', { token }, password),
    /** Sets a new password through an administrator's sign-in reset link. */
    resetSignIn: (token: string, password: string) => registerThrough('/v1/staff/reset', { token }, password),
    /** Enrols an authenticator app in the session of `cookie`; keeps the secret and recovery codes. */
    async enrolTotp(cookie: string, email: string) {
      const started = await post('/v1/staff/factors/totp/start', {}, { cookie });
      if (started.statusCode !== 200) throw new Error(`totp start failed: ${started.body}`);
      const { enrolmentId, secret } = started.json() as { enrolmentId: string; secret: string };
      const code = totpCode(secret, now());
      const finished = await post('/v1/staff/factors/totp/finish', { enrolmentId, code }, { cookie });
      if (finished.statusCode !== 201) throw new Error(`totp finish failed: ${finished.body}`);
      codes.set(normaliseEmail(email), [...(finished.json() as { recoveryCodes: string[] }).recoveryCodes]);
      return { secret, recoveryCodes: codes.get(normaliseEmail(email)) ?? [] };
    },
    /** Step 1 of sign-in; `finish` runs step 2 (undefined when the client itself rejects the answer). */
    async startLogin(email: string, password: string, remoteAddress?: string) {
      await opaque.ready;
      const client = opaque.client.startLogin({ password });
      const res = await post(
        '/v1/staff/login/start',
        { email, startLoginRequest: client.startLoginRequest },
        { remoteAddress },
      );
      const body =
        res.statusCode === 200 ? (res.json() as { loginId: string; loginResponse: string }) : undefined;
      if (body) logins.set(body.loginId, { email, password });
      const finishRequest = body
        ? opaque.client.finishLogin({
            clientLoginState: client.clientLoginState,
            loginResponse: body.loginResponse,
            password,
            keyStretching: TEST_KEY_STRETCHING,
          })?.finishLoginRequest
        : undefined;
      return { res, loginId: body?.loginId, loginResponse: body?.loginResponse, finishRequest };
    },
    /** Step 2; a member with an authenticator app is asked for a code (202), and a recovery code is given. */
    async finishLogin(loginId: string, finishLoginRequest: string) {
      const res = await post('/v1/staff/login/finish', { loginId, finishLoginRequest });
      const who = logins.get(loginId);
      if (res.statusCode !== 202 || !who) return res;
      return this.secondStep(res.json().pendingId, who.email, who.password);
    },
    /** The raw step 2, without taking the second step. */
    finishLoginOnly(loginId: string, finishLoginRequest: string) {
      return post('/v1/staff/login/finish', { loginId, finishLoginRequest });
    },
    /**
     * Spends the next recovery code this browser knows for the member: those it
     * was shown, else those `addStaffDirectly` derived from the password. A code
     * another browser already spent is refused, and the next one is tried.
     */
    async secondStep(pendingId: string, email: string, password: string) {
      const key = normaliseEmail(email);
      const known = codes.get(key) ?? derivedRecoveryCodes(password);
      codes.set(key, known);
      let res: LightMyRequestResponse | undefined;
      for (let tries = 0; tries < 4 && known.length > 0; tries++) {
        res = await post('/v1/staff/login/totp', { pendingId, code: known.shift() });
        if (res.statusCode !== 401) return res;
      }
      if (!res) throw new Error('no recovery code left in the test browser');
      return res;
    },
    async login(email: string, password: string, remoteAddress?: string) {
      const started = await this.startLogin(email, password, remoteAddress);
      if (!started.loginId || !started.finishRequest)
        throw new Error(`login start failed: ${started.res.body}`);
      return this.finishLogin(started.loginId, started.finishRequest);
    },
  };
}

/**
 * A further staff member, written straight to the database: the module has no
 * invitation flow yet, and role tests need someone who is not the first admin.
 * Registers the password with the same server setup the service uses.
 */
export async function addStaffDirectly(
  database: Database,
  keyring: Keyring,
  member: { id: string; email: string; password: string; displayName: string; roles: StaffRole[] },
): Promise<void> {
  await opaque.ready;
  const serverSetup = (
    await keyring.secret('opaque-server-setup', () => Buffer.from(opaque.server.createSetup(), 'utf8'))
  ).toString('utf8');
  const reg = opaque.client.startRegistration({ password: member.password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({
    serverSetup,
    userIdentifier: member.id,
    registrationRequest: reg.registrationRequest,
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse,
    password: member.password,
    keyStretching: TEST_KEY_STRETCHING,
  });
  const email = normaliseEmail(member.email);
  const recoveryKey = await keyring.secret('recovery-code-key', () => randomBytes(32));
  await database.write(async (trx) => {
    await insertStaff(trx, {
      id: member.id,
      email_index: keyring.blindIndex('staff-email', email),
      email_enc: await keyring.encrypt(trx, member.id, 'staff.email', email),
      display_name: member.displayName,
      roles: JSON.stringify(member.roles),
      opaque_record: registrationRecord,
      status: 'active',
      created_at: 0,
      updated_at: 0,
    });
    // Staff must have a second factor: an authenticator app, with recovery codes
    // the test browser derives from the password (see `secondStep`).
    await addTestAuthenticator(trx, keyring, recoveryKey, member);
  });
}

/** Everything a staff test needs, on a database the test opened. */
export async function staffEnv(
  t: { database: Database; cleanup(): Promise<void> },
  publicUrl = 'http://localhost:8080',
) {
  const clock = new ManualClock();
  const keyring = await testKeyring(t.database, clock);
  const audit = recordingAudit();
  const outbox = await createOutbox({
    database: t.database,
    clock,
    keyring,
    options: { maxAttempts: 3, pollMs: 50 },
    logger: quietOutboxLogger,
  });
  // Mail is delivered into this list: the outbox, its sealing and the worker are the real ones.
  const mails: MailMessage[] = [];
  outbox.register({
    topic: MAIL_TOPIC,
    name: 'test-mail',
    async handle(payload) {
      mails.push(payload as MailMessage);
    },
  });
  const worker = createWorker({
    database: t.database,
    outbox,
    clock,
    logger: quietOutboxLogger,
    workerId: 't',
  });
  const staff = createStaffService({
    database: t.database,
    keyring,
    audit,
    clock,
    outbox,
    options: { publicUrl },
    logger: silentLogger,
  });
  const app = await staffTestApp(staff);
  return {
    database: t.database,
    clock,
    keyring,
    audit,
    staff,
    app,
    browser: browser(app, { now: () => clock.now() }),
    /** Runs the outbox worker until it is idle and returns every mail delivered so far. */
    async deliverMail() {
      while ((await worker.runOnce()) > 0) {}
      return mails;
    },
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}

export type StaffEnv = Awaited<ReturnType<typeof staffEnv>>;

/** The token of a set-up link. */
export function tokenOf(link: string | null): string {
  const token = link ? new URL(link).searchParams.get('token') : null;
  if (!token) throw new Error('no set-up link');
  return token;
}
