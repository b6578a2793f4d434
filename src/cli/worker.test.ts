import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  databaseKinds,
  openTestDatabase,
  PG_URL,
  type TestDatabase,
  withSearchPath,
} from '../../test/helpers/db.js';
import { systemClock } from '../clock.js';
import { loadOptions, type Options } from '../config/options.js';
import { openFileKekProvider } from '../crypto/kek.js';
import { createKeyring } from '../crypto/keys.service.js';
import { type DevInbox, startDevInbox } from '../mail/dev-inbox.js';
import { listDevInbox } from '../mail/dev-inbox.store.js';
import { queueMail } from '../mail/mail.service.js';
import { createOutbox } from '../outbox/outbox.service.js';
import { runWorker } from './worker.js';

const logger = pino({ level: 'silent' });

describe.each(databaseKinds())('maxfiy worker on %s', (kind) => {
  let t: TestDatabase;
  let dir: string;
  let inbox: DevInbox;
  let options: Options;

  beforeEach(async () => {
    t = await openTestDatabase(kind);
    dir = mkdtempSync(path.join(tmpdir(), 'maxfiy-cli-worker-'));
    // The server's development inbox, which an out-of-process worker sends to.
    inbox = await startDevInbox({ database: t.database, port: 0, clock: systemClock, logger });
    options = loadOptions(
      {
        dataDir: kind === 'sqlite' ? path.dirname(t.where) : dir,
        databaseUrl: kind === 'sqlite' ? '' : withSearchPath(PG_URL, t.where),
        keyFile: path.join(dir, 'keys', 'kek.json'),
        devInboxPort: inbox.port,
        workerPollMs: 20,
      },
      {},
    );
  });
  afterEach(async () => {
    await inbox?.stop();
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers mail a server queued, then stops cleanly when asked', async () => {
    // The "server": its own keyring and outbox over the same database and key file.
    const kek = await openFileKekProvider({ file: options.keyFile });
    const keyring = await createKeyring({ database: t.database, kek, clock: systemClock });
    const outbox = await createOutbox({
      database: t.database,
      clock: systemClock,
      keyring,
      options: { maxAttempts: 3, pollMs: 20 },
      logger,
    });
    await t.database.write((trx) =>
      queueMail(trx, outbox, { to: 'aziz@example.uz', subject: 'Салом', text: 'Ишчи жараён синови' }),
    );

    const signalListeners = process.listenerCount('SIGTERM');
    const stop = new AbortController();
    const running = runWorker({ options, logger, stop: stop.signal });
    while ((await listDevInbox(t.database.db, 10)).length === 0) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await running;

    expect(await listDevInbox(t.database.db, 10)).toEqual([
      expect.objectContaining({ subject: 'Салом', to: ['aziz@example.uz'] }),
    ]);
    // The delivery was recorded before the worker returned.
    expect(await outbox.stats()).toEqual({ pending: 0, done: 1, dead: 0 });
    expect(process.listenerCount('SIGTERM')).toBe(signalListeners);
  });
});
