import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../ui/api';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireEmail, requireText } from '../ui/forms';
import { Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Redirect, useRouter } from '../ui/router';
import { CodeStep, SignInForm } from '../ui/SignInForm';
import { useApi } from '../ui/useApi';
import { finishSecondStep, signInWithPasskey } from './factors';
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
      <CodeStep
        title={t('admin.factors.signin.title')}
        lead={t('admin.factors.signin.lead')}
        label={t('admin.factors.signin.code')}
        submit={t('admin.factors.signin.submit')}
        finish={async (code) => {
          signedIn(await finishSecondStep(pendingId, code));
          navigate(takeNextPath('/org'), { replace: true });
        }}
        // After too many wrong codes the pending sign-in is gone: start again with the password.
        expired={(error) => error instanceof ApiError && error.code === 'MXF_FACTOR_CHALLENGE_INVALID'}
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
      <SignInForm
        formRef={form}
        busy={busy}
        onSubmit={submit}
        wrong={wrong ? t('admin.signin.wrong') : null}
        failure={failure}
        login={{
          label: t('admin.fields.email'),
          type: 'email',
          value: email,
          onChange: setEmail,
          error: errors.email && t(errors.email),
        }}
        password={{
          label: t('admin.fields.password'),
          value: password,
          onChange: setPassword,
          error: errors.password && t(errors.password),
        }}
        submit={t('admin.signin.submit')}
        working={t('admin.signin.working')}
        passkey={t('admin.factors.signin.passkey')}
        onPasskey={withPasskey}
      />
    </div>
  );
}
