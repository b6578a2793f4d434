import * as opaque from '@serenity-kit/opaque';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { databaseKinds } from '../../../test/helpers/db.js';
import { ManualClock } from '../../clock.js';
import { LANGUAGES, type Language } from '../../i18n/errors-define.js';
import { TEST_KEY_STRETCHING } from '../staff/staff.testkit.js';
import { CHROME, customerBrowser, FIREFOX, inboxFor, lastCode, signUp } from './identity.testkit.js';
import { customerTexts, languageFor, messages, requestLanguage } from './messages.js';

const SITE = 'https://id.example.uz';
const LINK = `${SITE}/compromise?token=abc`;

/** Every customer message in one language, with the values it must carry. */
function allIn(lang: Language) {
  const code = (purpose: 'signup' | 'reset' | 'contact') => ({
    message: messages.code(lang, '123456', purpose),
    values: ['123456'],
  });
  return {
    codeSignup: code('signup'),
    codeReset: code('reset'),
    codeContact: code('contact'),
    alreadyRegistered: { message: messages.alreadyRegistered(lang, SITE), values: [`${SITE}/signin`] },
    contactInUse: { message: messages.contactInUse(lang), values: [] },
    // deviceSummary's generic words, which each language spells its own way.
    newDevice: { message: messages.newDevice(lang, 'a browser on an unknown system', LINK), values: [LINK] },
    securityChange: { message: messages.securityChange(lang, 'grant', LINK), values: [LINK] },
    compromiseDone: { message: messages.compromiseDone(lang, SITE), values: [`${SITE}/reset`] },
    passwordChanged: { message: messages.passwordChanged(lang), values: [] },
  } satisfies Record<keyof typeof customerTexts, unknown>;
}

/** What is left of a text once URLs and the product's name are taken out. */
const words = (s: string) => s.replace(/https?:\/\/\S+/g, ' ').replaceAll('maxfiy', ' ');

