/**
 * Outbound HTTP to addresses staff configure (site checks, webhooks), guarded
 * against server-side request forgery (OWASP ASVS 5.2.6): the *resolved*
 * address is checked, and the socket connects to exactly that address, because
 * the name is resolved once, inside the connection, by our own `lookup`. A
 * second resolution would let a name answer a public address to the check and
 * an internal one to the connection (DNS rebinding). Every redirect hop is
 * checked again. Nothing here logs: URLs and bodies may carry personal data.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** `refuse` keeps internal addresses out of reach; `allow` is for intranet sites and development. */
export type PrivateAddressPolicy = 'refuse' | 'allow';

export type OutboundRefusal =
  | 'address-refused'
  | 'timeout'
  | 'too-many-redirects'
  | 'redirect-refused'
  | 'bad-url'
  | 'network';

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /**
   * Redirects to follow, each hop checked like the first and only to http(s).
   * Absent: a redirect is answered like any other response, never followed.
   */
  maxRedirects?: number;
  /** Which redirect targets may be followed (all when absent); any other is refused (`redirect-refused`). */
  redirectAllowed?: (url: URL) => boolean;
  /** For the whole exchange: every hop, the body included. */
  timeoutMs: number;
  /** Response bytes read at most; the rest is dropped. 0: the body is not read (the status is the answer). */
  maxBytes: number;
  privateAddresses: PrivateAddressPolicy;
  /**
   * For tests only: they run servers on loopback, and need to call one of them
   * "public" to show that a redirect from it to another is refused. Never set
   * by production code.
   */
  testOnly?: {
    /** Replaces the public-address check (not consulted when private addresses are allowed). */
    isAllowedAddress?(address: string): boolean;
    /** Replaces DNS resolution. */
    resolve?(hostname: string): Promise<LookupAddress[]>;
  };
}

export interface OutboundResponse {
  kind: 'response';
  status: number;
  headers: IncomingHttpHeaders;
  /** UTF-8 text of at most `maxBytes` bytes. */
  body: string;
  /** The body was longer than `maxBytes`. */
  truncated: boolean;
}

export type OutboundResult = OutboundResponse | { kind: 'refused'; reason: OutboundRefusal };

/** https anywhere; plain http only to this machine (development, tests, a local adapter). */
export function secureOrLocal(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL's host names this machine (`localhost`, 127.0.0.1, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * For a delivery that only counts on a 2xx (webhooks, the SMS gateway): throws
 * on anything else, for the outbox to retry. The error is named
 * `<name>Unreachable` (code: the refusal) or `<name>Refused` (code `HTTP_<status>`),
 * so outbox records name what failed without the URL or the body.
 */
export function assertDelivered(res: OutboundResult, name: string, what: string): void {
  if (res.kind === 'refused')
    throw Object.assign(new Error(`${what} unreachable`), { name: `${name}Unreachable`, code: res.reason });
  if (res.status < 200 || res.status > 299)
    throw Object.assign(new Error(`${what} refused`), { name: `${name}Refused`, code: `HTTP_${res.status}` });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Addresses no staff-configured URL may reach: internal, local or not a single host. */
const REFUSED_IPV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, with 255.255.255.255 broadcast
] as const)
  REFUSED_IPV4.addSubnet(net, prefix, 'ipv4');

const REFUSED_IPV6 = new BlockList();
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const)
  REFUSED_IPV6.addSubnet(net, prefix, 'ipv6');

/** The 16 bytes of a valid IPv6 address (zone id ignored). */
export function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0] as string;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => Number.parseInt(w, 16)) : []);
  const left = words(head);
  const right = words(tail);
  const all =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4): judged as that address. */
function embeddedIpv4(bytes: number[]): string | null {
  const zero = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const v4 = (at: number) => bytes.slice(at, at + 4).join('.');
  if (zero(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12);
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12))
    return v4(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2);
  return null;
}

