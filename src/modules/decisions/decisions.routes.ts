import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { preHandlerAsyncHookHandler } from 'fastify';
import { errors } from '../../http/schemas.js';
import { DecisionBody, DecisionResponse } from './decisions.schemas.js';
import type { DecisionQuestion, DecisionService } from './decisions.service.js';

/** A full batch of 10,000 questions is about 1 MB of JSON: room for it and some slack. */
const BATCH_BODY_LIMIT = 4 * 1024 * 1024;

export function decisionRoutes(deps: {
  decisions: DecisionService;
  /** Staff for now; apps' credentials arrive with the identity module. */
  requireCaller: preHandlerAsyncHookHandler;
}): FastifyPluginAsyncTypebox {
  const { decisions, requireCaller } = deps;
  return async (app) => {
    app.post(
      '/v1/decisions',
      {
        preHandler: requireCaller,
        bodyLimit: BATCH_BODY_LIMIT,
        schema: {
          tags: ['decisions'],
          summary: 'May purpose P use category C of subject S now? One question, or a batch of up to 10,000',
          body: DecisionBody,
          response: { 200: DecisionResponse, ...errors(401, 403) },
        },
      },
      async (req) => {
        const body = req.body;
        if ('questions' in body)
          return { answers: decisions.decideMany(body.questions as DecisionQuestion[]) };
        return decisions.decide(body.subjectId, body.purpose, body.category, body.context);
      },
    );
  };
}