describe('customer messages in every language', () => {
  it.each(LANGUAGES)('%s: every message is written out and keeps its code or link', (lang) => {
    for (const [name, { message, values }] of Object.entries(allIn(lang))) {
      expect(message.subject.trim(), name).not.toBe('');
      expect(message.text.trim(), name).not.toBe('');
      expect(`${message.subject} ${message.text}`, name).not.toMatch(/\{\w+\}/);
      for (const v of values) expect(message.text, name).toContain(v);
      // Each language is its own text, not another's.
      for (const other of LANGUAGES.filter((l) => l !== lang))
        expect(message.text, `${name} ${lang}/${other}`).not.toBe(
          allIn(other)[name as keyof ReturnType<typeof allIn>].message.text,
        );
    }
    for (const { message } of Object.values(allIn(lang)).filter((m) => m.values[0] === '123456'))
      expect(message.subject).toMatch(/: 123456$/);
  });

  it('writes oʻ and gʻ with U+02BB in Uzbek Latin, never an apostrophe look-alike', () => {
    const texts = Object.values(allIn('uz-Latn')).map(({ message }) => `${message.subject} ${message.text}`);
    for (const text of texts) expect(text).not.toMatch(/[oOgG]['‘’ʼ`´]/);
    expect(texts.join(' ')).toMatch(/[oOgG]\u02BB/);
  });

  it.each(['uz-Cyrl', 'ru'] as const)('%s texts are Cyrillic, Latin only in "maxfiy" and URLs', (lang) => {
    for (const [name, { message }] of Object.entries(allIn(lang))) {
      expect(words(message.subject), name).not.toMatch(/[A-Za-z]/);
      expect(words(message.text), name).not.toMatch(/[A-Za-z]/);
      expect(message.text, name).toMatch(/[\u0400-\u04FF]/);
    }
  });

  it.each(LANGUAGES)(
    '%s: names each security change in its own words, in the language of the mail',
    (lang) => {
      const texts = (['passkey', 'totp', 'grant'] as const).map(
        (c) => messages.securityChange(lang, c, LINK).text,
      );
      expect(new Set(texts).size).toBe(3);
      for (const text of texts) {
        expect(text).toContain(LINK);
        if (lang === 'uz-Cyrl' || lang === 'ru') expect(words(text)).not.toMatch(/[A-Za-z]/);
        if (lang === 'uz-Latn') expect(text).not.toMatch(/[\u0400-\u04FF]|[oOgG]['‘’ʼ`´]/);
      }
    },
  );

  it('keeps browser and system names and localises the rest of the device summary', () => {
    expect(messages.newDevice('ru', 'Firefox on Linux', LINK).text).toContain('Firefox (Linux)');
    expect(messages.newDevice('en', 'Firefox on Linux', LINK).text).toContain('Firefox on Linux');
  });

  it('keeps the security team mail in English', () => {
    expect(messages.securityIncident('01ABC', 'link')).toEqual({
      subject: 'Compromise report 01ABC',
      text: expect.stringContaining('A customer reported a compromised account (source: link)'),
    });
  });

  it('chooses the stored locale, then the request, then uz-Cyrl', () => {
    expect(languageFor('uz-Latn', 'ru')).toBe('uz-Latn');
    expect(languageFor(null, 'ru')).toBe('ru');
    expect(languageFor('xx', undefined)).toBe('uz-Cyrl');
    expect(languageFor(undefined, undefined)).toBe('uz-Cyrl');
    const req = (query: unknown, accept?: string) => ({ query, headers: { 'accept-language': accept } });
    expect(requestLanguage(req({ lang: 'en' }, 'ru'))).toBe('en');
    expect(requestLanguage(req({ lang: ['en', 'ru'] }, 'ru-RU,ru;q=0.9'))).toBe('ru');
    expect(requestLanguage(req({}, 'de, uz-Latn;q=0.5'))).toBe('uz-Latn');
    expect(requestLanguage(req(undefined))).toBe('uz-Cyrl');
  });
});

const EMAIL = 'dilnoza@example.uz';
const PASSWORD = 'qovun-pishdi 2026!';

describe.each(databaseKinds())('customer messages over HTTP on %s', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    t = await createTestApp(kind, { clock });
  });
  afterEach(async () => t.close());

  const start = (path: string, contact: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: path,
      payload: { contact },
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('writes the sign-up code in the language of the request (Accept-Language: ru, or ?lang=)', async () => {
    const res = await start('/v1/signup/start', EMAIL, { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    expect(res.statusCode).toBe(202);
    const code = await lastCode(t, EMAIL);
    const [mail] = await inboxFor(t, EMAIL);
    const ru = messages.code('ru', code, 'signup');
    expect({ subject: mail?.subject, text: mail?.text.trimEnd() }).toEqual(ru);
    expect(mail?.text).toContain('Ваш код для создания учётной записи');

    await start('/v1/signup/start?lang=uz-Latn', 'aziz@example.uz', { 'accept-language': 'ru' });
    const latin = await lastCode(t, 'aziz@example.uz');
    expect((await inboxFor(t, 'aziz@example.uz'))[0]?.text.trimEnd()).toBe(
      messages.code('uz-Latn', latin, 'signup').text,
    );

    // An SMS goes through the same messages: its text, in the request's language.
    await start('/v1/signup/start', '+998 90 123 45 67', { 'accept-language': 'ru' });
    const sms = await lastCode(t, 'sms:+998901234567');
    expect((await inboxFor(t, 'sms:+998901234567'))[0]?.text.trimEnd()).toBe(
      messages.code('ru', sms, 'signup').text,
    );
  });

  it('writes to an existing account in its own locale, and the HTTP answer does not tell it exists', async () => {
    const owner = customerBrowser(t.app);
    await signUp(t, owner, EMAIL, PASSWORD);
    expect((await owner.call('PATCH', '/v1/me/profile', { locale: 'uz-Latn' })).statusCode).toBe(200);
    for (const path of ['/v1/signup/start', '/v1/reset/start']) {
      const known = await start(path, EMAIL, { 'accept-language': 'ru' });
      const unknown = await start(path, 'nobody@example.uz', { 'accept-language': 'ru' });
      expect(known.statusCode).toBe(unknown.statusCode);
      expect(known.headers['content-language']).toBe(unknown.headers['content-language']);
      expect(known.body.length).toBe(unknown.body.length);
    }
    const mails = await inboxFor(t, EMAIL);
    const subjects = mails.map((m) => m.subject);
    expect(subjects).toContain(customerTexts.alreadyRegistered['uz-Latn'].subject);
    const reset = mails.find((m) => m.text.startsWith('Parolni tiklash uchun kodingiz'));
    expect(reset?.text.trimEnd()).toBe(
      messages.code('uz-Latn', reset?.subject.slice(-6) ?? '', 'reset').text,
    );
    // The stranger's address has no account: the request's language.
    const nobody = await inboxFor(t, 'nobody@example.uz');
    expect(nobody.map((m) => m.subject.replace(/\d{6}$/, 'NNNNNN'))).toEqual(['Ваш код maxfiy: NNNNNN']);
  });

  it('sends the new-device notice in the profile locale (uz-Latn) whatever the sign-in asks for', async () => {
    const first = customerBrowser(t.app, CHROME);
    await signUp(t, first, EMAIL, PASSWORD);
    expect((await first.call('PATCH', '/v1/me/profile', { locale: 'uz-Latn' })).statusCode).toBe(200);

    const other = customerBrowser(t.app, FIREFOX);
    const s = await other.startSignin(EMAIL, PASSWORD);
    clock.advance(1_000);
    const done = await other.call('POST', '/v1/signin/finish?lang=ru', {
      loginId: s.loginId,
      finishLoginRequest: s.finishRequest,
    });
    expect(done.statusCode).toBe(200);

    const notices = (await inboxFor(t, EMAIL)).filter(
      (m) => m.subject === customerTexts.newDevice['uz-Latn'].subject,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toMatch(/^Hisobingizga hozirgina shu qurilmadan kirildi: Firefox \(Linux\)\./);
    expect(notices[0]?.text).toMatch(/\/compromise\?token=[A-Za-z0-9_-]{43}/);
  });

  it('without a locale, the new-device notice and the password-changed mail follow the request', async () => {
    const first = customerBrowser(t.app, CHROME);
    await signUp(t, first, EMAIL, PASSWORD);
    const other = customerBrowser(t.app, FIREFOX);
    const s = await other.startSignin(EMAIL, PASSWORD);
    await other.call('POST', '/v1/signin/finish?lang=en', {
      loginId: s.loginId,
      finishLoginRequest: s.finishRequest,
    });
    const subjects = (await inboxFor(t, EMAIL)).map((m) => m.subject);
    expect(subjects).toContain('New sign-in to your maxfiy account');

    await opaque.ready;
    const reg = opaque.client.startRegistration({ password: 'yangi parol 2026!' });
    const started = await first.call('POST', '/v1/me/password/start?lang=ru', {
      registrationRequest: reg.registrationRequest,
    });
    expect(started.statusCode).toBe(200);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState: reg.clientRegistrationState,
      registrationResponse: started.json().registrationResponse,
      password: 'yangi parol 2026!',
      keyStretching: TEST_KEY_STRETCHING,
    });
    const finished = await first.call('POST', '/v1/me/password/finish?lang=ru', { registrationRecord });
    expect(finished.statusCode).toBe(204);
    const changed = (await inboxFor(t, EMAIL)).filter((m) => m.subject === 'Пароль maxfiy изменён');
    expect(changed.map((m) => m.text.trimEnd())).toEqual([messages.passwordChanged('ru').text]);
  });
});
