import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
  useSyncExternalStore,
} from 'react';

/**
 * A small router on the History API. Each shell mounts one `<Router base>`;
 * routes are written relative to that base (`/org`, not `/admin/org`).
 */

const NAVIGATE_EVENT = 'maxfiy:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const snapshot = () => location.pathname + location.search;

interface RouterState {
  base: string;
  /** Path below the base, always starting with `/`. */
  path: string;
  search: URLSearchParams;
  href(to: string): string;
  navigate(to: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterState | null>(null);

function stripBase(base: string, pathname: string): string {
  if (base && (pathname === base || pathname.startsWith(`${base}/`))) {
    return pathname.slice(base.length) || '/';
  }
  return pathname || '/';
}

export function Router({ base = '', children }: { base?: string; children: ReactNode }) {
  const url = useSyncExternalStore(subscribe, snapshot);
  const state = useMemo<RouterState>(() => {
    const [pathname = '/', query = ''] = url.split('?');
    const href = (to: string) => `${base}${to}`;
    return {
      base,
      path: stripBase(base, pathname),
      search: new URLSearchParams(query),
      href,
      navigate(to, options) {
        if (options?.replace) history.replaceState(null, '', href(to));
        else {
          history.pushState(null, '', href(to));
          window.scrollTo(0, 0);
        }
        window.dispatchEvent(new Event(NAVIGATE_EVENT));
      },
    };
  }, [base, url]);
  return <RouterContext.Provider value={state}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterState {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter outside <Router>');
  return router;
}

/** Matches `/sites/:id` against a path; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

export interface Route {
  path: string;
  render: (params: Record<string, string>) => ReactNode;
}

export function Routes({ routes, fallback }: { routes: Route[]; fallback: ReactNode }) {
  const { path } = useRouter();
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return <>{route.render(params)}</>;
  }
  return <>{fallback}</>;
}

export function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
  to: string;
  /** Marks the link `aria-current="page"` when the path equals `to` or lies below it. */
  nav?: boolean;
};

export function Link({ to, nav, onClick, ...rest }: LinkProps) {
  const { href, navigate, path } = useRouter();
  const active = nav && (path === to || (to !== '/' && path.startsWith(`${to}/`)));
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    const plainClick =
      event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
    if (event.defaultPrevented || !plainClick || rest.target) return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={href(to)} aria-current={active ? 'page' : undefined} onClick={follow} />;
}
