import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Services } from '../../src/container.js';
import { queueMail } from '../../src/mail/mail.service.js';
import { createTestApp } from '../helpers/app.js';
import { PG_URL } from '../helpers/db.js';

/** What the browser tests run against: the real maxfiy application, listening on loopback. */
export interface Target {
  baseUrl: string;
  /** The one-time token for `/admin/setup?token=…` while no administrator exists. */
  setupToken: string;
  close(): Promise<void>;
}

/** Sends a real mail through the outbox, the worker and SMTP, and waits until the development inbox has it. */
async function sendMail(
  services: Services,
  mail: { to: string; subject: string; text: string; html: string },
) {
  await services.database.write((trx) => queueMail(trx, services.outbox, mail));
  for (let i = 0; i < 200; i++) {
    const row = await services.database.db.selectFrom('dev_inbox').select('id').executeTakeFirst();
    if (row) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the mail did not reach the development inbox');
}

export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * The whole server (`build()`), with a fresh database and the default company,
 * on a free port. SQLite, or PostgreSQL when the PostgreSQL suite is on.
 */
export async function startTarget(): Promise<Target> {
  if (!existsSync(path.join(WEB_ROOT, 'index.html')) || !existsSync(path.join(WEB_ROOT, 'admin.html'))) {
    throw new Error('dist/web is not built: run "npx vite build --config web/vite.config.ts"');
  }
  const t = await createTestApp(PG_URL ? 'postgres' : 'sqlite', {
    listen: true,
    options: { inProcessWorker: true },
  });
  await sendMail(t.services, {
    to: 'customer@example.uz',
    subject: 'Махфийлик битими янгиланди',
    text: 'Ассалому алайкум! Битимнинг янги таҳрири эълон қилинди.',
    html: '<p>Ассалому алайкум! <strong>Битимнинг</strong> янги таҳрири эълон қилинди.</p>',
  });
  const link = await t.services.staff.ensureSetupLink();
  const setupToken = link ? (new URL(link).searchParams.get('token') ?? '') : '';
  const address = t.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { baseUrl: `http://127.0.0.1:${port}`, setupToken, close: () => t.close() };
}
