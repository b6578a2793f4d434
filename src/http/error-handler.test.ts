/**
 * Which field a schema refusal names: the most specific one the schema knows,
 * never a name the client chose.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { DecisionBody } from '../modules/decisions/decisions.schemas.js';
import { toMaxfiyError } from './error-handler.js';

const fieldFor = (schema: object, body: unknown) => {
  const check = TypeBoxValidatorCompiler({ schema, httpPart: 'body' } as never) as (v: unknown) => {
    error?: unknown[];
  };
  const { error } = check(body);
  if (!error) throw new Error('the body is valid');
  return toMaxfiyError({ validation: [...error], validationContext: 'body' }, 'r').params.field;
};

describe('the field a refusal names', () => {
  const Acceptance = Type.Object(
    { subjectId: Type.String(), version: Type.Integer(), tags: Type.Optional(Type.Array(Type.String())) },
    { additionalProperties: false },
  );

  it('names the field the schema knows, down to array positions, and a missing one by its name', () => {
    expect(fieldFor(Acceptance, { subjectId: 5, version: 1 })).toBe('subjectId');
    expect(fieldFor(Acceptance, { subjectId: 'a', version: 1, tags: ['x', 2] })).toBe('tags.1');
    expect(fieldFor(Acceptance, { subjectId: 'a' })).toBe('version');
    // A missing field is named before the holder of an unknown one.
    expect(fieldFor(Acceptance, { subjectId: 'a', '<script>': 1 })).toBe('version');
  });

  it('never names a property the client made up: what holds it instead', () => {
    for (const name of ['<script>', 'ivan@example.uz', '+998901234567', 'plain'])
      expect(fieldFor(Acceptance, { subjectId: 'a', version: 1, [name]: 1 })).toBe('body');
  });

  it('names the furthest branch of a union: a batch of decisions or one question', () => {
    const q = { subjectId: 'a', purpose: 'identify', category: 'contact' };
    expect(fieldFor(DecisionBody, { questions: [q, { ...q, category: 5 }] })).toBe('questions.1.category');
    expect(fieldFor(DecisionBody, { questions: [{ subjectId: 'a', purpose: 'identify' }] })).toBe(
      'questions.0.category',
    );
    expect(fieldFor(DecisionBody, { questions: [{ ...q, 'ivan@example.uz': 1 }] })).toBe('questions.0');
    expect(fieldFor(DecisionBody, { subjectId: 'a', purpose: 'identify' })).toBe('category');
  });
});
