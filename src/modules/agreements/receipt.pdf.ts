/**
 * A one-page PDF 1.4 of a receipt, written by hand. It uses the standard
 * Helvetica font (nothing embedded, so any reader shows it), which has no
 * Cyrillic glyphs: the PDF is therefore in Latin script — Uzbek text is
 * transliterated to uz-Latn first and the modifier letters ʻ ʼ become ‘ ’ of
 * WinAnsiEncoding. Russian goes through the same letter table, which gives a
 * readable romanisation (not the official Russian one). The title and lines
 * come in the receipt's language (receipt.page.ts); the JSON receipt, not the
 * PDF, is what `receipt verify` checks.
 */
import { cyrillicToLatin } from './text/transliterate.js';

const WIN_ANSI: Record<string, number> = {
  ʻ: 0x91,
  ʼ: 0x92,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '–': 0x96,
  '—': 0x97,
  '•': 0x95,
  '…': 0x85,
};

/** Bytes of one line in WinAnsiEncoding, as a PDF literal string. */
function pdfString(text: string): Buffer {
  const bytes: number[] = [0x28];
  for (const ch of cyrillicToLatin(text).normalize('NFC')) {
    const code = ch.codePointAt(0) ?? 0x3f;
    let b =
      WIN_ANSI[ch] ?? (code >= 0x20 && code <= 0x7e ? code : code >= 0xa0 && code <= 0xff ? code : 0x3f);
    if (b === 0x28 || b === 0x29 || b === 0x5c) bytes.push(0x5c);
    if (code < 0x20) b = 0x20;
    bytes.push(b);
  }
  bytes.push(0x29);
  return Buffer.from(bytes);
}

function wrap(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 2 ? cut : width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/** A4 page, title in Helvetica-Bold 14 pt, then lines in Helvetica 9.5 pt; long lines wrap, overflow is cut. */
export function receiptPdf(title: string, lines: string[]): Buffer {
  const content: Buffer[] = [
    Buffer.from('BT\n/F2 14 Tf\n50 790 Td\n'),
    pdfString(title),
    Buffer.from(' Tj\n'),
  ];
  content.push(Buffer.from('/F1 9.5 Tf\n13 TL\n0 -10 Td\n'));
  const wrapped = lines.flatMap((l) => wrap(l, 100)).slice(0, 55);
  for (const line of wrapped) content.push(Buffer.from('T* '), pdfString(line), Buffer.from(' Tj\n'));
  content.push(Buffer.from('ET\n'));
  const stream = Buffer.concat(content);

  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let length = parts[0]?.length ?? 0;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(length);
    push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
  });
  offsets.push(length);
  push(Buffer.from(`6 0 obj\n<< /Length ${stream.length} >>\nstream\n`, 'latin1'));
  push(stream);
  push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = length;
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${rows}trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}
