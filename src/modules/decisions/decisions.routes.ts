import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { errors } from '../../http/schemas.js';
import { DecisionBody, DecisionResponse } from './decisions.schemas.js';
import { type DecisionQuestion, type DecisionService, MAX_BATCH } from './decisions.service.js';
import {
  answerJson,
  answersJson,
  decisionBodyParser,
  decisionBodyValidator,
  longestJson,
} from './decisions.wire.js';

const MiB = 1024 * 1024;

/**
 * Room for a full batch at the schema's limits, read from the schema itself so
 * that it follows any change there: MAX_BATCH questions, every field present
 * and every string at its longest, each character at the most bytes compact
 * JSON can need for it in UTF-8 (six: see longestJson), the envelope and the
 * commas, plus 64 KiB, rounded up to a whole MiB. That is 28 MiB today; a
 * batch at the limits in ASCII is about 5.5 MiB, and usual ones about 1 MB.
 *
 * A batch the schema allows, written as compact JSON in UTF-8 (as
 * `JSON.stringify` writes it), never meets a 413 first. JSON's optional
 * escapes (`\u0041` for `A`) and whitespace are the client's choice and have
 * no bound: a body they lengthen past this limit is refused as too large.
 */
export const BATCH_BODY_LIMIT = Math.ceil((longestJson(DecisionBody, MAX_BATCH) + 64 * 1024) / MiB) * MiB;
/** What the response serialiser would have said. */
const JSON_TYPE = 'application/json; charset=utf-8';

export function decisionRoutes(deps: {
  decisions: DecisionService;
  /** Staff for now; apps' credentials arrive with the identity module. */
  requireCaller: onRequestAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { decisions, requireCaller } = deps;
  return async (app) => {
    // For this plugin's routes only: JSON bodies parsed and checked in one walk when plain.
    const fallback = app.getDefaultJsonParser(
      app.initialConfig.onProtoPoisoning ?? 'error',
      app.initialConfig.onConstructorPoisoning ?? 'error',
    );
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, decisionBodyParser(fallback));
    app.post(
      '/v1/decisions',
      {
        onRequest: requireCaller,
        bodyLimit: BATCH_BODY_LIMIT,
        validatorCompiler: decisionBodyValidator,
        schema: {
          tags: ['decisions'],
          summary: 'May purpose P use category C of subject S now? One question, or a batch of up to 10,000',
          body: DecisionBody,
          response: { 200: DecisionResponse, ...errors(401, 403) },
        },
      },
      // Answers are written from their cached JSON (decisions.wire.ts), in the
      // shape the response schema declares; the tests hold the two together.
      async (req, reply) => {
        const body = req.body;
        const json =
          'questions' in body
            ? answersJson(decisions.decideMany(body.questions as DecisionQuestion[]))
            : answerJson(decisions.decide(body.subjectId, body.purpose, body.category, body.context));
        // Bytes, not an object: the type provider knows only the schema's object form.
        return reply.header('content-type', JSON_TYPE).send(json as never);
      },
    );
  };
}
