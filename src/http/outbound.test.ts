import dns from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadOptions } from '../config/options.js';
import { isPublicAddress, type OutboundRequest, outboundRequest } from './outbound.js';

/** A server on one loopback address that answers with what the test's handler does, counting requests. */
async function serve(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const base = { timeoutMs: 5_000, maxBytes: 1024 * 1024 } as const;
const get = (url: string, more: Partial<OutboundRequest> = {}) =>
  outboundRequest({ url, privateAddresses: 'refuse', ...base, ...more });

describe('outbound requests (SSRF guard)', () => {
  let target: Awaited<ReturnType<typeof serve>>;
  // Plays the public site: 127.0.0.2 is on loopback too, and tests call it public.
  let site: Awaited<ReturnType<typeof serve>>;
  const sitePublic = (address: string) => address === '127.0.0.2' || isPublicAddress(address);

  beforeAll(async () => {
    target = await serve('127.0.0.1', (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(1024 * 1024));
      } else if (req.url === '/hang') {
        res.writeHead(200);
        res.write('a');
      } else if (req.url === '/drip') {
        // A byte every 50 ms: never idle, so only a deadline for the whole exchange stops it.
        res.writeHead(200);
        const timer = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(timer));
      } else if (req.url?.startsWith('/r/')) {
        const left = Number(req.url.slice(3));
        if (left === 0) res.writeHead(200).end('arrived');
        else res.writeHead(302, { location: `/r/${left - 1}` }).end();
      } else if (req.url === '/to-file') {
        res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      } else if (req.method === 'POST') {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => res.writeHead(201).end(`${req.headers['x-test']}:${body}`));
      } else {
        res.writeHead(200).end('internal');
      }
    });
    site = await serve('127.0.0.2', (req, res) => {
      if (req.url === '/to-internal')
        res.writeHead(301, { location: `http://127.0.0.1:${target.port}/` }).end();
      else if (req.url === '/to-localhost')
        res.writeHead(307, { location: `http://localhost:${target.port}/` }).end();
      else res.writeHead(200).end('public');
    });
  });
  afterAll(() => {
    target?.server.close();
    site?.server.close();
  });

  it('refuses loopback, private, link-local, CGNAT, multicast and IPv6 internal literals without connecting', async () => {
    const before = target.hits.length;
    for (const host of [
      `127.0.0.1:${target.port}`,
      '127.9.9.9',
      '0x7f.1', // 127.0.0.1 in another notation
      '2130706433',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254', // cloud metadata
      '100.64.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '[::]',
      `[::1]:${target.port}`,
      '[fe80::1]',
      '[fc00::1]',
      '[fd12:3456::1]',
      '[ff02::1]',
      `[::ffff:127.0.0.1]:${target.port}`,
      '[::ffff:a9fe:a9fe]', // 169.254.169.254, IPv4-mapped
      '[::ffff:10.0.0.1]',
    ]) {
      expect(await get(`http://${host}/latest/meta-data/`), host).toEqual({
        kind: 'refused',
        reason: 'address-refused',
      });
    }
    expect(target.hits.length).toBe(before);
  });

  it('judges addresses by what they are, IPv6 forms of IPv4 addresses included', () => {
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])
      expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '172.20.1.1',
      '100.127.255.255',
      '::1',
      '::',
      '::ffff:192.168.0.1',
      '64:ff9b::a00:1', // NAT64 of 10.0.0.1
      '2002:c0a8:101::1', // 6to4 of 192.168.1.1
      'fe80::1%eth0',
      'not-an-address',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('refuses a name that resolves to loopback (localhost)', async () => {
    const before = target.hits.length;
    expect(await get(`http://localhost:${target.port}/`)).toEqual({
      kind: 'refused',
      reason: 'address-refused',
    });
    expect(target.hits.length).toBe(before);
  });

  it('reaches internal addresses, by literal or by name, when private addresses are allowed', async () => {
    for (const url of [`http://127.0.0.1:${target.port}/`, `http://localhost:${target.port}/`]) {
      const res = await get(url, { privateAddresses: 'allow' });
      expect(res, url).toMatchObject({ kind: 'response', status: 200, body: 'internal', truncated: false });
    }
  });

  it('refuses a redirect from a public site to an internal address, and never connects to it', async () => {
    const before = target.hits.length;
    const testOnly = {
      isAllowedAddress: sitePublic,
      resolve: async (hostname: string) =>
        hostname === 'site.example' ? [{ address: '127.0.0.2', family: 4 }] : [],
    };
    // The first hop is allowed: the site itself answers.
    expect(await get(`http://site.example:${site.port}/`, { maxRedirects: 5, testOnly })).toMatchObject({
      kind: 'response',
      body: 'public',
    });
    expect(await get(`http://site.example:${site.port}/to-internal`, { maxRedirects: 5, testOnly })).toEqual({
      kind: 'refused',
      reason: 'address-refused',
    });
    expect(
      await get(`http://127.0.0.2:${site.port}/to-localhost`, {
        maxRedirects: 5,
        testOnly: { isAllowedAddress: sitePublic },
      }),
    ).toEqual({ kind: 'refused', reason: 'address-refused' });
    expect(target.hits.length).toBe(before);
  });

  it('resolves a name once and connects to the address it checked (no DNS rebinding)', async () => {
    const answers = ['127.0.0.2', '127.0.0.1'];
    const asked: string[] = [];
    const res = await get(`http://rebind.example:${site.port}/`, {
      testOnly: {
        isAllowedAddress: sitePublic,
        resolve: async (hostname) => {
          asked.push(hostname);
          return [{ address: answers.shift() as string, family: 4 }];
        },
      },
    });
    expect(res).toMatchObject({ kind: 'response', body: 'public' });
    expect(asked).toEqual(['rebind.example']);
  });

  it('follows up to 5 redirects and refuses the 6th', async () => {
    const url = (n: number) => `http://127.0.0.1:${target.port}/r/${n}`;
    expect(await get(url(5), { maxRedirects: 5, privateAddresses: 'allow' })).toMatchObject({
      kind: 'response',
      status: 200,
      body: 'arrived',
    });
    expect(await get(url(6), { maxRedirects: 5, privateAddresses: 'allow' })).toEqual({
      kind: 'refused',
      reason: 'too-many-redirects',
    });
  });

  it('answers a redirect as it came when not asked to follow, and follows only to http(s)', async () => {
    expect(await get(`http://127.0.0.1:${target.port}/r/1`, { privateAddresses: 'allow' })).toMatchObject({
      kind: 'response',
      status: 302,
    });
    expect(
      await get(`http://127.0.0.1:${target.port}/to-file`, { maxRedirects: 5, privateAddresses: 'allow' }),
    ).toEqual({ kind: 'refused', reason: 'bad-url' });
  });

  it('reads at most maxBytes of the body', async () => {
    const res = await get(`http://127.0.0.1:${target.port}/big`, {
      privateAddresses: 'allow',
      maxBytes: 1000,
    });
    expect(res).toMatchObject({ kind: 'response', status: 200, truncated: true });
    expect(res.kind === 'response' && res.body.length).toBe(1000);
  });

  it('gives up at the deadline for the whole exchange, a trickling body included', async () => {
    for (const path of ['/hang', '/drip']) {
      const started = Date.now();
      expect(
        await get(`http://127.0.0.1:${target.port}${path}`, { privateAddresses: 'allow', timeoutMs: 300 }),
        path,
      ).toEqual({ kind: 'refused', reason: 'timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);
    }
  });

  it('posts the body and headers it is given', async () => {
    const res = await get(`http://127.0.0.1:${target.port}/hook`, {
      privateAddresses: 'allow',
      method: 'POST',
      headers: { 'x-test': 'signed' },
      body: '{"a":1}',
    });
    expect(res).toMatchObject({ kind: 'response', status: 201, body: 'signed:{"a":1}' });
  });

  it('refuses what is not an http(s) URL without credentials, and reports a closed port as a network failure', async () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'not a url', 'http://user:pw@8.8.8.8/'])
      expect(await get(url), url).toEqual({ kind: 'refused', reason: 'bad-url' });
    const closed = await serve('127.0.0.1', () => {});
    await new Promise((r) => closed.server.close(r));
    expect(await get(`http://127.0.0.1:${closed.port}/`, { privateAddresses: 'allow' })).toEqual({
      kind: 'refused',
      reason: 'network',
    });
  });

  it('refuses internal addresses unless MAXFIY_OUTBOUND_PRIVATE_ADDRESSES says allow', () => {
    expect(loadOptions({}, {}).outboundPrivateAddresses).toBe('refuse');
    expect(loadOptions({}, { MAXFIY_OUTBOUND_PRIVATE_ADDRESSES: 'allow' }).outboundPrivateAddresses).toBe(
      'allow',
    );
    expect(() => loadOptions({}, { MAXFIY_OUTBOUND_PRIVATE_ADDRESSES: 'yes' })).toThrow(
      /outboundPrivateAddresses/,
    );
  });
});

