import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadOpaque } from '../admin/opaque';
import { ApiError } from '../ui/api';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireText } from '../ui/forms';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { CodeStep, SignInForm } from '../ui/SignInForm';
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
    return (
      <CodeStep
        title={t('cabinet.signin.totpTitle')}
        lead={t('cabinet.signin.totpLead')}
        label={t('cabinet.signin.code')}
        submit={t('cabinet.signin.continue')}
        finish={async (code) => {
          await signInTotp(challengeId, code);
          done();
        }}
        // After too many wrong codes the challenge is gone: start again with the password.
        expired={(error) => error instanceof ApiError && error.status === 404}
        onRestart={() => setChallengeId(null)}
      />
    );
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.signin.title')} lead={t('cabinet.signin.lead')} />
      <SignInForm
        formRef={form}
        busy={busy}
        onSubmit={submit}
        wrong={wrong ? t('cabinet.signin.wrong') : null}
        failure={failure}
        login={{
          label: t('cabinet.fields.contact'),
          hint: t('cabinet.fields.contactHint'),
          value: contact,
          onChange: setContact,
          error: errors.contact && t(errors.contact),
        }}
        password={{
          label: t('cabinet.fields.password'),
          value: password,
          onChange: setPassword,
          error: errors.password && t(errors.password),
        }}
        submit={t('cabinet.signin.submit')}
        working={t('cabinet.signin.working')}
        passkey={t('cabinet.signin.passkey')}
        onPasskey={withPasskey}
      >
        <p>
          <Link to="/reset">{t('cabinet.signin.forgot')}</Link>
        </p>
        <p>
          {t('cabinet.signin.noAccount')} <Link to="/signup">{t('cabinet.signin.signup')}</Link>
        </p>
      </SignInForm>
    </div>
  );
}
