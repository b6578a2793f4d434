import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { isLoopbackHost, secureOrLocal } from '../http/outbound.js';

/**
 * Every option maxfiy reads, with the default that is safe in production and the
 * environment variable that overrides it. `docs/configuration.md` is the operator's
 * copy of this table; a test keeps the two in step.
 */
export const OptionsSchema = Type.Object(
  {
    /** TCP port of the HTTP server. */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Interface to bind. Loopback by default: put a TLS proxy in front for the world. */
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    /**
     * Trust `X-Forwarded-For` from a proxy in front: `true`, or a comma-separated list of
     * proxy addresses/CIDRs (checked at start; `loopback`, `linklocal`, `uniquelocal` too). Off by default, so a client cannot pick its own address for
     * throttling and the audit log.
     */
    trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })], { default: false }),
    /** The public base URL, used in links that leave the server (mail, OIDC, receipts). */
    publicUrl: Type.String({ pattern: '^https?://', default: 'http://localhost:8080' }),
    /** Where the embedded database, the key file and backups live. */
    dataDir: Type.String({ minLength: 1, default: './data' }),
    /** `postgres://…` for server mode; empty means the embedded SQLite file `<dataDir>/maxfiy.db`. */
    databaseUrl: Type.String({ default: '' }),
    /** The key-encryption-key file, created with mode 0600 on first start. */
    keyFile: Type.String({ default: '' }),
    /** The company, its products and sites, loaded into an empty database on first start. */
    companyFile: Type.String({ minLength: 1, default: './config/company.json' }),
    /** pino level. Personal data is never logged at any level. */
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
    /** Largest request body accepted, in bytes. */
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 50 * 1024 * 1024, default: 1024 * 1024 }),
    /** Requests per minute per client address before 429. */
    rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, default: 600 }),
    /** Outgoing mail: `smtp://host:port` of a real relay, or empty for the built-in development inbox. */
    smtpUrl: Type.String({ default: '' }),
    /**
     * An HTTP SMS gateway for phone verification codes: maxfiy POSTs
     * `{"to":"+998…","text":"…"}` as JSON, with `smsGatewayToken` as a bearer
     * token; any 2xx counts as sent, anything else is retried through the
     * outbox. Empty: SMS go to the development inbox, and only while it is on
     * (no `smtpUrl`); with neither, phone numbers are refused where a code must
     * be sent (MXF_IDENTITY_SMS_UNAVAILABLE).
     */
    smsGatewayUrl: Type.String({ pattern: '^(https?://.+)?$', default: '' }),
    /** The SMS gateway's bearer token (a secret: set it in the environment). */
    smsGatewayToken: Type.String({ default: '' }),
    /** SMS per clock hour to all numbers together; a code over it is refused (MXF_IDENTITY_SMS_BUDGET_SPENT). */
    smsPerHour: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 1000 }),
    /** SMS per clock hour to the numbers of any one country other than the home country. */
    smsAbroadPerHour: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 50 }),
    /** The home country's calling code, digits only: its numbers count against `smsPerHour` alone. */
    smsHomeCallingCode: Type.String({ pattern: '^[1-9][0-9]{0,2}$', default: '998' }),
    /** Sender address of outgoing mail. */
    mailFrom: Type.String({ minLength: 3, default: 'maxfiy <no-reply@localhost>' }),
    /** Port of the development inbox's SMTP server on loopback (0 picks a free one). */
    devInboxPort: Type.Integer({ minimum: 0, maximum: 65535, default: 2525 }),
    /** Run the outbox worker inside the server process; turn off when `maxfiy worker` runs apart. */
    inProcessWorker: Type.Boolean({ default: true }),
    /** How often the worker polls the outbox, in milliseconds. */
    workerPollMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 500 }),
    /** Attempts before an outbox message goes to the dead-letter state. */
    outboxMaxAttempts: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** A signed tree head is issued after this many new audit entries … */
    treeHeadEveryEntries: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, default: 1000 }),
    /** … or after this many seconds with at least one new entry. */
    treeHeadEverySeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
    /** Milliseconds the server waits for requests in flight on SIGTERM before it closes them. */
    shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 }),
    /**
     * Whether a customer's continued use after a new agreement version takes effect counts as
     * accepting it (§20): then the first use after that date is recorded as a "continued use"
     * acceptance. Off by default: explicit re-acceptance is required.
     */
    agreementContinuedUseCountsAsAcceptance: Type.Boolean({ default: false }),
    /**
     * Days each of the two people who publish a version (a DPO and a legal
     * member) must have held their account unchanged (roles, status, sign-in)
     * before the approval. One administrator can invite a DPO and a legal
     * address of their own, or reset a member's sign-in and take the link;
     * this gives the auditor and the other members that long to see it in the
     * audit log before such accounts can publish. 0 turns it off.
     */
    agreementPublishStandingDays: Type.Integer({ minimum: 0, maximum: 90, default: 7 }),
    /** Where compromise reports go (the security team); empty means `security@localhost`, read in the development inbox. */
    securityEmail: Type.String({ default: '' }),
    /** A customer session unused this many minutes ends. */
    sessionIdleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60, default: 30 }),
    /** A customer session ends this many days after sign-in however active it is. */
    sessionMaxDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
    /**
     * Whether staff-configured URLs (site checks, webhooks) may reach loopback, private,
     * link-local and other internal addresses. Refused by default, so a site or subscriber
     * cannot point maxfiy at cloud metadata or an admin port; `allow` for intranet sites
     * and development.
     */
    outboundPrivateAddresses: Type.Union([Type.Literal('refuse'), Type.Literal('allow')], {
      default: 'refuse',
    }),
  },
  { additionalProperties: false },
);

