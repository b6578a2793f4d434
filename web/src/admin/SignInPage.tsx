import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireEmail, requireText } from '../ui/forms';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Redirect, useRouter } from '../ui/router';
import { useApi } from '../ui/useApi';
import { loadOpaque, signInStaff } from './opaque';
import { takeNextPath, useSession } from './session';

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
      const staff = await signInStaff(email.trim(), password);
      if (!staff) {
        setWrong(true);
        setPassword('');
        setBusy(false);
        return;
      }
      signedIn(staff);
      navigate(takeNextPath('/org'), { replace: true });
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
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
    </div>
  );
}
