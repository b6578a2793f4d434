import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadOpaque } from '../admin/opaque';
import { ApiError } from '../ui/api';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireText } from '../ui/forms';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { safeReturn, signIn, signInTotp, signInWithPasskey } from './auth';
import { takeNextPath, useSession } from './session';

type SignInField = 'contact' | 'password';

/** Where to go once signed in: back into the OIDC flow that sent the customer here, or into the cabinet. */
function useAfterSignIn(): () => void {
  const { navigate, search } = useRouter();
  const { signedIn } = useSession();
  return () => {
    signedIn();
    const back = safeReturn(search.get('return'));
    if (back) window.location.assign(back);
    else navigate(takeNextPath('/profile'), { replace: true });
  };
}

export function SignInPage() {
  const { t } = useTranslation();
  const done = useAfterSignIn();
  const form = useRef<HTMLFormElement>(null);
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<SignInField>>({});
  const [busy, setBusy] = useState(false);
  const [wrong, setWrong] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  /** Set once the password was right and the authenticator code is asked for. */
  const [challengeId, setChallengeId] = useState<string | null>(null);

  useEffect(() => {
    void loadOpaque().catch(() => undefined); // warm up; a real failure shows on submit
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<SignInField> = {
      contact: requireText(contact),
      password: requireText(password),
    };
    setErrors(found);
    setWrong(false);
    setFailure(null);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    setBusy(true);
    try {
      const result = await signIn(contact, password);
      setPassword('');
      setBusy(false);
      if (!result) setWrong(true);
      else if ('challengeId' in result) setChallengeId(result.challengeId);
      else done();
    } catch (error) {
      setPassword('');
      setBusy(false);
      if (error instanceof ApiError && error.code === 'MXF_IDENTITY_SIGNIN_FAILED') setWrong(true);
      else setFailure(error);
    }
  }

  async function withPasskey() {
    setFailure(null);
    setBusy(true);
    try {
      await signInWithPasskey();
      done();
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  if (challengeId) {
    return <SecondStep challengeId={challengeId} onDone={done} onRestart={() => setChallengeId(null)} />;
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.signin.title')} lead={t('cabinet.signin.lead')} />
      <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {wrong && (
          <Notice tone="error">
            <p>{t('cabinet.signin.wrong')}</p>
          </Notice>
        )}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('cabinet.fields.contact')}
          hint={t('cabinet.fields.contactHint')}
          autoComplete="username"
          value={contact}
          onChange={(event) => setContact(event.target.value)}
          error={errors.contact && t(errors.contact)}
        />
        <Field
          label={t('cabinet.fields.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.password && t(errors.password)}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? t('cabinet.signin.working') : t('cabinet.signin.submit')}
        </button>
      </form>
      <div className="form">
        <button
          type="button"
          className="button button--secondary button--block"
          onClick={withPasskey}
          disabled={busy}
        >
          {t('cabinet.signin.passkey')}
        </button>
        <p>
          <Link to="/reset">{t('cabinet.signin.forgot')}</Link>
        </p>
        <p>
          {t('cabinet.signin.noAccount')} <Link to="/signup">{t('cabinet.signin.signup')}</Link>
        </p>
      </div>
    </div>
  );
}

/** The password was right; a code from the authenticator app (or a recovery code) completes the sign-in. */
function SecondStep({
  challengeId,
  onDone,
  onRestart,
}: {
  challengeId: string;
  onDone: () => void;
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
      await signInTotp(challengeId, code);
      onDone();
    } catch (caught) {
      setFailure(caught);
      setCode('');
      setBusy(false);
      // After too many wrong codes the challenge is gone: start again with the password.
      if (caught instanceof ApiError && caught.status === 404) onRestart();
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.signin.totpTitle')} lead={t('cabinet.signin.totpLead')} />
      <form className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('cabinet.signin.code')}
          autoComplete="one-time-code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={error && t(error)}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {t('cabinet.signin.continue')}
        </button>
      </form>
    </div>
  );
}
