/**
 * Test support for single sign-on (imported only by tests): a browser over real
 * HTTP that keeps cookies and follows redirects within /oidc only, a relying
 * party with PKCE S256, the relying party's own server (back-channel logouts),
 * and the code flow through the consent screen.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

export const b64url = (b: Buffer) => b.toString('base64url');

/** A browser over real HTTP: keeps cookies, follows nothing by itself. */
export function httpBrowser(
  base: string,
  cookies: Record<string, string> = {},
  defaults: Record<string, string> = {},
) {
  const jar = { ...cookies };
  async function go(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    form: Record<string, string> = {},
  ) {
    const target = new URL(url, base);
    const sameOrigin = target.origin === new URL(base).origin;
    const cookie = Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const res = await fetch(target, {
      method,
      redirect: 'manual',
      headers: {
        ...(sameOrigin && cookie ? { cookie } : {}),
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...defaults,
        ...headers,
      },
      ...(method === 'POST' ? { body: new URLSearchParams(form).toString() } : {}),
    });
    if (sameOrigin) {
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const i = pair.indexOf('=');
        const name = pair.slice(0, i);
        const value = pair.slice(i + 1);
        if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) delete jar[name];
        else jar[name] = value;
      }
    }
    return res;
  }
  /** Follows redirects within /oidc; stops at a page, or at a redirect anywhere else (the app, the cabinet). */
  async function follow(res: Response): Promise<Response | URL> {
    let current = res;
    while (current.status >= 300 && current.status < 400) {
      const next = new URL(current.headers.get('location') ?? '', base);
      if (next.origin !== new URL(base).origin || !next.pathname.startsWith('/oidc/')) return next;
      current = await go('GET', next.href);
    }
    return current;
  }
  return { jar, go, follow };
}

/** The relying party under test: PKCE S256, form posts to the token endpoint. */
export function relyingParty(base: string, clientId: string, redirectUri: string) {
  const form = async (path: string, body: Record<string, string>) => {
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  return {
    authorizeUrl(params: Record<string, string>) {
      const u = new URL('/oidc/auth', base);
      for (const [k, v] of Object.entries({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        ...params,
      }))
        u.searchParams.set(k, v);
      return u.href;
    },
    pkce() {
      const verifier = b64url(randomBytes(32));
      return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
    },
    exchange: (code: string, verifier: string) =>
      form('/oidc/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
      }),
    refresh: (refreshToken: string) =>
      form('/oidc/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
    async userinfo(accessToken: string) {
      const res = await fetch(new URL('/oidc/me', base), {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      return {
        status: res.status,
        body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : null,
      };
    },
  };
}

/** The RP's own server: the redirect target is never fetched; back-channel logouts are recorded. */
export async function rpServer(): Promise<{ server: Server; port: number; logouts: string[] }> {
  const logouts: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/backchannel') {
        const token = new URLSearchParams(body).get('logout_token');
        if (token) logouts.push(token);
        res.writeHead(200).end();
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, logouts };
}

/** Signs in (through the cabinet cookie), consents and returns the code. */
export async function authorize(
  b: ReturnType<typeof httpBrowser>,
  party: ReturnType<typeof relyingParty>,
  redirectUri: string,
  scope: string,
  allowLabel: string,
  appName = 'Test RP',
) {
  const { verifier, challenge } = party.pkce();
  const state = b64url(randomBytes(12));
  const start = await b.go(
    'GET',
    party.authorizeUrl({
      scope,
      state,
      nonce: 'n-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }),
  );
  const consent = await b.follow(start);
  expect(consent).toBeInstanceOf(Response);
  const page = consent as Response;
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("form-action 'self' https: http:");
  const html = await page.text();
  expect(html).toContain(appName);
  expect(html).toContain(allowLabel);
  expect(html).toContain('data-scope="email"');
  // Every app registered here may hold refresh tokens: the screen says it keeps access, asked or not.
  expect(html).toContain('data-scope="offline_access"');
  const action = html
    .match(/<form method="post" action="([^"]+confirm[^"]*)"/)?.[1]
    ?.replaceAll('&#38;', '&');
  expect(action).toBeDefined();
  const done = await b.follow(await b.go('POST', action ?? ''));
  expect(done).toBeInstanceOf(URL);
  const callback = done as URL;
  expect(callback.origin + callback.pathname).toBe(redirectUri);
  expect(callback.searchParams.get('state')).toBe(state);
  const code = callback.searchParams.get('code') ?? '';
  expect(code).not.toBe('');
  return { code, verifier };
}

/**
 * An app's sign-in as the browser lives it: the authorization request, the
 * consent screen when it is shown (allowed), and where the browser ends up:
 * the app's redirect URI (with a code or an error) or another page of maxfiy
 * (the cabinet's sign-in).
 */
export async function signInToApp(
  b: ReturnType<typeof httpBrowser>,
  party: ReturnType<typeof relyingParty>,
  params: Record<string, string> = {},
): Promise<{ landed: URL; verifier: string }> {
  const { verifier, challenge } = party.pkce();
  const request = party.authorizeUrl({
    scope: 'openid email offline_access',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  let out = await b.follow(await b.go('GET', request));
  if (out instanceof Response) {
    const html = await out.text();
    const allow = html
      .match(/<form method="post" action="([^"]+confirm[^"]*)"/)?.[1]
      ?.replaceAll('&#38;', '&');
    expect(allow, 'a consent screen').toBeDefined();
    out = await b.follow(await b.go('POST', allow ?? ''));
  }
  expect(out).toBeInstanceOf(URL);
  return { landed: out as URL, verifier };
}
