import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../ui/api';
import { ErrorNotice, Loading } from '../ui/Notice';
import { rememberNextPath, takeNextPath as takeNext } from '../ui/nextPath';
import { useRouter } from '../ui/router';

/**
 * The customer's session as the cabinet knows it. The cookie is HttpOnly, so
 * only the server can say; it is asked on the first page that needs a
 * signed-in customer, not on the public pages (home, privacy, sign-in).
 */
type SessionState =
  | { status: 'unknown' }
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in' }
  | { status: 'failed'; error: unknown };

/** What a compromise report did; kept to show it once the session is gone. */
export interface CompromiseOutcome {
  incidentId: string;
  sessionsEnded: number;
  opened: boolean;
}

interface SessionApi {
  session: SessionState;
  report: CompromiseOutcome | null;
  check(): void;
  signedIn(): void;
  /** After the server ended this session (sign-out, compromise report, password reset). */
  signedOut(report?: CompromiseOutcome): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

const NEXT_KEY = 'maxfiy.cabinet.next';

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: 'unknown' });
  const [report, setReport] = useState<CompromiseOutcome | null>(null);

  const check = useCallback(() => {
    setSession({ status: 'loading' });
    api('/v1/me/profile').then(
      () => setSession({ status: 'signed-in' }),
      (error: unknown) =>
        setSession(
          error instanceof ApiError && error.status === 401
            ? { status: 'signed-out' }
            : { status: 'failed', error },
        ),
    );
  }, []);
  const signedIn = useCallback(() => {
    setReport(null);
    setSession({ status: 'signed-in' });
  }, []);
  const signedOut = useCallback((outcome?: CompromiseOutcome) => {
    if (outcome) setReport(outcome);
    setSession({ status: 'signed-out' });
  }, []);
  const signOut = useCallback(async () => {
    await api('/v1/signout', { method: 'POST' });
    setSession({ status: 'signed-out' });
  }, []);

  const value = useMemo(
    () => ({ session, report, check, signedIn, signedOut, signOut }),
    [session, report, check, signedIn, signedOut, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

/** After signing in: back to the cabinet page first asked for, or the default one. */
export function takeNextPath(fallback: string): string {
  return takeNext(NEXT_KEY, fallback);
}

/** Renders its children only for a signed-in customer; sends everyone else to the sign-in page. */
export function RequireCustomer({ children }: { children: ReactNode }) {
  const { session, check } = useSession();
  const { path, navigate } = useRouter();

  useEffect(() => {
    if (session.status === 'unknown') check();
  }, [session.status, check]);

  useEffect(() => {
    if (session.status !== 'signed-out') return;
    rememberNextPath(NEXT_KEY, path);
    navigate('/signin', { replace: true });
  }, [session.status, path, navigate]);

  if (session.status === 'failed') {
    return (
      <div className="container narrow page">
        <ErrorNotice error={session.error} onRetry={check} />
      </div>
    );
  }
  if (session.status !== 'signed-in') return <Loading />;
  return <>{children}</>;
}
