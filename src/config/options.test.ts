import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertOwnDataDir, ConfigError, ENV_NAMES, loadOptions, OptionsSchema } from './options.js';

describe('options', () => {
  it('has a safe default for everything', () => {
    const o = loadOptions({}, {});
    expect(o.port).toBe(8080);
    expect(o.host).toBe('127.0.0.1');
    expect(o.databaseUrl).toBe('');
    expect(o.keyFile).toBe(path.join('data', 'keys', 'kek.json'));
    // The settings that guard people's data, at their safe values.
    expect(o).toMatchObject({
      // The development inbox only while the public address is this machine (see the relay test).
      publicUrl: 'http://localhost:8080',
      smtpUrl: '',
      trustProxy: false,
      outboundPrivateAddresses: 'refuse',
      rateLimitPerMinute: 600,
      bodyLimit: 1024 * 1024,
      agreementContinuedUseCountsAsAcceptance: false,
      agreementPublishStandingDays: 7,
      smsPerHour: 1000,
      smsAbroadPerHour: 50,
    });
  });

  it('takes the environment over the defaults', () => {
    const o = loadOptions({}, { MAXFIY_PORT: '9090', MAXFIY_IN_PROCESS_WORKER: 'false' });
    expect(o.port).toBe(9090);
    expect(o.inProcessWorker).toBe(false);
  });

  it('refuses an invalid field, naming it', () => {
    expect(() => loadOptions({}, { MAXFIY_PORT: 'eighty' })).toThrow(/MAXFIY_PORT/);
    expect(() => loadOptions({}, { MAXFIY_PORT: '70000' })).toThrow(/"port"/);
    expect(() => loadOptions({}, { MAXFIY_PUBLIC_URL: 'ftp://x' })).toThrow(/"publicUrl"/);
    // Past the pattern, still no URL: one line and exit 2 at start, not a TypeError.
    for (const url of ['https://', 'http://exa mple.uz'])
      expect(() => loadOptions({}, { MAXFIY_PUBLIC_URL: url }), url).toThrow(ConfigError);
  });

  it('needs a mail relay for a public address that is not this machine, and takes only an SMTP URL with a host', () => {
    const smtp = (env: Record<string, string>) => () => loadOptions({}, env);
    // The development inbox, which staff read in the console, is for this machine only.
    expect(smtp({ MAXFIY_PUBLIC_URL: 'https://maxfiy.cdti.uz' })).toThrow(
      /"smtpUrl": required when publicUrl/,
    );
    expect(smtp({ MAXFIY_PUBLIC_URL: 'http://127.0.0.1:8080' })).not.toThrow();
    const on = (url: string) => ({ MAXFIY_PUBLIC_URL: 'https://maxfiy.cdti.uz', MAXFIY_SMTP_URL: url });
    expect(smtp(on('smtps://maxfiy:secret@relay.cdti.uz:465'))).not.toThrow();
    expect(smtp(on('smtp://relay.cdti.uz:587'))).not.toThrow();
    for (const bad of ['relay.cdti.uz', 'http://relay.cdti.uz', 'smtp://', 'smtp:relay'])
      expect(smtp(on(bad)), bad).toThrow(/"smtpUrl"/);
  });

  it('reads the proxy setting as Fastify takes it, and refuses one it would not', () => {
    const proxy = (value: string) => loadOptions({}, { MAXFIY_TRUST_PROXY: value }).trustProxy;
    expect(proxy('true')).toBe(true);
    expect(proxy('false')).toBe(false);
    expect(proxy('10.0.0.0/8, 192.0.2.1,2001:db8::/32,loopback,172.16.0.0/255.240.0.0')).toBe(
      '10.0.0.0/8, 192.0.2.1,2001:db8::/32,loopback,172.16.0.0/255.240.0.0',
    );
    // `1` is refused, not read as true: meant as "one hop", trusting every hop would let clients pick their address.
    for (const bad of [
      '1',
      '0',
      'yes',
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/33',
      '2001:db8::/129',
      '192.0.2.1/8/8',
      '10.0.0.0/x',
      '10.0.0.1,',
    ])
      expect(() => proxy(bad), bad).toThrow(ConfigError);
    expect(() => proxy('yes')).toThrow(/"trustProxy".*"yes"/);
    expect(() => loadOptions({ trustProxy: 'proxy.internal' }, {})).toThrow(/"trustProxy"/);
  });

  it('takes an SMS gateway only where codes and its token cannot cross the network in clear', () => {
    const gateway = (value: string) => loadOptions({}, { MAXFIY_SMS_GATEWAY_URL: value }).smsGatewayUrl;
    expect(gateway('https://sms.example.uz/send')).toBe('https://sms.example.uz/send');
    expect(gateway('http://127.0.0.1:9000/send')).toBe('http://127.0.0.1:9000/send');
    expect(() => gateway('http://sms.example.uz/send')).toThrow(/"smsGatewayUrl": must be https/);
    expect(() => gateway('https://user:secret@sms.example.uz/send')).toThrow(/"smsGatewayUrl": credentials/);
    expect(() => gateway('https://user:secret@sms.example.uz/send')).not.toThrow(/secret/);
    expect(() => gateway('ftp://sms.example.uz')).toThrow(/"smsGatewayUrl"/);
  });

  it('refuses a configuration file with an unknown or invalid field, naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 1, colour: 'red' }));
    expect(() => loadOptions({}, { MAXFIY_CONFIG: file })).toThrow(/"colour"/);
    writeFileSync(file, JSON.stringify({ logLevel: 'loud' }));
    expect(() => loadOptions({}, { MAXFIY_CONFIG: file })).toThrow(/"logLevel"/);
    writeFileSync(file, '{ not json');
    expect(() => loadOptions({}, { MAXFIY_CONFIG: file })).toThrow(ConfigError);
    chmodSync(file, 0o000);
    if (process.getuid?.() !== 0)
      expect(() => loadOptions({}, { MAXFIY_CONFIG: file })).toThrow(/cannot be read/);
  });

  it('refuses root on a data folder another account owns, whose files the server could not read after', () => {
    const own = mkdtempSync(path.join(tmpdir(), 'maxfiy-own-'));
    expect(() => assertOwnDataDir(own)).not.toThrow();
    expect(() => assertOwnDataDir(path.join(own, 'not-made-yet'))).not.toThrow();
    if (process.getuid?.() === 0) {
      const other = mkdtempSync(path.join(tmpdir(), 'maxfiy-other-'));
      chownSync(other, 65534, 65534);
      expect(() => assertOwnDataDir(other)).toThrow(/belongs to uid 65534, and this runs as uid 0/);
    } else {
      // Another account on root's folder (a container volume writable by its group) is let be.
      expect(() => assertOwnDataDir('/')).not.toThrow();
    }
  });

  it('documents every option and its environment variable in docs/configuration.md', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    for (const key of Object.keys(OptionsSchema.properties)) {
      expect(doc, key).toContain(`| \`${key}\` |`);
      expect(doc, key).toContain(ENV_NAMES[key as keyof typeof ENV_NAMES]);
    }
  });
});
