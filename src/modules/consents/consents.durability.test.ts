import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as opaque from '@serenity-kit/opaque';
import { authenticator } from 'otplib';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_KEY_STRETCHING, tokenOf } from '../staff/staff.testkit.js';

const CLI = path.resolve('dist/src/cli/main.js');
const PURPOSES = ['offers-newsletters', 'interest-analytics'];
const notice = { version: '1', language: 'uz-Cyrl' };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `maxfiy serve` as a real process; resolves once it listens, with what it printed. */
async function serve(
  dir: string,
  port: number,
): Promise<{ child: ChildProcessWithoutNullStreams; stdout: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      MAXFIY_DATA_DIR: dir,
      MAXFIY_PORT: String(port),
      MAXFIY_DEV_INBOX_PORT: '0',
      MAXFIY_LOG_LEVEL: 'warn',
      MAXFIY_RATE_LIMIT_PER_MINUTE: '10000000',
    },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`maxfiy exited: ${out}`);
    if (Date.now() > deadline) throw new Error('maxfiy did not start');
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, stdout: () => out };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The browser's half of the first administrator's OPAQUE registration, over real HTTP. */
async function setUpAdmin(base: string, token: string): Promise<string> {
  await opaque.ready;
  const password = 'a long durability password';
  const reg = opaque.client.startRegistration({ password });
  const post = (url: string, body: object) =>
    fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const start = await post('/v1/setup/admin/start', {
    token,
    email: 'admin@cdti.uz',
    displayName: 'Admin',
    registrationRequest: reg.registrationRequest,
  });
  const { registrationResponse } = (await start.json()) as { registrationResponse: string };
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse,
    password,
    keyStretching: TEST_KEY_STRETCHING,
  });
  const finish = await post('/v1/setup/admin/finish', { token, registrationRecord });
  const set = finish.headers.getSetCookie().find((c) => c.startsWith('mxf_staff='));
  if (!set) throw new Error(`no session: ${finish.status}`);
  const cookie = set.split(';')[0] as string;
  // Staff keep a second factor: enrol the authenticator app, which lifts the session's enrol-only limit.
  const withCookie = (url: string, body: object) =>
    fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
  const started = (await (await withCookie('/v1/staff/factors/totp/start', {})).json()) as {
    enrolmentId: string;
    secret: string;
  };
  const enrolled = await withCookie('/v1/staff/factors/totp/finish', {
    enrolmentId: started.enrolmentId,
    code: authenticator.generate(started.secret),
  });
  if (enrolled.status !== 201) throw new Error(`factor enrolment failed: ${enrolled.status}`);
  return cookie;
}

describe('consent writes survive SIGKILL', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-kill-'));
  let server: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('after kill -9 under load and a restart, every acknowledged consent write is there and decided accordingly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = await serve(dir, port);
    server = first.child;
    // The set-up link is printed once the server is ready; wait for it rather than for a fixed time.
    let link: string | null = null;
    for (const deadline = Date.now() + 30_000; !link && Date.now() < deadline; ) {
      link = first.stdout().match(/https?:\/\/\S+token=\S+/)?.[0] ?? null;
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    const cookie = await setUpAdmin(base, tokenOf(link));
    const headers = { 'content-type': 'application/json', cookie };
    // The writes come from a product's back end, as consents given in an app do.
    const issued = await fetch(`${base}/v1/apps/credentials`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ productId: 'silen', scopes: ['consents'], label: 'Silen' }),
    });
    expect(issued.status).toBe(201);
    const { secret } = (await issued.json()) as { secret: string };
    const asApp = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };

    // Each key (subject, purpose) has one writer, so at most one write per key is in flight at the kill.
    const acked = new Map<string, { give: boolean; eventId: string }[]>();
    const inFlight = new Map<string, boolean>();
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const subject = `kill-${w}-${i % 5}`;
        const purpose = PURPOSES[i % 2] as string;
        const key = `${subject}|${purpose}`;
        const give = Math.random() < 0.5;
        inFlight.set(key, give);
        const res = await fetch(`${base}/v1/consents/subjects/${subject}`, {
          method: 'POST',
          headers: asApp,
          body: JSON.stringify({ purpose, action: give ? 'give' : 'withdraw', source: 'app', notice }),
        }).catch(() => undefined);
        if (!res) return; // the server is gone: this write was never acknowledged
        if (res.status !== 201) throw new Error(`write refused: ${res.status}`);
        const { event } = (await res.json()) as { event: { id: string } };
        inFlight.delete(key);
        acked.set(key, [...(acked.get(key) ?? []), { give, eventId: event.id }]);
      }
    });
    // Kill mid-load: after 1.5 s and at least 50 acknowledged writes (a busy machine is slower).
    const loadStarted = Date.now();
    const acknowledged = () => [...acked.values()].reduce((n, list) => n + list.length, 0);
    while (Date.now() - loadStarted < 1500 || (acknowledged() < 50 && Date.now() - loadStarted < 30_000))
      await new Promise((r) => setTimeout(r, 50));
    server.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    const killed = server;
    if (killed.exitCode === null && killed.signalCode === null)
      await new Promise((r) => killed.once('exit', r));
    const count = acknowledged();
    expect(count).toBeGreaterThanOrEqual(50);

    server = (await serve(dir, port)).child;
    for (const [key, list] of acked) {
      const [subject, purpose] = key.split('|') as [string, string];
      const history = await fetch(`${base}/v1/consents/subjects/${subject}`, { headers: { cookie } });
      expect(history.status).toBe(200);
      const ids = new Set(((await history.json()) as { history: { id: string }[] }).history.map((e) => e.id));
      for (const { eventId } of list)
        expect(ids.has(eventId), `acknowledged event ${eventId} lost`).toBe(true);
      const decision = await fetch(`${base}/v1/decisions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          subjectId: subject,
          purpose,
          category: purpose === 'offers-newsletters' ? 'contact' : 'interests',
        }),
      });
      const { allow } = (await decision.json()) as { allow: boolean };
      // The last acknowledged write decides, unless a later one was in flight and committed before the kill.
      const last = (list.at(-1) as { give: boolean }).give;
      const pending = inFlight.get(key);
      expect(allow === last || (pending !== undefined && allow === pending), `decision for ${key}`).toBe(
        true,
      );
    }
    console.log(
      `SIGKILL durability: ${count} acknowledged consent writes over ${acked.size} keys, all present after restart`,
    );
  });
});
