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

/**
 * The two one-time links that set a staff member's password: an invitation,
 * and an administrator's reset of a member's sign-in. Each has its page, API
 * and texts; the token is moved out of the address bar into this tab's storage.
 */
export type PasswordLinkKind = 'invite' | 'reset';
const flowOf = <K extends PasswordLinkKind>(kind: K) =>
  ({
    path: `/${kind}`,
    tokenKey: `maxfiy.${kind}.token`,
    api: `/v1/staff/${kind}`,
    texts: `staff.${kind}`,
  }) as const;
/** One object per kind, made once: the page's effects depend on it and must not run again on each render. */
const FLOWS = { invite: flowOf('invite'), reset: flowOf('reset') };

/** Whom the link is for: an invitation names the address and roles, a reset only the member. */
interface LinkHolder {
  displayName: string;
  email?: string;
  roles?: string[];
}

function readToken(search: URLSearchParams, key: string): string {
  const fromUrl = search.get('token');
  if (fromUrl) return fromUrl;
  try {
    return sessionStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

type InviteField = 'password' | 'confirm';

/** Where a staff member sets a password from a one-time link (OPAQUE: it never leaves the browser). */
export function InvitePage({ kind = 'invite' }: { kind?: PasswordLinkKind }) {
  const { t } = useTranslation();
  const { search, navigate } = useRouter();
  const { signedIn } = useSession();
  const flow = FLOWS[kind];
  const [token] = useState(() => readToken(search, flow.tokenKey));
  const [invitation, setInvitation] = useState<LinkHolder | null>(null);
  const [invalid, setInvalid] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<Record<InviteField, string>>({ password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors<InviteField>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    if (!search.has('token')) return;
    try {
      sessionStorage.setItem(flow.tokenKey, token);
    } catch {
      return; // keep it in the address bar: a reload still works
    }
    navigate(flow.path, { replace: true });
  }, [search, token, navigate, flow]);

  useEffect(() => {
    if (!token) return;
    void loadOpaque().catch(() => undefined); // warm up; a real failure shows on submit
    api<LinkHolder>(`${flow.api}/check`, { method: 'POST', body: { token } }).then(setInvitation, setInvalid);
  }, [token, flow]);

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
        { start: `${flow.api}/start`, finish: `${flow.api}/finish` },
        { token },
        values.password,
      );
      try {
        sessionStorage.removeItem(flow.tokenKey);
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
      <PageHeader title={t(`${flow.texts}.title`)} lead={t(`${flow.texts}.lead`)} />
      {!token && (
        <Notice tone="error">
          <p>{t(`${flow.texts}.missingToken`)}</p>
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
            {t(`${flow.texts}.who`, {
              name: invitation.displayName,
              email: invitation.email,
              roles: (invitation.roles ?? []).map((role) => t(`people.roles.${role}`, role)).join(', '),
            })}
          </p>
          <Notice>
            <p>{t('admin.setup.opaque')}</p>
          </Notice>
          {Boolean(failure) && <ErrorNotice error={failure} />}
          {/* Lets password managers file the password under the right account. */}
          {invitation.email && (
            <input type="email" hidden readOnly autoComplete="username" value={invitation.email} />
          )}
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
            {busy ? t('admin.setup.working') : t(`${flow.texts}.submit`)}
          </button>
        </form>
      )}
    </div>
  );
}
