/**
 * The script the company's sites embed (`<script src=".../sites/<site>/notice.js" defer>`).
 * It shows a small notice with a link to the agreement and an accept button.
 * Only on "accept" does it make a random visitor id (kept in localStorage) and
 * send it; a visitor who declines or ignores the notice sends nothing.
 */
import type { AgreementLanguage } from './agreements.schemas.js';

const LABELS: Record<
  AgreementLanguage,
  { text: string; link: string; accept: string; decline: string; done: string; receipt: string }
> = {
  'uz-Cyrl': {
    text: 'Сайтдан фойдаланиш учун Махфийлик ва шахсий маълумотларни сақлаш тўғрисидаги битимни ўқинг ва қабул қилинг.',
    link: 'Битим матни',
    accept: 'Қабул қиламан',
    decline: 'Ёпиш',
    done: 'Раҳмат, қабул қилинди.',
    receipt: 'Квитанция',
  },
  'uz-Latn': {
    text: 'Saytdan foydalanish uchun Maxfiylik va shaxsiy maʼlumotlarni saqlash toʻgʻrisidagi bitimni oʻqing va qabul qiling.',
    link: 'Bitim matni',
    accept: 'Qabul qilaman',
    decline: 'Yopish',
    done: 'Rahmat, qabul qilindi.',
    receipt: 'Kvitansiya',
  },
  ru: {
    text: 'Пожалуйста, прочитайте и примите Соглашение о конфиденциальности и хранении персональных данных.',
    link: 'Текст соглашения',
    accept: 'Принимаю',
    decline: 'Закрыть',
    done: 'Спасибо, принято.',
    receipt: 'Квитанция',
  },
  en: {
    text: 'Please read and accept the Agreement on confidentiality and the safekeeping of personal data.',
    link: 'Read the agreement',
    accept: 'I accept',
    decline: 'Close',
    done: 'Thank you, accepted.',
    receipt: 'Receipt',
  },
};

export function noticeScript(p: {
  base: string;
  siteId: string;
  version: number;
  languages: AgreementLanguage[];
  authoritative: AgreementLanguage;
}): string {
  const config = JSON.stringify({ ...p, labels: LABELS }).replace(/</g, '\\u003c');
  return `/* maxfiy agreement notice */
(function () {
  'use strict';
  var C = ${config};
  var KEY = 'maxfiy.agreement.' + C.siteId;
  var saved = null;
  try { saved = JSON.parse(window.localStorage.getItem(KEY) || 'null'); } catch (e) { saved = null; }
  if (saved && saved.version >= C.version) return;
  try { if (window.sessionStorage.getItem(KEY + '.closed') === String(C.version)) return; } catch (e) {}
  var tag = (document.documentElement.lang || navigator.language || '').toLowerCase();
  var ui = tag.indexOf('uz-latn') === 0 ? 'uz-Latn' : tag.indexOf('uz') === 0 ? 'uz-Cyrl' : tag.indexOf('ru') === 0 ? 'ru' : tag.indexOf('en') === 0 ? 'en' : C.authoritative;
  var shown = C.languages.indexOf(ui) >= 0 ? ui : C.authoritative;
  var L = C.labels[ui];
  function el(name, attrs, text) {
    var node = document.createElement(name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (text) node.textContent = text;
    return node;
  }
  function hex(bytes) { var s = ''; for (var i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1); return s; }
  var box = el('div', { role: 'region', 'aria-label': L.link, lang: ui, style: 'position:fixed;bottom:1rem;left:1rem;right:1rem;max-width:36rem;margin:0 auto;background:#fff;color:#1d232b;border:1px solid #c9d1da;border-radius:6px;padding:1rem;font:15px/1.5 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.15);z-index:2147483000' });
  box.appendChild(el('p', { style: 'margin:0 0 .5rem' }, L.text));
  var link = el('a', { href: C.base + '/sites/' + C.siteId + '/agreement?lang=' + ui, target: '_blank', rel: 'noopener' }, L.link);
  box.appendChild(link);
  var row = el('div', { style: 'margin-top:.75rem;display:flex;gap:.5rem' });
  var accept = el('button', { type: 'button', style: 'padding:.4rem .9rem' }, L.accept);
  var close = el('button', { type: 'button', style: 'padding:.4rem .9rem' }, L.decline);
  row.appendChild(accept); row.appendChild(close); box.appendChild(row);
  close.addEventListener('click', function () {
    try { window.sessionStorage.setItem(KEY + '.closed', String(C.version)); } catch (e) {}
    box.remove();
  });
  accept.addEventListener('click', function () {
    accept.disabled = true;
    var id = saved && saved.visitorId;
    if (!id) { var b = new Uint8Array(16); window.crypto.getRandomValues(b); id = hex(b); }
    fetch(C.base + '/sites/' + C.siteId + '/acceptances', {
      method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ visitorId: id, version: C.version, language: shown })
    }).then(function (res) { if (!res.ok) throw new Error('status ' + res.status); return res.json(); })
      .then(function (r) {
        try { window.localStorage.setItem(KEY, JSON.stringify({ version: r.version, visitorId: id, receiptUrl: r.receiptUrl })); } catch (e) {}
        row.textContent = L.done + ' ';
        row.appendChild(el('a', { href: r.receiptUrl + '/page', target: '_blank', rel: 'noopener' }, L.receipt));
      })
      .catch(function () { accept.disabled = false; });
  });
  (document.body || document.documentElement).appendChild(box);
})();
`;
}
