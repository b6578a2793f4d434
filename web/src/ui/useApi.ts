import { useCallback, useEffect, useState } from 'react';
import { api, isAbort } from './api';

export type Loadable<T> =
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'failed'; error: unknown };

/**
 * GETs `path` on mount and whenever it changes. `reload()` fetches again and keeps
 * showing the previous answer until the new one arrives.
 */
export function useApi<T>(path: string): Loadable<T> & { reload: () => void } {
  const [answer, setAnswer] = useState<{ path: string; result: Loadable<T> } | null>(null);
  const [round, setRound] = useState(0);

  // `round` is a dependency only to fetch again.
  useEffect(() => {
    const controller = new AbortController();
    api<T>(path, { signal: controller.signal }).then(
      (data) => setAnswer({ path, result: { state: 'ready', data } }),
      (error: unknown) => {
        if (!isAbort(error)) setAnswer({ path, result: { state: 'failed', error } });
      },
    );
    return () => controller.abort();
  }, [path, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  const result: Loadable<T> = answer?.path === path ? answer.result : { state: 'loading' };
  return { ...result, reload };
}
