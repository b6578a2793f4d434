import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/** The API the dev server forwards to (`npm start` listens on 8080 by default). */
const devApi = process.env.MAXFIY_DEV_API ?? 'http://127.0.0.1:8080';

/**
 * In `vite dev`, mirror what the server does with `dist/web`: every `/admin/*`
 * path gets the console page; other unknown paths get the cabinet (Vite's own
 * SPA fallback).
 */
function consoleFallback(): Plugin {
  return {
    name: 'maxfiy-console-fallback',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const url = req.url ?? '/';
        if (/^\/admin(\/|\?|$)/.test(url) && !/\.\w+(\?|$)/.test(url)) {
          req.url = `/admin.html${url.includes('?') ? url.slice(url.indexOf('?')) : ''}`;
        }
        next();
      });
    },
  };
}

export default defineConfig({
  root,
  // Absolute asset URLs, so deep links such as /admin/org load the same files.
  base: '/',
  plugins: [react(), consoleFallback()],
  build: {
    outDir,
    emptyOutDir: true,
    // @serenity-kit/opaque instantiates its inlined WASM with top-level await.
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        admin: fileURLToPath(new URL('admin.html', import.meta.url)),
      },
      output: {
        // Stable, readable chunk names; OPAQUE's WASM is loaded only by the console's sign-in pages.
        codeSplitting: {
          groups: [
            { name: 'opaque', test: /node_modules[\\/]@serenity-kit/, priority: 2 },
            { name: 'vendor', test: /node_modules/, priority: 1 },
            { name: 'shell', test: /web[\\/]src[\\/](ui|i18n)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/v1': devApi,
      '/sites': devApi,
      '/oidc': devApi,
    },
  },
});
