/**
 * The page someone asked for before being sent to sign in, kept for this tab
 * under `key` (one per app). Without storage they land on the default page.
 */
export function rememberNextPath(key: string, path: string): void {
  try {
    sessionStorage.setItem(key, path);
  } catch {
    // Without storage the person lands on the default page after signing in.
  }
}

/** After signing in: the remembered page (only a same-origin path), once, or `fallback`. */
export function takeNextPath(key: string, fallback: string): string {
  try {
    const next = sessionStorage.getItem(key);
    sessionStorage.removeItem(key);
    return next?.startsWith('/') && !next.startsWith('//') ? next : fallback;
  } catch {
    return fallback;
  }
}
