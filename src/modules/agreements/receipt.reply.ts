/**
 * The human-readable receipt as an answer, the same for the public receipt
 * routes and the cabinet's own: the page or the PDF in the language asked for,
 * else the one the agreement was shown in, never stored by a cache.
 */
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type AgreementLanguage, Language } from './agreements.schemas.js';
import type { Receipt } from './receipt.js';
import { receiptLanguage, receiptLines, receiptTitle, renderReceiptPage } from './receipt.page.js';
import { receiptPdf } from './receipt.pdf.js';

/** The receipt page's and PDF's language; by default the one the agreement was shown in. */
export const ReceiptLang = Type.Object({ lang: Type.Optional(Language) }, { additionalProperties: false });

/** `base` is the public URL; `url` the receipt's JSON address (the page links it and its PDF). */
export function sendReceiptPage(
  reply: FastifyReply,
  receipt: Receipt,
  requested: AgreementLanguage | undefined,
  at: { base: string; url: string },
) {
  const lang = receiptLanguage(receipt, requested);
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'private, no-store')
    .header('content-language', lang)
    .send(
      renderReceiptPage(receipt, lang, {
        jsonUrl: at.url,
        pdfUrl: `${at.url}/pdf`,
        publicKeyUrl: `${at.base}/v1/audit/public-key`,
      }),
    );
}

export function sendReceiptPdf(
  reply: FastifyReply,
  receipt: Receipt,
  requested: AgreementLanguage | undefined,
  at: { base: string; id: string },
) {
  const lang = receiptLanguage(receipt, requested);
  return reply
    .type('application/pdf')
    .header('cache-control', 'private, no-store')
    .header('content-disposition', `attachment; filename="receipt-${at.id}.pdf"`)
    .send(receiptPdf(receiptTitle(lang), receiptLines(receipt, lang, `${at.base}/v1/audit/public-key`)));
}
