import { Worker } from 'node:worker_threads';
import { hash, verify } from '@node-rs/argon2';
import * as opaque from '@serenity-kit/opaque';
import { newId } from '../../src/ids.js';
import { indexKind } from '../../src/modules/identity/identity.crypto.js';
import { insertCustomer } from '../../src/modules/identity/identity.store.js';
import { TEST_KEY_STRETCHING } from '../../src/modules/staff/staff.testkit.js';
import { createTestApp } from '../helpers/app.js';
import type { BenchResult } from './types.js';

const PASSWORD = 'correct horse battery staple';
/** OWASP's argon2id parameters (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1. */
const OWASP = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** Server CPU of the two OPAQUE login steps, the browser's steps done outside the measurement. */
async function opaqueServerCpu(iterations: number): Promise<number> {
  await opaque.ready;
  const serverSetup = opaque.server.createSetup();
  const reg = opaque.client.startRegistration({ password: PASSWORD });
  const { registrationResponse } = opaque.server.createRegistrationResponse({
    serverSetup,
    userIdentifier: 'bench',
    registrationRequest: reg.registrationRequest,
  });
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState: reg.clientRegistrationState,
    registrationResponse,
    password: PASSWORD,
    keyStretching: TEST_KEY_STRETCHING,
  });
  const starts = Array.from({ length: iterations }, () => opaque.client.startLogin({ password: PASSWORD }));
  let total = 0;
  for (const client of starts) {
    let t = process.cpuUsage();
    const server = opaque.server.startLogin({
      serverSetup,
      userIdentifier: 'bench',
      registrationRecord,
      startLoginRequest: client.startLoginRequest,
    });
    total += cpuMs(t);
    const finish = opaque.client.finishLogin({
      clientLoginState: client.clientLoginState,
      loginResponse: server.loginResponse,
      password: PASSWORD,
      keyStretching: TEST_KEY_STRETCHING,
    });
    if (!finish) throw new Error('client rejected the bench login');
    t = process.cpuUsage();
    opaque.server.finishLogin({
      serverLoginState: server.serverLoginState,
      finishLoginRequest: finish.finishLoginRequest,
    });
    total += cpuMs(t);
  }
  return total / iterations;
}

/** Server CPU of one argon2id verification at OWASP's parameters: what a server that receives the password spends. */
async function argon2Cpu(iterations: number): Promise<number> {
  const stored = await hash(PASSWORD, OWASP);
  const t = process.cpuUsage();
  for (let i = 0; i < iterations; i++)
    if (!(await verify(stored, PASSWORD))) throw new Error('argon2 mismatch');
  return cpuMs(t) / iterations;
}

/**
 * The load generator, in its own thread so its OPAQUE work (the browsers')
 * does not run on the server's event loop. It computes every first message
 * ahead; the second depends on the server's answer, so it is made between the
 * two requests and left out of the latency.
 */
const LOAD_GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const opaque = await import('@serenity-kit/opaque');
  await opaque.ready;
  const { base, accounts, perAccount, password, keyStretching } = workerData;
  const starts = accounts.map(() => Array.from({ length: perAccount }, () => opaque.client.startLogin({ password })));
  const post = (path, body, cookie) => fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const latencies = [];
  const began = performance.now();
  await Promise.all(accounts.map(async (contact, w) => {
    let device;
    for (const client of starts[w]) {
      let t0 = performance.now();
      const start = await (await post('/v1/signin/start', { contact, startLoginRequest: client.startLoginRequest })).json();
      let server = performance.now() - t0;
      const finish = opaque.client.finishLogin({ clientLoginState: client.clientLoginState, loginResponse: start.loginResponse, password, keyStretching });
      if (!finish) throw new Error('bench sign-in rejected');
      t0 = performance.now();
      const res = await post('/v1/signin/finish', { loginId: start.loginId, finishLoginRequest: finish.finishLoginRequest }, device);
      server += performance.now() - t0;
      if (res.status !== 200) throw new Error('bench sign-in failed: ' + res.status + ' ' + (await res.text()));
      device ??= res.headers.getSetCookie().find((c) => c.startsWith('mxf_device='))?.split(';')[0];
      latencies.push(server);
    }
  }));
  parentPort.postMessage({ latencies, seconds: (performance.now() - began) / 1000 });
})().catch((err) => { throw err; });
`;

function loadGenerator(data: {
  base: string;
  accounts: string[];
  perAccount: number;
}): Promise<{ latencies: number[]; seconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_GENERATOR, {
      eval: true,
      workerData: { ...data, password: PASSWORD, keyStretching: TEST_KEY_STRETCHING },
    });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Sign-ins per second over real HTTP, the browser's OPAQUE work done by the load generator. */
async function httpSignins(total: number, concurrency: number) {
  const t = await createTestApp('sqlite', { listen: true, options: { inProcessWorker: false } });
  try {
    await opaque.ready;
    const address = t.app.server.address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;
    const { keyring, database } = t.services;
    const serverSetup = (
      await keyring.secret('opaque-server-setup', () => Buffer.from(opaque.server.createSetup(), 'utf8'))
    ).toString('utf8');
    // One account per worker: a throttle allows few unfinished sign-ins per account.
    const accounts: string[] = [];
    for (let i = 0; i < concurrency; i++) {
      const email = `bench${i}@example.uz`;
      const subjectId = newId();
      const reg = opaque.client.startRegistration({ password: PASSWORD });
      const { registrationResponse } = opaque.server.createRegistrationResponse({
        serverSetup,
        userIdentifier: subjectId,
        registrationRequest: reg.registrationRequest,
      });
      const { registrationRecord } = opaque.client.finishRegistration({
        clientRegistrationState: reg.clientRegistrationState,
        registrationResponse,
        password: PASSWORD,
        keyStretching: TEST_KEY_STRETCHING,
      });
      await database.write(async (trx) =>
        insertCustomer(trx, {
          subject_id: subjectId,
          email_index: keyring.blindIndex(indexKind('email'), email),
          email_enc: await keyring.encrypt(trx, subjectId, 'customer.email', email),
          email_verified: 1,
          phone_index: null,
          phone_enc: null,
          phone_verified: 0,
          name_enc: null,
          locale: null,
          opaque_record: registrationRecord,
          status: 'active',
          created_at: 0,
          updated_at: 0,
        }),
      );
      accounts.push(email);
    }
    const perAccount = Math.ceil(total / concurrency);
    const { latencies, seconds } = await loadGenerator({ base, accounts, perAccount });
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
    return { perSecond: latencies.length / seconds, p99 };
  } finally {
    await t.close();
  }
}

export async function benchSignin(): Promise<BenchResult[]> {
  const opaqueMs = await opaqueServerCpu(300);
  const argonMs = await argon2Cpu(20);
  const http = await httpSignins(400, 8);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return [
    {
      name: 'signin_server_cpu_opaque',
      value: round(opaqueMs),
      unit: 'ms/signin',
      ratio: argonMs / opaqueMs,
      baseline: `argon2id verify m=19456 t=2 p=1 (@node-rs/argon2) ${round(argonMs)} ms`,
    },
    {
      name: 'signin_http_per_second',
      value: Math.round(http.perSecond),
      unit: 'signins/s',
      ratio: http.perSecond / (1000 / argonMs),
      baseline: `one core's argon2id verifications per second ${Math.round(1000 / argonMs)}/s`,
    },
    {
      name: 'signin_http_p99',
      value: Math.round(http.p99 * 10) / 10,
      unit: 'ms',
      ratio: argonMs / http.p99,
      baseline: `argon2id verify alone ${round(argonMs)} ms`,
    },
  ];
}