export type Options = Static<typeof OptionsSchema>;

/** Environment variable for each option. */
export const ENV_NAMES: Record<keyof Options, string> = {
  port: 'MAXFIY_PORT',
  host: 'MAXFIY_HOST',
  trustProxy: 'MAXFIY_TRUST_PROXY',
  publicUrl: 'MAXFIY_PUBLIC_URL',
  dataDir: 'MAXFIY_DATA_DIR',
  databaseUrl: 'MAXFIY_DATABASE_URL',
  keyFile: 'MAXFIY_KEY_FILE',
  companyFile: 'MAXFIY_COMPANY_FILE',
  logLevel: 'MAXFIY_LOG_LEVEL',
  bodyLimit: 'MAXFIY_BODY_LIMIT',
  rateLimitPerMinute: 'MAXFIY_RATE_LIMIT_PER_MINUTE',
  smtpUrl: 'MAXFIY_SMTP_URL',
  smsGatewayUrl: 'MAXFIY_SMS_GATEWAY_URL',
  smsGatewayToken: 'MAXFIY_SMS_GATEWAY_TOKEN',
  smsPerHour: 'MAXFIY_SMS_PER_HOUR',
  smsAbroadPerHour: 'MAXFIY_SMS_ABROAD_PER_HOUR',
  smsHomeCallingCode: 'MAXFIY_SMS_HOME_CALLING_CODE',
  mailFrom: 'MAXFIY_MAIL_FROM',
  devInboxPort: 'MAXFIY_DEV_INBOX_PORT',
  inProcessWorker: 'MAXFIY_IN_PROCESS_WORKER',
  workerPollMs: 'MAXFIY_WORKER_POLL_MS',
  outboxMaxAttempts: 'MAXFIY_OUTBOX_MAX_ATTEMPTS',
  treeHeadEveryEntries: 'MAXFIY_TREE_HEAD_EVERY_ENTRIES',
  treeHeadEverySeconds: 'MAXFIY_TREE_HEAD_EVERY_SECONDS',
  shutdownGraceMs: 'MAXFIY_SHUTDOWN_GRACE_MS',
  agreementContinuedUseCountsAsAcceptance: 'MAXFIY_AGREEMENT_CONTINUED_USE',
  agreementPublishStandingDays: 'MAXFIY_AGREEMENT_PUBLISH_STANDING_DAYS',
  securityEmail: 'MAXFIY_SECURITY_EMAIL',
  sessionIdleMinutes: 'MAXFIY_SESSION_IDLE_MINUTES',
  sessionMaxDays: 'MAXFIY_SESSION_MAX_DAYS',
  outboundPrivateAddresses: 'MAXFIY_OUTBOUND_PRIVATE_ADDRESSES',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = OptionsSchema.properties as Record<string, { type?: string }>;
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const raw = env[name];
    if (raw === undefined) continue;
    const type = props[key]?.type;
    if (type === 'integer') {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name}: expected a whole number`);
      out[key] = Number(raw);
    } else if (key === 'trustProxy') {
      // Not `1`/`0`: elsewhere `1` often means "one proxy hop", and read as
      // "trust every hop" it would let any client choose its own address.
      out[key] = raw === 'true' ? true : raw === 'false' ? false : raw;
    } else if (type === 'boolean') {
      if (!/^(true|false|1|0)$/.test(raw)) throw new ConfigError(`${name}: expected true or false`);
      out[key] = raw === 'true' || raw === '1';
    } else {
      out[key] = raw;
    }
  }
  return out;
}

/**
 * Options come from, in rising precedence: defaults, the JSON file named by
 * MAXFIY_CONFIG (or `./maxfiy.config.json` when present), the environment, and
 * `overrides` (tests, CLI flags). An invalid field stops the start, naming the field.
 */
export function loadOptions(overrides: Partial<Options> = {}, env: NodeJS.ProcessEnv = process.env): Options {
  const file = env.MAXFIY_CONFIG ?? (existsSync('maxfiy.config.json') ? 'maxfiy.config.json' : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`configuration file ${file} cannot be read`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch {
      throw new ConfigError(`configuration file ${file} is not valid JSON`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new ConfigError(`configuration file ${file} must hold a JSON object`);
    }
  }
  const merged = Value.Default(OptionsSchema, { ...fromFile, ...fromEnv(env), ...overrides }) as Record<
    string,
    unknown
  >;
  const first = Value.Errors(OptionsSchema, merged)[0];
  if (first) {
    const field =
      first.instancePath.replace(/^\//, '') ||
      (first.params as { additionalProperties?: string[] })?.additionalProperties?.[0] ||
      'configuration';
    throw new ConfigError(`invalid configuration field "${field}": ${first.message}`);
  }
  const options = merged as Options;
  if (typeof options.trustProxy === 'string') {
    const bad = options.trustProxy.split(',').find((a) => !isAddressOrCidr(a.trim()));
    if (bad !== undefined)
      throw new ConfigError(
        `invalid configuration field "trustProxy": expected true, false, or the proxies' addresses or ranges separated by commas (10.0.0.1, 10.0.0.0/8), not "${bad.trim()}"`,
      );
  }
  if (!URL.canParse(options.publicUrl) || !new URL(options.publicUrl).hostname)
    throw new ConfigError(
      `invalid configuration field "publicUrl": not a URL with a host (${options.publicUrl})`,
    );
  const smtp = smtpProblem(options);
  if (smtp) throw new ConfigError(`invalid configuration field "smtpUrl": ${smtp}`);
  if (options.smsGatewayUrl) {
    const why = smsGatewayProblem(options.smsGatewayUrl);
    if (why) throw new ConfigError(`invalid configuration field "smsGatewayUrl": ${why}`);
  }
  if (!options.keyFile) options.keyFile = path.join(options.dataDir, 'keys', 'kek.json');
  return options;
}

