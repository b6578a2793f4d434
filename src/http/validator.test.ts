import Fastify from 'fastify';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { validatorCompiler } from './validator.js';

async function app() {
  const server = Fastify();
  server.setValidatorCompiler(validatorCompiler);
  server.get(
    '/things/:n',
    {
      schema: {
        params: Type.Object({ n: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object(
          {
            id: Type.String({ pattern: '^[a-z0-9-]+$' }),
            flag: Type.Optional(Type.Boolean()),
            either: Type.Optional(Type.Union([Type.Integer(), Type.Literal('all')])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({ params: req.params, query: req.query }),
  );
  server.post(
    '/things',
    { schema: { body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }) } },
    async (req) => req.body,
  );
  return server;
}

describe('the request validator', () => {
  it('takes strings that already check as they came, and converts only what needs it', async () => {
    const server = await app();
    const ok = await server.inject('/things/5?id=cust-7&flag=true&either=12');
    expect(ok.statusCode).toBe(200);
    // The path's number and the flag are converted; the id is left as it was; the union takes the integer.
    expect(ok.json()).toEqual({ params: { n: 5 }, query: { id: 'cust-7', flag: true, either: 12 } });
    const literal = await server.inject('/things/5?id=a&either=all');
    expect(literal.json().query).toEqual({ id: 'a', either: 'all' });
  });

  it('refuses what does not check even once converted, and an unknown field, naming the field', async () => {
    const server = await app();
    for (const [url, field] of [
      ['/things/0?id=a', 'n'],
      ['/things/x?id=a', 'n'],
      ['/things/5?id=A%20B', 'id'],
      ['/things/5?id=a&flag=maybe', 'flag'],
      ['/things/5?id=a&extra=1', ''],
      ['/things/5', ''],
    ] as const) {
      const res = await server.inject(url);
      expect(res.statusCode, url).toBe(400);
      if (field) expect(res.json().message, url).toContain(field);
    }
  });

  it('converts nothing in a body: a number sent as a string is refused', async () => {
    const server = await app();
    expect((await server.inject({ method: 'POST', url: '/things', payload: { n: 3 } })).json()).toEqual({
      n: 3,
    });
    const res = await server.inject({ method: 'POST', url: '/things', payload: { n: '3' } });
    expect(res.statusCode).toBe(400);
  });
});
