import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../db/database.js';
import { MaxfiyError } from '../errors.js';
import { errors } from '../http/schemas.js';
import { clearDevInbox, findDevInboxMessage, listDevInbox } from './dev-inbox.store.js';
import { parseMail } from './mime.js';

const MessageId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-f-]+$' });

const DevInboxSummary = Type.Object({
  id: MessageId,
  receivedAt: Type.Integer({ description: 'Milliseconds since the epoch.' }),
  from: Type.String({ description: 'Envelope sender.' }),
  to: Type.Array(Type.String(), { description: 'Envelope recipients.' }),
  subject: Type.String(),
});

const DevInboxMessage = Type.Object({
  id: MessageId,
  receivedAt: Type.Integer(),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  text: Type.Union([Type.String(), Type.Null()], { description: 'The text/plain part, decoded.' }),
  html: Type.Union([Type.String(), Type.Null()], { description: 'The text/html part, decoded.' }),
});

/** The most recent messages the list shows. */
const LIST_LIMIT = 100;

/**
 * The development inbox over HTTP: what the built-in SMTP server received. The
 * app registers these only while the development inbox is on, behind `guard`
 * (staff authentication, before anything of the request is read).
 */
export function mailRoutes(deps: {
  database: Database;
  guard: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { database, guard } = deps;
  return async (app) => {
    const tags = ['dev-inbox'];

    app.get(
      '/v1/dev/inbox',
      {
        onRequest: guard,
        schema: {
          tags,
          summary: `The development inbox, newest first (at most ${LIST_LIMIT})`,
          response: { 200: Type.Object({ messages: Type.Array(DevInboxSummary) }), ...errors(401, 403) },
        },
      },
      async () => ({ messages: await listDevInbox(database.db, LIST_LIMIT) }),
    );

    app.get(
      '/v1/dev/inbox/:id',
      {
        onRequest: guard,
        schema: {
          tags,
          summary: 'One message of the development inbox, with its text and HTML decoded',
          params: Type.Object({ id: MessageId }),
          response: { 200: Type.Object({ message: DevInboxMessage }), ...errors(401, 403, 404) },
        },
      },
      async (req) => {
        const found = await findDevInboxMessage(database.db, req.params.id);
        if (!found) throw new MaxfiyError('MXF_MAIL_MESSAGE_NOT_FOUND');
        const { raw, ...summary } = found;
        const { text, html } = parseMail(raw);
        return { message: { ...summary, text, html } };
      },
    );

    app.delete(
      '/v1/dev/inbox',
      {
        onRequest: guard,
        schema: {
          tags,
          summary: 'Empty the development inbox',
          response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }), ...errors(401, 403) },
        },
      },
      async () => ({ deleted: await database.write((trx) => clearDevInbox(trx)) }),
    );
  };
}
