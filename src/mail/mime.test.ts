import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { decodeHeader, decodeQuotedPrintable, parseMail } from './mime.js';

/** What nodemailer writes for `mail`, without sending it anywhere. */
async function compose(mail: SendMailOptions): Promise<string> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail({ from: 'maxfiy <no-reply@localhost>', to: 'a@example.uz', ...mail });
  return (info.message as Buffer).toString('utf8');
}

describe('MIME reader', () => {
  it('decodes RFC 2047 encoded words in B and Q form, joining adjacent words', () => {
    expect(decodeHeader('=?UTF-8?B?0KHQsNC70L7QvA==?= =?UTF-8?Q?_=D0=B4=D1=83=D0=BD=D1=91?=')).toBe(
      'Салом дунё',
    );
    expect(decodeHeader('Re: =?utf-8?q?caf=C3=A9?= ok')).toBe('Re: café ok');
    // A character split between two words still decodes.
    expect(decodeHeader('=?UTF-8?Q?=D1?= =?UTF-8?Q?=9E?=')).toBe('ў');
    expect(decodeHeader('plain subject')).toBe('plain subject');
  });

  it('decodes quoted-printable with soft line breaks', () => {
    expect(decodeQuotedPrintable('a=3Db=\nc =D1=9E\nnext').toString('utf8')).toBe('a=bc ў\nnext');
  });

  it.each([
    [
      'Uzbek Cyrillic (base64)',
      'Ҳурматли мижоз, маълумотларингиз ҳимояланган. Ўзгартириш учун қуйидаги ҳаволани босинг.',
    ],
    [
      'mostly ASCII (quoted-printable)',
      'Hello, this line is long enough to be folded by the encoder — with one dash and ў. '.repeat(3),
    ],
    ['plain ASCII (7bit)', 'Hello\nsecond line'],
  ])('reads back text and HTML of a multipart/alternative message: %s', async (_name, text) => {
    const subject = `Маълумот ҳимояси: ${text.split('\n')[0]?.slice(0, 40)}`;
    const html = `<p>${text}</p>\n<p>Ўзбекистон — ғ, қ, ҳ</p>`;
    const raw = await compose({ subject, text, html });
    expect(raw).toContain('multipart/alternative');
    const parsed = parseMail(raw);
    expect(parsed).toEqual({ subject, from: 'maxfiy <no-reply@localhost>', text, html });
  });

  it('reads a single-part message and skips attachments', async () => {
    expect(parseMail(await compose({ subject: 'Тест', text: 'Фақат матн' }))).toMatchObject({
      text: 'Фақат матн',
      html: null,
    });
    const raw = await compose({
      subject: 'with file',
      text: 'body',
      attachments: [{ filename: 'a.txt', content: 'not the body', contentType: 'text/plain' }],
    });
    expect(parseMail(raw).text).toBe('body');
  });

  it('survives malformed input without throwing', () => {
    for (const raw of [
      '',
      'no headers at all',
      'Content-Type: multipart/mixed\n\n--x\n',
      'Subject: =?bogus?X?zz?=\n\nhi',
    ]) {
      expect(() => parseMail(raw)).not.toThrow();
    }
    expect(parseMail('Subject: =?x-unknown?B?0KHQsNC70L7QvA==?=\n\nhi').subject).toBe('Салом');
  });
});
