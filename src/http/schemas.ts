import { Type } from 'typebox';

/** The body of every error answer. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable catalogue code, `MXF_<AREA>_<REASON>`; see docs/errors.md.' }),
      message: Type.String({ description: 'Human-readable, in the language asked for.' }),
      requestId: Type.String(),
      field: Type.Optional(
        Type.String({ description: 'For MXF_REQUEST_INVALID: the first offending field.' }),
      ),
      retryAfter: Type.Optional(Type.Integer({ description: 'Seconds to wait, for 429.' })),
    }),
  },
  { $id: 'ErrorResponse', description: 'An error from the catalogue.' },
);

/**
 * The error statuses a route can answer with, for its `response` schema. Every
 * route may answer 400 (validation), 429 (rate limit) and 500; add the rest.
 */
export function errors(...statuses: number[]): Record<number, typeof ErrorResponse> {
  const out: Record<number, typeof ErrorResponse> = {};
  for (const s of [400, 429, 500, ...statuses]) out[s] = ErrorResponse;
  return out;
}

export const NoContent = Type.Null({ description: 'No content.' });
