/**
 * Test support for customer identity (imported only by tests): the browser's
 * half of OPAQUE against the whole app, recording every body it sends, and the
 * development inbox read through the real outbox → SMTP path.
 */
import * as opaque from '@serenity-kit/opaque';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../../../test/helpers/app.js';
import { parseMail } from '../../mail/mime.js';
import { TEST_KEY_STRETCHING } from '../staff/staff.testkit.js';

export const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';
export const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';

/** Delivers what the outbox holds, through the SMTP path into `dev_inbox`. */
export async function deliver(t: TestApp): Promise<void> {
  while ((await t.services.worker.runOnce()) > 0) {}
}

/** Messages in the development inbox for `to` (an e-mail or `sms:+…`). */
export async function inboxFor(
  t: TestApp,
  to: string,
): Promise<{ id: string; subject: string; text: string }[]> {
  await deliver(t);
  const rows = await t.services.database.db
    .selectFrom('dev_inbox')
    .selectAll()
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows
    .filter((r) => (JSON.parse(r.envelope_to) as string[]).includes(to))
    .map((r) => {
      const m = parseMail(r.raw);
      return { id: r.id, subject: m.subject, text: m.text ?? '' };
    });
}

/** A code in a code message's text, in every language (SMS has no subject). */
const CODE_TEXT = /(?::| is) (\d{6})\./;

/** Codes already read, per app: messages arrive within one millisecond of the manual clock, so order is not enough. */
const readCodes = new WeakMap<TestApp, Set<string>>();

/** The code in the one code message for `to` not read before. */
export async function lastCode(t: TestApp, to: string): Promise<string> {
  const seen = readCodes.get(t) ?? new Set<string>();
  readCodes.set(t, seen);
  const fresh = (await inboxFor(t, to)).filter((m) => !seen.has(m.id) && CODE_TEXT.test(m.text));
  if (fresh.length !== 1) throw new Error(`expected one new code for ${to}, found ${fresh.length}`);
  const message = fresh[0] as { id: string; text: string };
  seen.add(message.id);
  return message.text.match(CODE_TEXT)?.[1] ?? '';
}

export function cookieOf(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.find((c) => c.name === name)?.value;
}

/** A browser: keeps its cookies (session and device) and every body it sent. */
export function customerBrowser(app: FastifyInstance, userAgent = CHROME) {
  const sent: string[] = [];
  const jar: Record<string, string> = {};
  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) sent.push(payload);
    const cookie = Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload } : {}),
      headers: {
        'user-agent': userAgent,
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
      },
    });
    for (const c of res.cookies) {
      if (c.value === '' || c.maxAge === 0) delete jar[c.name];
      else jar[c.name] = c.value;
    }
    return res;
  }

  async function register(path: 'signup' | 'reset', verificationId: string, code: string, password: string) {
    await opaque.ready;
    const reg = opaque.client.startRegistration({ password });
    const verify = await call('POST', `/v1/${path}/verify`, {
      verificationId,
      code,
      registrationRequest: reg.registrationRequest,
    });
    if (verify.statusCode !== 200) return verify;
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: verify.json().registrationResponse,
      password,
      keyStretching: TEST_KEY_STRETCHING,
    });
    return call('POST', `/v1/${path}/finish`, { verificationId, registrationRecord });
  }

  return {
    sent,
    jar,
    call,
    register,
    async startSignin(contact: string, password: string) {
      await opaque.ready;
      const client = opaque.client.startLogin({ password });
      const res = await call('POST', '/v1/signin/start', {
        contact,
        startLoginRequest: client.startLoginRequest,
      });
      const body =
        res.statusCode === 200 ? (res.json() as { loginId: string; loginResponse: string }) : undefined;
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
    async signin(contact: string, password: string) {
      const s = await this.startSignin(contact, password);
      if (!s.loginId || !s.finishRequest) throw new Error(`sign-in start failed: ${s.res.body}`);
      return call('POST', '/v1/signin/finish', { loginId: s.loginId, finishLoginRequest: s.finishRequest });
    },
  };
}

/** Signs a new customer up through the real flow: code by mail (or SMS), OPAQUE registration, session. */
export async function signUp(
  t: TestApp,
  b: ReturnType<typeof customerBrowser>,
  contact: string,
  password: string,
) {
  const start = await b.call('POST', '/v1/signup/start', { contact });
  if (start.statusCode !== 202) throw new Error(`sign-up start: ${start.body}`);
  const to = contact.includes('@') ? contact : `sms:+${contact.replace(/\D/g, '')}`;
  const code = await lastCode(t, to);
  return b.register('signup', start.json().verificationId, code, password);
}
