import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadOpaque } from '../admin/opaque';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireText } from '../ui/forms';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { finishReset, finishSignup, sendCode } from './auth';
import { checkNewPassword, NewPasswordFields } from './NewPassword';
import { useSession } from './session';

/** The server decides what a contact is; this only catches what is plainly neither. */
const CONTACT = /^(\s*[^\s@]+@[^\s@]+\.[^\s@]+\s*|\s*\+?[0-9][0-9 ()-]{6,22}\s*)$/;

export function requireContact(value: string): string | undefined {
  return requireText(value) ?? (CONTACT.test(value) ? undefined : 'cabinet.fields.contactInvalid');
}

type Flow = 'signup' | 'reset';

/** Step 1 of sign-up and reset: where to send the code. */
function ContactStep({ flow, onSent }: { flow: Flow; onSent: (verificationId: string) => void }) {
  const { t } = useTranslation();
  const form = useRef<HTMLFormElement>(null);
  const [contact, setContact] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = requireContact(contact);
    setError(found);
    setFailure(null);
    if (found) return focusFirstInvalid(form.current);
    setBusy(true);
    try {
      onSent(await sendCode(flow, contact));
    } catch (caught) {
      setFailure(caught);
      setBusy(false);
    }
  }

  return (
    <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <Field
        label={t('cabinet.fields.contact')}
        hint={t('cabinet.fields.contactHint')}
        autoComplete="username"
        value={contact}
        onChange={(event) => setContact(event.target.value)}
        error={error && t(error)}
      />
      <button type="submit" className="button button--block" disabled={busy}>
        {t('cabinet.signup.sendCode')}
      </button>
    </form>
  );
}

type PasswordField = 'code' | 'password' | 'repeat';

/** Step 2: the code that arrived, and the password (which stays in this browser). */
function PasswordStep({
  flow,
  verificationId,
  onDone,
}: {
  flow: Flow;
  verificationId: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const form = useRef<HTMLFormElement>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<PasswordField> = {
      code: /^\s*\d{6}\s*$/.test(code) ? undefined : 'cabinet.fields.codeInvalid',
      ...checkNewPassword(password, repeat),
    };
    setErrors(found);
    setFailure(null);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    setBusy(true);
    try {
      if (flow === 'signup') await finishSignup(verificationId, code, password);
      else await finishReset(verificationId, code, password);
      onDone();
    } catch (caught) {
      setFailure(caught);
      setBusy(false);
    }
  }

  return (
    <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
      <Notice>
        <p>{t('cabinet.signup.codeSent')}</p>
      </Notice>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <Field
        label={t('cabinet.fields.code')}
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => setCode(event.target.value)}
        error={errors.code && t(errors.code)}
      />
      <NewPasswordFields
        label={t(flow === 'signup' ? 'cabinet.fields.password' : 'cabinet.fields.newPassword')}
        password={password}
        repeat={repeat}
        onPassword={setPassword}
        onRepeat={setRepeat}
        errors={errors}
      />
      <button type="submit" className="button button--block" disabled={busy}>
        {busy
          ? t('cabinet.signup.working')
          : t(flow === 'signup' ? 'cabinet.signup.submit' : 'cabinet.reset.submit')}
      </button>
    </form>
  );
}

export function SignUpPage() {
  const { t } = useTranslation();
  const { navigate } = useRouter();
  const { signedIn } = useSession();
  const [verificationId, setVerificationId] = useState<string | null>(null);
  useEffect(() => {
    void loadOpaque().catch(() => undefined);
  }, []);
  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.signup.title')} lead={t('cabinet.signup.lead')} />
      {verificationId ? (
        <PasswordStep
          flow="signup"
          verificationId={verificationId}
          onDone={() => {
            signedIn();
            navigate('/profile', { replace: true });
          }}
        />
      ) : (
        <ContactStep flow="signup" onSent={setVerificationId} />
      )}
      <p className="form">
        {t('cabinet.signup.haveAccount')} <Link to="/signin">{t('cabinet.signup.signin')}</Link>
      </p>
    </div>
  );
}

export function ResetPage() {
  const { t } = useTranslation();
  const { signedOut } = useSession();
  const [verificationId, setVerificationId] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.reset.title')} lead={t('cabinet.reset.lead')} />
      {done ? (
        <Notice tone="success">
          <p>{t('cabinet.reset.done')}</p>
          <p>
            <Link to="/signin">{t('cabinet.signup.signin')}</Link>
          </p>
        </Notice>
      ) : verificationId ? (
        <PasswordStep
          flow="reset"
          verificationId={verificationId}
          onDone={() => {
            signedOut(); // the reset ended every session
            setDone(true);
          }}
        />
      ) : (
        <ContactStep flow="reset" onSent={setVerificationId} />
      )}
    </div>
  );
}
