/** The human-readable forms of a receipt: an HTML page and the lines of its PDF. */
import { esc } from './publication.html.js';
import type { Receipt } from './receipt.js';

interface ReceiptView {
  id: string;
  subject: string;
  at: string;
  method: string;
  version: number;
  language: string;
  contentHash: string;
  controller: string;
  policyUrl: string;
  seq: number;
  treeSize: number;
  rootHash: string;
  keyId: string;
}

function view(r: Receipt): ReceiptView {
  const agreement = r.agreement as { version: number; language: string; contentHash: string };
  const controllers = r.piiControllers as { piiController: string }[];
  return {
    id: r.consentReceiptID,
    subject: r.piiPrincipalId,
    at: new Date(Number(r.consentTimestamp) * 1000).toISOString(),
    method: String(r.collectionMethod),
    version: agreement.version,
    language: agreement.language,
    contentHash: agreement.contentHash,
    controller: controllers[0]?.piiController ?? '',
    policyUrl: String(r.policyUrl),
    seq: r.proof.seq,
    treeSize: r.proof.treeHead.treeSize,
    rootHash: r.proof.treeHead.rootHash,
    keyId: r.proof.treeHead.keyId,
  };
}

const LABELS = {
  title: 'Acceptance receipt / Qabul qilish kvitansiyasi',
  rows: [
    ['Receipt', 'id'],
    ['Subject (pseudonymous id)', 'subject'],
    ['Accepted at (UTC)', 'at'],
    ['How', 'method'],
    ['Agreement version', 'version'],
    ['Language shown', 'language'],
    ['Text hash', 'contentHash'],
    ['Controller', 'controller'],
    ['Agreement text', 'policyUrl'],
    ['Audit log entry', 'seq'],
    ['Signed tree size', 'treeSize'],
    ['Signed root', 'rootHash'],
    ['Log key id', 'keyId'],
  ] as const,
  verify:
    'Check it yourself, offline: save the JSON receipt and run `maxfiy receipt verify receipt.json --key-id <log key id>` ' +
    '(or --public-key with the key from /v1/audit/public-key). Any changed byte makes the check fail.',
};

export function receiptLines(r: Receipt): string[] {
  const v = view(r);
  return [...LABELS.rows.map(([label, key]) => `${label}: ${v[key]}`), '', LABELS.verify];
}

export function renderReceiptPage(r: Receipt, jsonUrl: string, pdfUrl: string): string {
  const v = view(r);
  const rows = LABELS.rows
    .map(
      ([label, key]) =>
        `<dt>${esc(label)}</dt><dd>${key === 'policyUrl' ? `<a href="${esc(v.policyUrl)}">${esc(v.policyUrl)}</a>` : `<code>${esc(String(v[key]))}</code>`}</dd>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(LABELS.title)}</title><link rel="stylesheet" href="/sites/agreement.css"></head>
<body><main id="receipt"><h1>${esc(LABELS.title)}</h1>
<dl class="meta">${rows}</dl>
<p>${esc(LABELS.verify)}</p>
<nav aria-label="Downloads"><ul><li><a href="${esc(jsonUrl)}" download="receipt-${esc(v.id)}.json">JSON</a></li><li><a href="${esc(pdfUrl)}">PDF</a></li></ul></nav>
</main></body></html>
`;
}
