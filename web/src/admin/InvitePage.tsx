import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import { type FieldErrors, focusFirstInvalid, hasErrors, requireText } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { loadOpaque, registerStaffPassword } from './opaque';
import { MIN_PASSWORD_LENGTH } from './SetupPage';
import { useSession } from './session';

/** The one-time token travels in the link; it is moved out of the address bar into this tab's storage. */
const TOKEN_KEY = 'maxfiy.invite.token';

interface Invitation {
  email: string;
  displayName: string;
  roles: string[];
}

function readToken(search: URLSearchParams): string {
  const fromUrl = search.get('token');
  if (fromUrl) return fromUrl;
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

type InviteField = 'password' | 'confirm';

/** Where an invited staff member sets a password (OPAQUE: it never leaves the browser). */
export function InvitePage() {
  const { t } = useTranslation();
  const { search, navigate } = useRouter();
  const { signedIn } = useSession();
  const [token] = useState(() => readToken(search));
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [invalid, setInvalid] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<InviteField, string>>({ password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors<InviteField>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    if (!search.has('token')) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      return; // keep it in the address bar: a reload still works
    }
    navigate('/invite', { replace: true });
  }, [search, token, navigate]);

  useEffect(() => {
    if (!token) return;
    void loadOpaque().catch(() => undefined); // warm up; a real failure shows on submit
    api<Invitation>('/v1/staff/invite/check', { method: 'POST', body: { token } }).then(
      setInvitation,
      setInvalid,
    );
  }, [token]);

  const bind = (name: InviteField) => ({
    value: values[name],
    onChange: (event: { target: { value: string } }) =>
      setValues((v) => ({ ...v, [name]: event.target.value })),
    error: errors[name] && t(errors[name], { min: MIN_PASSWORD_LENGTH }),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<InviteField> = {
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
      const staff = await registerStaffPassword(
        { start: '/v1/staff/invite/start', finish: '/v1/staff/invite/finish' },
        { token },
        values.password,
      );
      try {
        sessionStorage.removeItem(TOKEN_KEY);
      } catch {
        // nothing to clean
      }
      // No second factor yet: the console leads to enrolling one first.
      signedIn(staff, true);
      navigate('/org');
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('staff.invite.title')} lead={t('staff.invite.lead')} />
      {!token && (
        <Notice tone="error">
          <p>{t('staff.invite.missingToken')}</p>
        </Notice>
      )}
      {Boolean(invalid) && (
        <>
          <ErrorNotice error={invalid} />
          <Link to="/signin">{t('admin.setup.goSignIn')}</Link>
        </>
      )}
      {token && !invalid && !invitation && <Loading />}
      {invitation && (
        <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={busy}>
          <p data-testid="invite-who">
            {t('staff.invite.who', {
              name: invitation.displayName,
              email: invitation.email,
              roles: invitation.roles.map((role) => t(`people.roles.${role}`, role)).join(', '),
            })}
          </p>
          <Notice>
            <p>{t('admin.setup.opaque')}</p>
          </Notice>
          {Boolean(failure) && <ErrorNotice error={failure} />}
          {/* Lets password managers file the password under the right account. */}
          <input type="email" hidden readOnly autoComplete="username" value={invitation.email} />
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
            {busy ? t('admin.setup.working') : t('staff.invite.submit')}
          </button>
        </form>
      )}
    </div>
  );
}
