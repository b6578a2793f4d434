import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * The API reference at /docs: Scalar's standalone bundle, served from its npm
 * package, reading /openapi.json. Serving the bundle directly rather than through
 * the Fastify plugin keeps the plugin's OpenAPI parser out of start-up (it cost
 * more to import than the rest of the server) and needs no inline script.
 */
function standaloneBundle(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@scalar/fastify-api-reference');
    const file = path.join(path.dirname(entry), 'js', 'standalone.js');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>maxfiy API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/scalar.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

const INIT = `Scalar.createApiReference('#app', ${JSON.stringify({
  url: '/openapi.json',
  hideClientButton: true,
  telemetry: false,
  withDefaultFonts: false,
  // The AI agent calls Scalar's servers; nothing here leaves the machine.
  agent: { disabled: true },
})});\n`;

export function registerDocs(app: FastifyInstance): void {
  const bundle = standaloneBundle();
  const hide = { schema: { hide: true } };
  app.get('/docs', hide, (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
  );
  app.get('/docs/init.js', hide, (_req, reply) => reply.type('text/javascript; charset=utf-8').send(INIT));
  app.get('/docs/scalar.js', hide, (_req, reply) => {
    if (!bundle)
      return reply.code(404).type('text/javascript').send('/* the API reference bundle is not installed */');
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(bundle));
  });
}
