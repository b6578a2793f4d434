import { type FormEvent, type ReactNode, type RefObject, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from './Field';
import { requireText } from './forms';
import { ErrorNotice, Notice } from './Notice';
import { PageHeader } from './Page';

interface Input {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}

/**
 * The sign-in form of a card: who (e-mail or phone), the password, the submit
 * button, and below the form a passkey button and whatever `children` add.
 * State and checks stay with the page; this only draws them.
 */
export function SignInForm({
  formRef,
  busy,
  onSubmit,
  wrong,
  failure,
  login,
  password,
  submit,
  working,
  passkey,
  onPasskey,
  children,
}: {
  formRef: RefObject<HTMLFormElement | null>;
  busy: boolean;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  /** Said when the pair did not match, or null. */
  wrong: string | null;
  failure: unknown;
  login: Input & { hint?: string; type?: string };
  password: Input;
  submit: string;
  working: string;
  passkey: string;
  onPasskey: () => void;
  children?: ReactNode;
}) {
  return (
    <>
      <form ref={formRef} className="form" noValidate onSubmit={onSubmit} aria-busy={busy}>
        {wrong && (
          <Notice tone="error">
            <p>{wrong}</p>
          </Notice>
        )}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={login.label}
          hint={login.hint}
          type={login.type}
          autoComplete="username"
          value={login.value}
          onChange={(event) => login.onChange(event.target.value)}
          error={login.error}
        />
        <Field
          label={password.label}
          type="password"
          autoComplete="current-password"
          value={password.value}
          onChange={(event) => password.onChange(event.target.value)}
          error={password.error}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? working : submit}
        </button>
      </form>
      <div className="form">
        <button
          type="button"
          className="button button--secondary button--block"
          onClick={onPasskey}
          disabled={busy}
        >
          {passkey}
        </button>
        {children}
      </div>
    </>
  );
}

/**
 * The password was right; a code from the authenticator app (or a recovery code)
 * completes the sign-in. `finish` sends it; when `expired(error)` says the pending
 * sign-in is gone (too many wrong codes), `onRestart` starts again with the password.
 */
export function CodeStep({
  title,
  lead,
  label,
  submit,
  finish,
  expired,
  onRestart,
}: {
  title: string;
  lead: string;
  label: string;
  submit: string;
  finish: (code: string) => Promise<void>;
  expired: (error: unknown) => boolean;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFailure(null);
    setError(requireText(code));
    if (!code.trim()) return;
    setBusy(true);
    try {
      await finish(code);
    } catch (caught) {
      setFailure(caught);
      setCode('');
      setBusy(false);
      if (expired(caught)) onRestart();
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={title} lead={lead} />
      <form className="form" noValidate onSubmit={send} aria-busy={busy}>
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={label}
          autoComplete="one-time-code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={error && t(error)}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {submit}
        </button>
      </form>
    </div>
  );
}
