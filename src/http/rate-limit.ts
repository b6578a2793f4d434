import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MaxfiyError } from '../errors.js';
import { ipv6Bytes } from './outbound.js';

/**
 * Clients counted at most. Past this many, the one counted longest is
 * forgotten for each newcomer: rotating addresses cannot grow the table, and
 * filling it cannot get a newcomer refused for requests it never made. (A
 * shared count for newcomers would: an address range could then shut every
 * new client out.)
 */
const MOST_CLIENTS = 100_000;
/** What a client whose address is no IP address is counted under (a forwarded header gone wrong). */
const NO_ADDRESS = 'no-address';

/**
 * The key a client is counted under. An IPv6 client is its /64: the least a
 * network gives one device or subscriber (mobile networks give each device
 * one), and it can hop between the addresses in it. An IPv6 address that
 * stands for an IPv4 one (mapped, 6to4) is that IPv4 client, as the outbound
 * checks read it. Anything else, which only a misconfigured proxy header can
 * bring, is one client: never a key of the sender's choosing.
 */
export function clientKey(ip: string): string {
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return NO_ADDRESS;
  const bytes = ipv6Bytes(ip);
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12, 16).join('.');
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6).join('.');
  return `${Buffer.from(bytes.slice(0, 8)).toString('hex')}/64`;
}

export interface RateLimitOptions {
  /** Requests a client may make in one window. */
  max: number;
  windowMs: number;
  now: () => number;
  /** Requests never counted (operators' probes). */
  exempt: (request: FastifyRequest) => boolean;
  mostClients?: number;
}

/**
 * Requests per client in a window that starts with its first request, counted
 * in this process; past `max` the answer is MXF_REQUEST_RATE_LIMITED with
 * `Retry-After`. It runs before any route's own hooks, so a flood is refused
 * before credentials are checked or a body is read. One synchronous hook and a
 * map: the generic plugin this replaces cost about 3 µs per request in awaits
 * and headers, an eighth of a single decision's whole CPU.
 */
export function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions): void {
  const mostClients = opts.mostClients ?? MOST_CLIENTS;
  const counts = new Map<string, { n: number; resetAt: number }>();
  app.addHook('onRequest', (request, _reply, done) => {
    if (opts.exempt(request)) return done();
    const now = opts.now();
    // The map is in the order windows began, so the ended ones are at its front:
    // each request clears what ended before it, a few at a time, never a whole sweep.
    for (const [key, count] of counts) {
      if (count.resetAt > now) break;
      counts.delete(key);
    }
    const key = clientKey(request.ip);
    let count = counts.get(key);
    if (count === undefined && counts.size >= mostClients) {
      const oldest = counts.keys().next().value;
      if (oldest !== undefined) counts.delete(oldest);
    }
    if (count === undefined || count.resetAt <= now) {
      // Deleted and set again, so the map's order stays the order windows began in.
      counts.delete(key);
      count = { n: 0, resetAt: now + opts.windowMs };
      counts.set(key, count);
    }
    count.n += 1;
    if (count.n <= opts.max) return done();
    done(
      new MaxfiyError('MXF_REQUEST_RATE_LIMITED', { retryAfter: Math.ceil((count.resetAt - now) / 1000) }),
    );
  });
}