describe('outbound name lookups', () => {
  it('looks a name up once for all requests waiting on it: a name whose servers never answer holds one thread of the pool the database syncs on, not all', async () => {
    // getaddrinfo runs on libuv's thread pool and cannot be cancelled; these lookups never end unless told.
    const pending: ((err: Error) => void)[] = [];
    const lookup = vi
      .spyOn(dns.promises, 'lookup')
      .mockImplementation((() => new Promise((_, reject) => pending.push(reject))) as never);
    const notFound = () => Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    const deliver = () =>
      outboundRequest({
        url: 'https://hooks.example.com/consents',
        method: 'POST',
        body: '{}',
        timeoutMs: 5000,
        maxBytes: 0,
        privateAddresses: 'refuse',
      });
    try {
      const deliveries = Array.from({ length: 6 }, deliver);
      await vi.waitFor(() => expect(lookup).toHaveBeenCalled());
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lookup).toHaveBeenCalledTimes(1);
      // Its answer is every waiting request's.
      pending[0]?.(notFound());
      expect(await Promise.all(deliveries)).toEqual(Array(6).fill({ kind: 'refused', reason: 'network' }));
      // A request after it asks again.
      const later = deliver();
      await vi.waitFor(() => expect(lookup).toHaveBeenCalledTimes(2));
      pending[1]?.(notFound());
      expect(await later).toEqual({ kind: 'refused', reason: 'network' });
    } finally {
      for (const reject of pending) reject(notFound());
      lookup.mockRestore();
    }
  });
});
