import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../ui/api';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireEmail, requireText } from '../ui/forms';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Redirect, useRouter } from '../ui/router';
import { useApi } from '../ui/useApi';
import { finishSecondStep, signInWithPasskey } from './factors';
import { loadOpaque, signInStaff } from './opaque';
import { type Staff, takeNextPath, useSession } from './session';

type SignInField = 'email' | 'password';

export function SignInPage() {
  const { t } = useTranslation();
  const { navigate } = useRouter();
  const { session, signedIn } = useSession();
  const setup = useApi<{ needed: boolean }>('/v1/setup/status');
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<SignInField>>({});
  const [busy, setBusy] = useState(false);
  const [wrong, setWrong] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  /** Set once the password was right and the authenticator code is asked for. */
  const [pendingId, setPendingId] = useState<string | null>(null);

  useEffect(() => {
    void loadOpaque().catch(() => undefined); // warm up; a real failure shows on submit
  }, []);

  if (session.status === 'signed-in' && !busy) return <Redirect to="/org" />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<SignInField> = { email: requireEmail(email), password: requireText(password) };
    setErrors(found);
    setWrong(false);
    setFailure(null);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    setBusy(true);
    try {
      const result = await signInStaff(email.trim(), password);
      setPassword('');
      if (!result) {
        setWrong(true);
        setBusy(false);
        return;
      }
      if ('pendingId' in result) {
        setPendingId(result.pendingId);
        setBusy(false);
        return;
      }
      signedIn(result.staff, result.factorRequired);
      navigate(takeNextPath('/org'), { replace: true });
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  async function withPasskey() {
    setFailure(null);
    setBusy(true);
    try {
      signedIn(await signInWithPasskey());
      navigate(takeNextPath('/org'), { replace: true });
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  if (pendingId) {
    return (
      <SecondStep
        pendingId={pendingId}
        onDone={(staff) => {
          signedIn(staff);
          navigate(takeNextPath('/org'), { replace: true });
        }}
        onRestart={() => setPendingId(null)}
      />
    );
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('admin.signin.title')} lead={t('admin.signin.lead')} />
      {setup.state === 'ready' && setup.data.needed && (
        <Notice>
          <p>{t('admin.signin.setupNeeded')}</p>
        </Notice>
      )}
      <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {wrong && (
          <Notice tone="error">
            <p>{t('admin.signin.wrong')}</p>
          </Notice>
        )}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('admin.fields.email')}
          type="email"
          autoComplete="username"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={errors.email && t(errors.email)}
        />
        <Field
          label={t('admin.fields.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.password && t(errors.password)}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? t('admin.signin.working') : t('admin.signin.submit')}
        </button>
      </form>
      <div className="form">
        <button
          type="button"
          className="button button--secondary button--block"
          onClick={withPasskey}
          disabled={busy}
        >
          {t('admin.factors.signin.passkey')}
        </button>
      </div>
    </div>
  );
}

/** The password was right; a code from the authenticator app (or a recovery code) completes the sign-in. */
function SecondStep({
  pendingId,
  onDone,
  onRestart,
}: {
  pendingId: string;
  onDone: (staff: Staff) => void;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFailure(null);
    setError(requireText(code));
    if (!code.trim()) return;
    setBusy(true);
    try {
      onDone(await finishSecondStep(pendingId, code));
    } catch (caught) {
      setFailure(caught);
      setCode('');
      setBusy(false);
      // After too many wrong codes the pending sign-in is gone: start again with the password.
      if (caught instanceof ApiError && caught.code === 'MXF_FACTOR_CHALLENGE_INVALID') onRestart();
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('admin.factors.signin.title')} lead={t('admin.factors.signin.lead')} />
      <form className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('admin.factors.signin.code')}
          autoComplete="one-time-code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={error && t(error)}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {t('admin.factors.signin.submit')}
        </button>
      </form>
    </div>
  );
}