/** Whether an IP address is a public unicast one, fit for a staff-configured URL to reach. */
export function isPublicAddress(address: string): boolean {
  // Only what is an IP address as written can be public: the guard fails closed on anything else.
  const family = isIP(address);
  if (family === 4) return !REFUSED_IPV4.check(address, 'ipv4');
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  const v4 = embeddedIpv4(bytes);
  if (v4 !== null) return !REFUSED_IPV4.check(v4, 'ipv4');
  const canonical = (address.split('%')[0] as string).toLowerCase();
  return !REFUSED_IPV6.check(canonical, 'ipv6');
}

class AddressRefused extends Error {
  override name = 'AddressRefused';
  readonly code = 'EADDRREFUSED';
}

/**
 * Resolves once and hands the connection exactly the addresses it checked; a
 * name with any refused address is refused whole, whatever else it points at.
 */
function pinnedLookup(
  allowed: (address: string) => boolean,
  resolve: (hostname: string, family: number) => Promise<LookupAddress[]>,
  onRefused: () => void,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options.family === 4 || options.family === 6 ? options.family : 0).then(
      (addresses) => {
        const first = addresses[0];
        if (!first) callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
        else if (addresses.some((a) => !allowed(a.address))) {
          onRefused();
          callback(new AddressRefused('address refused'), '', 0);
        } else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function parseUrl(text: string, base?: URL): URL | null {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // fetch refuses credentials in URLs too; they would travel to every hop.
  if (url.username || url.password) return null;
  return url;
}

type Hop =
  | OutboundResponse
  | { kind: 'redirect'; status: number; location: string | undefined }
  | OutboundRefusal;

interface HopInput {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | undefined;
  following: boolean;
  maxBytes: number;
  signal: AbortSignal;
  allowed(address: string): boolean;
  resolve(hostname: string, family: number): Promise<LookupAddress[]>;
}

/** One request and its response, on a connection of its own (no pooled socket made under other rules). */
function exchange(input: HopInput): Promise<Hop> {
  const { url, signal } = input;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // Literal addresses never reach `lookup`: checked here, before connecting.
  if (isIP(host) && !input.allowed(host)) return Promise.resolve('address-refused');
  return new Promise<Hop>((settle) => {
    let done = false;
    let refused = false;
    const finish = (hop: Hop) => {
      if (done) return;
      done = true;
      settle(hop);
    };
    const failure = () => finish(refused ? 'address-refused' : signal.aborted ? 'timeout' : 'network');
    const transport = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = transport.request({
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: input.method,
        headers: {
          'user-agent': 'maxfiy',
          ...input.headers,
          ...(input.body !== undefined ? { 'content-length': String(Buffer.byteLength(input.body)) } : {}),
        },
        agent: false,
        lookup: pinnedLookup(input.allowed, input.resolve, () => {
          refused = true;
        }),
        signal,
      });
    } catch {
      // A header value the caller built badly, say: still an answer, never a throw.
      finish('network');
      return;
    }
    req.on('error', failure);
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.on('error', failure);
      res.on('close', failure);
      if (input.following && REDIRECTS.has(status)) {
        finish({ kind: 'redirect', status, location: res.headers.location });
        res.destroy();
        return;
      }
      const response = { kind: 'response' as const, status, headers: res.headers };
      if (input.maxBytes === 0) {
        finish({ ...response, body: '', truncated: false });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > input.maxBytes) {
          const body = Buffer.concat(chunks).subarray(0, input.maxBytes).toString('utf8');
          finish({ ...response, body, truncated: true });
          res.destroy();
        }
      });
      res.on('end', () =>
        finish({ ...response, body: Buffer.concat(chunks).toString('utf8'), truncated: false }),
      );
    });
    req.end(input.body);
  });
}

/**
 * The same address rule for a library that makes its own requests (the OIDC
 * provider's back-channel logout): a `lookup` that refuses a name resolving to
 * any refused address, and the literal-address check `lookup` never sees.
 * Undefined where private addresses are allowed.
 */
export function addressGuard(
  policy: PrivateAddressPolicy,
): { lookup: LookupFunction; literalAllowed(url: URL): boolean } | undefined {
  if (policy === 'allow') return undefined;
  return {
    lookup: pinnedLookup(isPublicAddress, systemResolve, () => {}),
    literalAllowed(url) {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      return !isIP(host) || isPublicAddress(host);
    },
  };
}

