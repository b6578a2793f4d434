import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../ui/api';
import { ErrorNotice, Loading } from '../ui/Notice';
import { rememberNextPath, takeNextPath as takeNext } from '../ui/nextPath';
import { useRouter } from '../ui/router';

export interface Staff {
  id: string;
  displayName: string;
  roles: string[];
}

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; staff: Staff; factorRequired: boolean }
  | { status: 'failed'; error: unknown };

interface SessionApi {
  session: SessionState;
  /** `factorRequired`: the session may only enrol a passkey or authenticator app. */
  signedIn(staff: Staff, factorRequired?: boolean): void;
  signOut(): Promise<void>;
  recheck(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

/** Where a signed-out visitor wanted to go; kept in this tab only, never in the URL. */
const NEXT_KEY = 'maxfiy.admin.next';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: 'loading' });
  const [round, setRound] = useState(0);

  // `round` is a dependency only to ask again.
  useEffect(() => {
    const controller = new AbortController();
    // The session cookie is HttpOnly, so asking the server is the only way to know.
    api<{ staff: Staff; factorRequired?: boolean }>('/v1/staff/me', { signal: controller.signal }).then(
      ({ staff, factorRequired }) =>
        setSession({ status: 'signed-in', staff, factorRequired: factorRequired === true }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) setSession({ status: 'signed-out' });
        else setSession({ status: 'failed', error });
      },
    );
    return () => controller.abort();
  }, [round]);

  const signedIn = useCallback(
    (staff: Staff, factorRequired = false) => setSession({ status: 'signed-in', staff, factorRequired }),
    [],
  );
  const signOut = useCallback(async () => {
    await api('/v1/staff/logout', { method: 'POST', body: {} });
    setSession({ status: 'signed-out' });
  }, []);
  const recheck = useCallback(() => setRound((n) => n + 1), []);

  const value = useMemo(
    () => ({ session, signedIn, signOut, recheck }),
    [session, signedIn, signOut, recheck],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

/** After signing in: back to the page the person first asked for, or the default one. */
export function takeNextPath(fallback: string): string {
  return takeNext(NEXT_KEY, fallback);
}

/** Renders its children only for signed-in staff; sends everyone else to the sign-in page. */
export function RequireStaff({
  children,
  enrol,
}: {
  children: (staff: Staff) => ReactNode;
  /** Shown instead of any page while the member must first enrol a second factor. */
  enrol: (staff: Staff) => ReactNode;
}) {
  const { session, recheck } = useSession();
  const { path } = useRouter();
  if (session.status === 'loading') return <Loading />;
  if (session.status === 'failed') {
    return (
      <div className="container narrow page">
        <ErrorNotice error={session.error} onRetry={recheck} />
      </div>
    );
  }
  if (session.status === 'signed-out') return <ToSignIn from={path} />;
  if (session.factorRequired) return <>{enrol(session.staff)}</>;
  return <>{children(session.staff)}</>;
}

function ToSignIn({ from }: { from: string }) {
  const { navigate } = useRouter();
  useEffect(() => {
    if (from !== '/') rememberNextPath(NEXT_KEY, from);
    navigate('/signin', { replace: true });
  }, [from, navigate]);
  return null;
}