/**
 * What the proxy setting may list: an address (`192.0.2.1`, `2001:db8::1`), a
 * range (`10.0.0.0/8`, `2001:db8::/32`), or one of the named ranges Fastify's
 * proxy-addr knows (`loopback`, `linklocal`, `uniquelocal`).
 */
function isAddressOrCidr(text: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(text)) return true;
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  // proxy-addr takes a zone of letters and digits only (fe80::1%eth0, not %eth0.100 or %br-lan).
  const zone = address.split('%')[1];
  if (zone !== undefined && !/^[0-9a-z]+$/i.test(zone)) return false;
  if (bits === undefined) return true;
  // An IPv4 range may also be written with its netmask (10.0.0.0/255.0.0.0): ones, then zeros, and not all zeros.
  if (family === 4 && isIP(bits) === 4) {
    const mask = bits.split('.').reduce((m, octet) => m * 256 + Number(octet), 0);
    const zeros = 2 ** 32 - 1 - mask;
    return mask !== 0 && (zeros & (zeros + 1)) === 0;
  }
  // At least one fixed bit: proxy-addr refuses /0, and "everyone" is `true`.
  return /^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * The relay must be an SMTP URL with a host. With none, mail goes to the
 * development inbox, which staff read in the console, customers' sign-in and
 * reset codes included: that is for this machine only, so a public address
 * that is not this machine needs a relay.
 */
function smtpProblem(options: Options): string | undefined {
  if (!options.smtpUrl) {
    const publicHost = new URL(options.publicUrl).hostname;
    if (isLoopbackHost(publicHost)) return undefined;
    return `required when publicUrl is not this machine (${publicHost}): without a relay, mail goes to the development inbox, where staff could read customers' codes`;
  }
  if (!URL.canParse(options.smtpUrl)) return 'not a URL: expected smtp://host:port or smtps://host:465';
  const url = new URL(options.smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return 'expected smtp://host:port or smtps://host:465';
  if (!url.hostname) return 'the relay host is missing';
  return undefined;
}

/**
 * Why the SMS gateway's URL cannot carry codes, or undefined: it must parse,
 * hold no credentials (the token goes in a header, and the outbound guard
 * refuses such URLs), and be https, or http on a loopback host only, since
 * the codes and the token would otherwise cross the network in clear.
 */
function smsGatewayProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'credentials belong in smsGatewayToken, not in the URL';
  if (!secureOrLocal(url)) return 'must be https (plain http only on a loopback host)';
  return undefined;
}

/**
 * Refuses root on a data folder another account owns. Run as root on the
 * service account's folder, a command leaves files (the key file after a
 * rotation, the database after a restore) that the server, running as that
 * account, can no longer read. Any other account writes only what its own
 * permissions allow, and a folder owned by root but writable by the service's
 * group (a container volume, say) is a fine home for it. Where there is no
 * such folder yet, or no uid (Windows), there is nothing to check.
 */
export function assertOwnDataDir(dataDir: string): void {
  const me = process.getuid?.();
  if (me !== 0 || !existsSync(dataDir)) return;
  const owner = statSync(dataDir).uid;
  if (owner !== me)
    throw new ConfigError(
      `the data folder ${dataDir} belongs to uid ${owner}, and this runs as uid ${me}: run it as the folder's owner (for example sudo -u maxfiy), or files it writes would be unreadable to the server`,
    );
}
