import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { onRequestAsyncHookHandler } from 'fastify';
import { errors } from '../../http/schemas.js';
import { DecisionBody, DecisionResponse } from './decisions.schemas.js';
import type { DecisionQuestion, DecisionService } from './decisions.service.js';
import { answerJson, answersJson, decisionBodyParser, decisionBodyValidator } from './decisions.wire.js';

/**
 * Room for a full batch at the schema's limits: 10,000 questions with every
 * string at its longest are about 5.7 MB of JSON (usual ones take about 1 MB).
 * A batch the schema allows must never meet a 413 first.
 */
const BATCH_BODY_LIMIT = 8 * 1024 * 1024;
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
