import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { listDevInbox } from '../../mail/dev-inbox.store.js';
import { devSmsTransport } from './channels.js';
import { deviceSummary, maskPhone, parseContact } from './identity.crypto.js';

describe.each(databaseKinds())('the development SMS transport on %s', (kind) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase(kind);
  });
  afterEach(async () => t.cleanup());

  it('keeps the SMS in the development inbox and logs neither the number nor the text', async () => {
    const lines: string[] = [];
    const sms = devSmsTransport({
      database: t.database,
      clock: new ManualClock(),
      logger: { info: (obj, msg) => lines.push(JSON.stringify(obj) + msg) },
    });
    await sms.send('+998901234567', 'Your code is 123456.');
    const inbox = await listDevInbox(t.database.db, 10);
    expect(inbox).toEqual([expect.objectContaining({ to: ['sms:+998901234567'], subject: 'SMS' })]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('901234567');
    expect(lines[0]).not.toContain('123456');
    expect(lines[0]).toContain('+998…67');
  });
});

describe('contacts and devices', () => {
  it('sorts what the customer typed into an e-mail or a phone number', () => {
    expect(parseContact('  Dilnoza@Example.UZ ')).toEqual({ channel: 'email', value: 'dilnoza@example.uz' });
    expect(parseContact('+998 (90) 123-45-67')).toEqual({ channel: 'sms', value: '+998901234567' });
    expect(maskPhone('+998901234567')).toBe('+998…67');
  });

  it('names a device the way a person recognises it, without version details', () => {
    expect(
      deviceSummary(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
      ),
    ).toBe('Safari on macOS');
    expect(
      deviceSummary('Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36'),
    ).toBe('Chrome on Android');
    expect(deviceSummary(undefined)).toBe('a browser on an unknown system');
  });
});