/**
 * Lookups under way, by family and name: a request for a name already being looked
 * up shares that answer. getaddrinfo runs on libuv's small thread pool, which the
 * database's fsync and file reads share, and cannot be cancelled: a name whose
 * servers never answer (a webhook subscriber runs its own DNS) holds a thread for
 * the resolver's whole timeout. Shared, such a name holds one thread however many
 * deliveries it has.
 */
const lookups = new Map<string, Promise<LookupAddress[]>>();

function systemResolve(hostname: string, family: number): Promise<LookupAddress[]> {
  const key = `${family}:${hostname}`;
  const under = lookups.get(key);
  if (under) return under;
  const started = dns.lookup(hostname, { all: true, family, verbatim: true });
  lookups.set(key, started);
  const forget = () => {
    if (lookups.get(key) === started) lookups.delete(key);
  };
  started.then(forget, forget);
  return started;
}

/** What `checkDestination` found. */
export type DestinationCheck = 'ok' | 'address-refused' | 'unresolved';

/** How long a check at configuration waits for the name to resolve. */
const CHECK_LOOKUP_MS = 5_000;

/**
 * Where a URL that staff configure would lead, checked when it is configured,
 * so a destination every request would refuse is refused at once with a reason
 * instead of filling the dead letters later. Under `refuse`, a literal address
 * must be public, and a name must resolve, to public addresses only. Every
 * request still checks again (`outboundRequest`): a name can change its addresses.
 */
export async function checkDestination(url: URL, policy: PrivateAddressPolicy): Promise<DestinationCheck> {
  if (policy === 'allow') return 'ok';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) return isPublicAddress(host) ? 'ok' : 'address-refused';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), CHECK_LOOKUP_MS);
  });
  try {
    const addresses = await Promise.race([systemResolve(host, 0), late]);
    if (addresses.length === 0) return 'unresolved';
    return addresses.every((a) => isPublicAddress(a.address)) ? 'ok' : 'address-refused';
  } catch {
    return 'unresolved';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One outbound exchange under the SSRF rules above. Never throws: a refusal
 * comes back typed and without the URL, so callers can report it as it is.
 */
export async function outboundRequest(request: OutboundRequest): Promise<OutboundResult> {
  const refused = (reason: OutboundRefusal): OutboundResult => ({ kind: 'refused', reason });
  const start = parseUrl(request.url);
  if (!start) return refused('bad-url');
  let url: URL = start;
  const isAllowed = request.testOnly?.isAllowedAddress ?? isPublicAddress;
  const allowed = (address: string) => request.privateAddresses === 'allow' || isAllowed(address);
  const testResolve = request.testOnly?.resolve;
  const resolve = testResolve ? (hostname: string) => testResolve(hostname) : systemResolve;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  let method = request.method ?? 'GET';
  let body = request.body;
  let headers = { ...request.headers };
  try {
    for (let hops = 0; ; hops++) {
      const hop = await exchange({
        url,
        method,
        headers,
        body,
        following: request.maxRedirects !== undefined,
        maxBytes: request.maxBytes,
        signal: timeout.signal,
        allowed,
        resolve,
      });
      if (typeof hop === 'string') return refused(hop);
      if (hop.kind === 'response') return hop;
      if (hops >= (request.maxRedirects ?? 0)) return refused('too-many-redirects');
      const next: URL | null = hop.location === undefined ? null : parseUrl(hop.location, url);
      if (!next) return refused('bad-url');
      if (request.redirectAllowed && !request.redirectAllowed(next)) return refused('redirect-refused');
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (hop.status === 303 || (method === 'POST' && (hop.status === 301 || hop.status === 302))) {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type']);
      }
      // Credentials meant for one origin do not follow a redirect to another.
      if (next.origin !== url.origin)
        headers = withoutHeaders(headers, ['authorization', 'cookie', 'proxy-authorization']);
      url = next;
    }
  } finally {
    clearTimeout(timer);
  }
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}
