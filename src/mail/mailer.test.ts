import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from './mailer.js';

/** A relay on a loopback address that offers no STARTTLS, as one whose offer was stripped on the way would. */
async function plainRelay(host: string) {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      let text = '';
      stream.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      stream.on('end', () => {
        received.push(text);
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the SMTP mailer', () => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });
  const mail = { to: 'dilnoza@example.uz', subject: 'Kod', text: 'Kirish kodi: 123456' };

  it('sends nothing in clear to a relay on another machine: smtp:// must upgrade with STARTTLS', async () => {
    // 127.0.0.2 is loopback to the kernel, but not this machine by name: it stands for another host.
    const relay = await plainRelay('127.0.0.2');
    closing.push(relay.close);
    const mailer = createSmtpMailer({ smtpUrl: `smtp://127.0.0.2:${relay.port}`, from: 'maxfiy@cdti.uz' });
    closing.push(async () => mailer.close());
    await expect(mailer.send(mail)).rejects.toThrow(/STARTTLS/i);
    expect(relay.received).toEqual([]);
  });

  it('sends to a relay on this machine without TLS, as the development inbox is', async () => {
    const relay = await plainRelay('127.0.0.1');
    closing.push(relay.close);
    const mailer = createSmtpMailer({ smtpUrl: `smtp://127.0.0.1:${relay.port}`, from: 'maxfiy@cdti.uz' });
    closing.push(async () => mailer.close());
    await mailer.send(mail);
    expect(relay.received).toEqual([expect.stringContaining('Kirish kodi: 123456')]);
  });
});
