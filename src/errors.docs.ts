import { catalogue } from './errors.js';

/** docs/errors.md, generated from the catalogue so the two cannot drift. */
export function renderErrorDocs(): string {
  const lines = [
    '# Error catalogue',
    '',
    '<!-- Generated from src/errors.ts by `npm run docs:errors`; a test fails when this file is stale. -->',
    '',
    'Every error maxfiy answers with has a stable code, an HTTP status and a message in',
    'Uzbek (Cyrillic and Latin), Russian and English, chosen by `?lang=` or `Accept-Language`.',
    'The body is always:',
    '',
    '```json',
    '{ "error": { "code": "MXF_…", "message": "…", "requestId": "…" } }',
    '```',
    '',
    'Clients branch on `code`, never on `message`. Logs carry the code and the request id.',
    '',
    '| code | status | when | message (en) |',
    '|---|---|---|---|',
  ];
  for (const [code, def] of Object.entries(catalogue).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `| \`${code}\` | ${def.status} | ${def.doc.replaceAll('|', '\\|')} | ${def.messages.en.replaceAll('|', '\\|')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
