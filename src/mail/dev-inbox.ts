import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { newId } from '../ids.js';
import type { OutboxLogger } from '../outbox/outbox.service.js';
import { insertDevInboxMessage } from './dev-inbox.store.js';
import { parseMail } from './mime.js';

/** Largest message the development inbox accepts. */
export const DEV_INBOX_MAX_BYTES = 10 * 1024 * 1024;

export interface DevInbox {
  /** The port it listens on (useful when started with port 0). */
  port: number;
  stop(): Promise<void>;
}

/**
 * The built-in development inbox: an SMTP server on loopback that keeps every
 * message it receives in `dev_inbox`, so mail works without a relay and tests
 * read real messages. No authentication and no TLS: it never listens beyond
 * loopback. A message is acknowledged (250) only once it is stored.
 */
export async function startDevInbox(deps: {
  database: Database;
  port: number;
  host?: '127.0.0.1';
  clock: Clock;
  logger: OutboxLogger;
}): Promise<DevInbox> {
  const { database, clock, logger } = deps;
  const host = deps.host ?? '127.0.0.1';

  async function store(raw: Buffer, session: SMTPServerSession): Promise<void> {
    const text = raw.toString('utf8');
    const mailFrom = session.envelope.mailFrom;
    const receivedAt = clock.now();
    await database.write((trx) =>
      insertDevInboxMessage(trx, {
        id: newId(receivedAt),
        receivedAt,
        from: mailFrom ? mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        // A decoded subject may hold U+0000 (`=?UTF-8?Q?=00?=`), which PostgreSQL text cannot: shown as U+FFFD.
        subject: parseMail(text).subject.replaceAll('\u0000', '\uFFFD'),
        raw: text,
      }),
    );
  }

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: DEV_INBOX_MAX_BYTES,
    logger: false,
    banner: 'maxfiy development inbox',
    // Connections still open at stop() are cut after this long.
    closeTimeout: 2000,
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Past the limit the rest is read and dropped; the client gets 552 at the end.
        if (bytes <= DEV_INBOX_MAX_BYTES) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded || bytes > DEV_INBOX_MAX_BYTES) {
          return callback(Object.assign(new Error('message exceeds the size limit'), { responseCode: 552 }));
        }
        const raw = Buffer.concat(chunks);
        // NUL is not allowed in mail (RFC 5322 §3.5, RFC 5321 §4.1.1.4), and PostgreSQL text cannot hold it:
        // refused for good, so a sender does not retry a message that can never be stored.
        if (raw.includes(0)) {
          return callback(Object.assign(new Error('message contains a NUL byte'), { responseCode: 554 }));
        }
        store(raw, session).then(
          () => callback(),
          (err: unknown) => {
            logger.error(
              { error: err instanceof Error ? err.name : 'NonError' },
              'development inbox could not store a message',
            );
            callback(Object.assign(new Error('message not stored, try again later'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  server.on('error', (err) => logger.error({ error: err.name }, 'development inbox error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(deps.port, host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  logger.info({ host, port }, 'development inbox listening (mail is kept in the database, not sent)');

  return {
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
