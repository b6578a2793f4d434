/**
 * The decision route's hot path on the wire: a JSON body parsed and checked
 * in one walk (no scan of the text for prototype keys a plain body cannot
 * hold, no general schema walk), and answers written as bytes from a fragment
 * made once per distinct answer. A batch of 5,000 is the common call, and each
 * step was a large share of its time.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifyBodyParser, FastifySchemaCompiler } from 'fastify';
import { Compile } from 'typebox/compile';
import { DecisionQuestionSchema } from './decisions.schemas.js';
import type { Decision } from './engine.js';

const checkQuestion = Compile(DecisionQuestionSchema);

/**
 * True only for a question the schema accepts: the three strings within their
 * lengths and no other field. A question with a context, or anything unusual,
 * goes to the compiled schema check.
 */
function plainQuestion(q: unknown): boolean {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) return false;
  const { subjectId, purpose, category, context } = q as Record<string, unknown>;
  if (context !== undefined) return checkQuestion.Check(q);
  for (const key in q) if (key !== 'subjectId' && key !== 'purpose' && key !== 'category') return false;
  // `length` counts UTF-16 units, never fewer than the schema's code points: a string
  // within these bounds is within the schema's; one outside goes to the full check.
  return (
    typeof subjectId === 'string' &&
    subjectId.length >= 1 &&
    subjectId.length <= 255 &&
    typeof purpose === 'string' &&
    purpose.length >= 1 &&
    purpose.length <= 63 &&
    typeof category === 'string' &&
    category.length >= 1 &&
    category.length <= 63
  );
}

/** True only for a body the schema accepts as a batch. */
function plainBatch(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  for (const key in body) if (key !== 'questions') return false;
  const questions = (body as { questions?: unknown }).questions;
  if (!Array.isArray(questions)) return false;
  for (let i = 0; i < questions.length; i++) if (!plainQuestion(questions[i])) return false;
  return true;
}

/**
 * The last body the parser found plain, for the validator, which runs next, to
 * pass without a second walk. Compared by identity: if requests interleave, a
 * body that is not this very object gets the full check, so it is never wrong,
 * only slower. (A WeakSet did the same, at a cost to every garbage collection.)
 */
let lastPlain: object | undefined;

/**
 * The body parser. The framework's own JSON parser refuses a body whose parsed
 * value holds a `__proto__` key, or a `constructor` key holding `prototype`
 * (prototype poisoning), after scanning the whole text for them. A plain
 * question or batch holds neither, since it has no keys but its own, so it is
 * parsed and checked in one walk; any other body, or one that does not parse,
 * goes to the framework's parser for its exact answer.
 */
export function decisionBodyParser(fallback: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request, text, done) => {
    if (text.length === 0) return fallback(request, text, done);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return fallback(request, text, done);
    }
    if (!plainBatch(parsed) && !plainQuestion(parsed)) return fallback(request, text, done);
    lastPlain = parsed as object;
    done(null, parsed);
  };
}

/**
 * The body's validator: a body the parser found plain passes at once; every
 * other body, valid or not, gets the schema's own check, so errors read
 * exactly as before.
 */
export const decisionBodyValidator: FastifySchemaCompiler<unknown> = (route) => {
  const full = TypeBoxValidatorCompiler(route as Parameters<typeof TypeBoxValidatorCompiler>[0]);
  if (route.httpPart !== 'body') return full;
  return (body: unknown) => {
    if (body === undefined || body !== lastPlain) return full(body);
    lastPlain = undefined;
    return { value: body };
  };
};

/**
 * The most bytes one character of a string can take in compact JSON in UTF-8.
 * The schema counts characters as code points: one outside the Basic
 * Multilingual Plane is 4 bytes, and a control character (but for the five
 * with a two-byte escape such as `\n`) or a lone surrogate has no shorter form
 * than the six-byte `\uXXXX` escape JSON requires of it.
 */
const MOST_BYTES_PER_CHARACTER = 6;

/** The parts of a schema the bound below reads (TypeBox schemas are JSON Schema). */
interface SchemaPart {
  anyOf?: unknown[];
  const?: unknown;
  type?: unknown;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  items?: unknown;
  maxItems?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

/**
 * The most UTF-8 bytes a value `schema` accepts can take as compact JSON (as
 * `JSON.stringify` writes it), read from the schema's own maxima: every
 * property present, every string at its longest, every array at its `maxItems`
 * or, lacking one, at `itemsAtMost`. A schema it cannot bound (a string with
 * no maxLength, an object open to other properties, a number with no range)
 * throws rather than yield a bound that is short.
 */
export function longestJson(schema: unknown, itemsAtMost: number): number {
  const s = schema as SchemaPart;
  if (Array.isArray(s.anyOf)) return Math.max(...s.anyOf.map((branch) => longestJson(branch, itemsAtMost)));
  if (s.const !== undefined) return Buffer.byteLength(JSON.stringify(s.const));
  switch (s.type) {
    case 'object': {
      if (s.additionalProperties !== false || s.properties === undefined) break;
      const entries = Object.entries(s.properties);
      let bytes = 2 + Math.max(0, entries.length - 1);
      for (const [key, value] of entries)
        bytes += Buffer.byteLength(JSON.stringify(key)) + 1 + longestJson(value, itemsAtMost);
      return bytes;
    }
    case 'array': {
      const items = s.maxItems ?? itemsAtMost;
      return 2 + items * longestJson(s.items, itemsAtMost) + Math.max(0, items - 1);
    }
    case 'string':
      if (s.maxLength === undefined) break;
      return 2 + s.maxLength * MOST_BYTES_PER_CHARACTER;
    case 'integer':
      // Within ±2^53 an integer is written in full, so the longest is at an end of the range;
      // past it JSON may write 1e+21 for one and 21 digits for a smaller one.
      if (!Number.isSafeInteger(s.minimum) || !Number.isSafeInteger(s.maximum)) break;
      return Math.max(JSON.stringify(s.minimum).length, JSON.stringify(s.maximum).length);
    case 'boolean':
      return 5;
  }
  throw new Error(`longestJson: no bound for the schema ${JSON.stringify(schema)}`);
}

/** Each answer's JSON, made the first time it is sent (answers are shared, see AnswerCache). */
const fragments = new WeakMap<Decision, Buffer>();

/** One answer's JSON, as the route's response schema writes it (made once per shared answer). */
export function answerJson(answer: Decision): Buffer {
  let fragment = fragments.get(answer);
  if (fragment === undefined) {
    const { allow, reasons, versions } = answer;
    const v = versions.consent === undefined ? { purpose: versions.purpose } : versions;
    fragment = Buffer.from(JSON.stringify({ allow, reasons, versions: v }));
    fragments.set(answer, fragment);
  }
  return fragment;
}

const OPEN = Buffer.from('{"answers":[');
const CLOSE = Buffer.from(']}');
const COMMA = 44;

/** `{"answers":[…]}` in question order. */
export function answersJson(answers: readonly Decision[]): Buffer {
  const parts = new Array<Buffer>(answers.length);
  let size = OPEN.length + CLOSE.length + Math.max(0, answers.length - 1);
  for (let i = 0; i < answers.length; i++) {
    const fragment = answerJson(answers[i] as Decision);
    parts[i] = fragment;
    size += fragment.length;
  }
  // Every byte is written below: the unsafe allocation never shows old memory.
  const out = Buffer.allocUnsafe(size);
  out.set(OPEN, 0);
  let at = OPEN.length;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = COMMA;
    const part = parts[i] as Buffer;
    out.set(part, at);
    at += part.length;
  }
  out.set(CLOSE, at);
  return out;
}
