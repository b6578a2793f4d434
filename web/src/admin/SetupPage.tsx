import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireEmail, requireText } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { useApi } from '../ui/useApi';
import { loadOpaque, registerFirstAdmin } from './opaque';
import { useSession } from './session';

/** Staff passwords are checked here only: with OPAQUE the server never sees one to check. */
export const MIN_PASSWORD_LENGTH = 12;

/** The one-time token travels in the link; it is moved out of the address bar into this tab's storage. */
const TOKEN_KEY = 'maxfiy.setup.token';

function readToken(search: URLSearchParams): string {
  const fromUrl = search.get('token');
  if (fromUrl) return fromUrl;
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

type SetupField = 'displayName' | 'email' | 'password' | 'confirm';

export function SetupPage() {
  const { t } = useTranslation();
  const { search, navigate } = useRouter();
  const { signedIn } = useSession();
  const [token] = useState(() => readToken(search));
  const status = useApi<{ needed: boolean }>('/v1/setup/status');
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<SetupField, string>>({
    displayName: '',
    email: '',
    password: '',
    confirm: '',
  });
  const [errors, setErrors] = useState<FieldErrors<SetupField>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    if (!search.has('token')) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      return; // keep it in the address bar: a reload still works
    }
    navigate('/setup', { replace: true });
  }, [search, token, navigate]);

  useEffect(() => {
    void loadOpaque().catch(() => undefined); // warm up; a real failure shows on submit
  }, []);

  const bind = (name: SetupField) => ({
    value: values[name],
    onChange: (event: { target: { value: string } }) =>
      setValues((v) => ({ ...v, [name]: event.target.value })),
    error: errors[name] && t(errors[name], { min: MIN_PASSWORD_LENGTH }),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<SetupField> = {
      displayName: requireText(values.displayName),
      email: requireEmail(values.email),
      password:
        requireText(values.password) ??
        (values.password.length < MIN_PASSWORD_LENGTH ? 'admin.setup.tooShort' : undefined),
      confirm: values.confirm === values.password ? undefined : 'admin.setup.mismatch',
    };
    setErrors(found);
    setFailure(null);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    setBusy(true);
    try {
      const staff = await registerFirstAdmin({
        token,
        email: values.email.trim(),
        displayName: values.displayName.trim(),
        password: values.password,
      });
      try {
        sessionStorage.removeItem(TOKEN_KEY);
      } catch {
        // nothing to clean
      }
      // The new administrator has no second factor yet: the console leads to enrolling one.
      signedIn(staff, true);
      navigate('/org');
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('admin.setup.title')} lead={t('admin.setup.lead')} />
      {status.state === 'loading' && <Loading />}
      {status.state === 'failed' && <ErrorNotice error={status.error} onRetry={status.reload} />}
      {status.state === 'ready' && !status.data.needed && (
        <Notice>
          <p>{t('admin.setup.notNeeded')}</p>
          <Link to="/signin">{t('admin.setup.goSignIn')}</Link>
        </Notice>
      )}
      {status.state === 'ready' && status.data.needed && !token && (
        <Notice tone="error">
          <p>{t('admin.setup.missingToken')}</p>
        </Notice>
      )}
      {status.state === 'ready' && status.data.needed && token && (
        <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
          <Notice>
            <p>{t('admin.setup.opaque')}</p>
          </Notice>
          {Boolean(failure) && <ErrorNotice error={failure} />}
          <Field label={t('admin.fields.displayName')} autoComplete="name" {...bind('displayName')} />
          <Field label={t('admin.fields.email')} type="email" autoComplete="username" {...bind('email')} />
          <Field
            label={t('admin.fields.password')}
            type="password"
            autoComplete="new-password"
            hint={t('admin.passwordHint', { min: MIN_PASSWORD_LENGTH })}
            {...bind('password')}
          />
          <Field
            label={t('admin.fields.confirm')}
            type="password"
            autoComplete="new-password"
            {...bind('confirm')}
          />
          <button type="submit" className="button button--block" disabled={busy}>
            {busy ? t('admin.setup.working') : t('admin.setup.submit')}
          </button>
        </form>
      )}
    </div>
  );
}
