import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { type FieldErrors, focusFirstInvalid, hasErrors } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useRouter } from '../ui/router';
import { useApi } from '../ui/useApi';
import { changePassword } from './auth';
import { FactorsSection } from './FactorsSection';
import { checkNewPassword, NewPasswordFields } from './NewPassword';
import { useStepUp } from './StepUp';
import { type CompromiseOutcome, useSession } from './session';

interface Session {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  device: string;
  ip: string | null;
  current: boolean;
}

interface Signin {
  at: number;
  method: string;
  result: string;
  newDevice: boolean;
  device: string;
  ip: string | null;
}

interface SigninNotice {
  id: string;
  kind: string;
  createdAt: number;
  device: string | null;
  ip: string | null;
}

/** Known words from the server, shown in the UI language; anything new is shown as it came. */
function known(t: (key: string) => string, group: string, value: string, values: string[]): string {
  return values.includes(value) ? t(`cabinet.security.${group}.${value}`) : value;
}

export function SecurityPage() {
  const { t } = useTranslation();
  return (
    <div className="container page">
      <PageHeader title={t('cabinet.security.title')} lead={t('cabinet.security.lead')} />
      <Notices />
      <Sessions />
      <PasswordChange />
      <FactorsSection />
      <History />
      <Report />
    </div>
  );
}

function Sessions() {
  const { t } = useTranslation();
  const list = useApi<{ sessions: Session[] }>('/v1/me/sessions');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
      list.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const others = list.state === 'ready' ? list.data.sessions.filter((s) => !s.current).length : 0;
  return (
    <section className="card section-card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('cabinet.security.sessions')}</h2>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {list.state === 'ready' && (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('cabinet.security.device')}</th>
                  <th scope="col">{t('cabinet.security.address')}</th>
                  <th scope="col">{t('cabinet.security.started')}</th>
                  <th scope="col">{t('cabinet.security.lastSeen')}</th>
                  <th scope="col">{t('cabinet.common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.sessions.map((session) => (
                  <tr key={session.id}>
                    <th scope="row">{session.device}</th>
                    <td>{session.ip ?? '—'}</td>
                    <td>{formatDateTime(session.createdAt)}</td>
                    <td>{formatDateTime(session.lastSeenAt)}</td>
                    <td>
                      {session.current ? (
                        t('cabinet.security.thisSession')
                      ) : (
                        <button
                          type="button"
                          className="button button--secondary button--small"
                          disabled={busy}
                          aria-label={t('cabinet.security.endNamed', { device: session.device })}
                          onClick={() =>
                            run(() =>
                              api(`/v1/me/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' }),
                            )
                          }
                        >
                          {t('cabinet.security.end')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button button--secondary"
              disabled={busy || others === 0}
              onClick={() => run(() => api('/v1/me/sessions/end-others', { method: 'POST' }))}
            >
              {t('cabinet.security.endOthers')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function History() {
  const { t } = useTranslation();
  const list = useApi<{ signins: Signin[] }>('/v1/me/signins');
  return (
    <section className="card section-card" aria-labelledby="signins-title">
      <h2 id="signins-title">{t('cabinet.security.history')}</h2>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('cabinet.common.when')}</th>
                <th scope="col">{t('cabinet.security.result')}</th>
                <th scope="col">{t('cabinet.security.method')}</th>
                <th scope="col">{t('cabinet.security.device')}</th>
                <th scope="col">{t('cabinet.security.address')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.signins.map((signin) => (
                <tr key={`${signin.at}-${signin.device}-${signin.result}`}>
                  <td>{formatDateTime(signin.at)}</td>
                  <th scope="row">
                    {known(t, 'results', signin.result, ['success', 'failed', 'blocked'])}
                    {signin.newDevice && ` · ${t('cabinet.security.newDevice')}`}
                  </th>
                  <td>{known(t, 'methods', signin.method, ['password', 'passkey', 'password+totp'])}</td>
                  <td>{signin.device}</td>
                  <td>{signin.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Notices() {
  const { t } = useTranslation();
  const list = useApi<{ notices: SigninNotice[] }>('/v1/me/notices');
  if (list.state === 'failed') return <ErrorNotice error={list.error} onRetry={list.reload} />;
  if (list.state !== 'ready' || list.data.notices.length === 0) return null;
  return (
    <section className="card section-card" aria-labelledby="notices-title">
      <h2 id="notices-title">{t('cabinet.security.notices')}</h2>
      <ul className="notice-list">
        {list.data.notices.map((notice) => (
          <li key={notice.id}>
            {t('cabinet.security.newDeviceNotice', {
              when: formatDateTime(notice.createdAt),
              device: notice.device ?? '—',
              address: notice.ip ?? '—',
            })}
          </li>
        ))}
      </ul>
      <p className="hint">{t('cabinet.security.noticesHint')}</p>
    </section>
  );
}

type PasswordField = 'password' | 'repeat';

function PasswordChange() {
  const { t } = useTranslation();
  const stepUp = useStepUp();
  const form = useRef<HTMLFormElement>(null);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const [done, setDone] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: FieldErrors<PasswordField> = {
      ...checkNewPassword(password, repeat),
    };
    setErrors(found);
    setDone(false);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    void stepUp.run(async () => {
      await changePassword(password);
      setPassword('');
      setRepeat('');
      setDone(true);
    });
  }

  return (
    <section className="card section-card" aria-labelledby="password-title">
      <h2 id="password-title">{t('cabinet.security.password')}</h2>
      <p>{t('cabinet.security.passwordLead')}</p>
      {stepUp.prompt}
      {Boolean(stepUp.failure) && <ErrorNotice error={stepUp.failure} />}
      {done && (
        <Notice tone="success">
          <p>{t('cabinet.security.passwordDone')}</p>
        </Notice>
      )}
      <form ref={form} className="form" noValidate onSubmit={submit} aria-busy={stepUp.busy}>
        <NewPasswordFields
          label={t('cabinet.fields.newPassword')}
          password={password}
          repeat={repeat}
          onPassword={setPassword}
          onRepeat={setRepeat}
          errors={errors}
        />
        <button type="submit" className="button" disabled={stepUp.busy}>
          {t('cabinet.security.passwordSubmit')}
        </button>
      </form>
    </section>
  );
}

/** §6: the customer reports a compromise at once; the server ends every session, this one included. */
function Report() {
  const { t } = useTranslation();
  const { signedOut } = useSession();
  const { navigate } = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function report() {
    setBusy(true);
    setFailure(null);
    try {
      signedOut(await api<CompromiseOutcome>('/v1/me/compromise', { method: 'POST' }));
      navigate('/compromise', { replace: true });
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  return (
    <section className="card section-card" aria-labelledby="report-title">
      <h2 id="report-title">{t('cabinet.compromise.title')}</h2>
      <p>{t('cabinet.compromise.what')}</p>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {confirming ? (
        <div className="form-actions">
          <button type="button" className="button" onClick={report} disabled={busy}>
            {t('cabinet.compromise.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => setConfirming(false)}>
            {t('cabinet.common.cancel')}
          </button>
        </div>
      ) : (
        <button type="button" className="button button--secondary" onClick={() => setConfirming(true)}>
          {t('cabinet.compromise.start')}
        </button>
      )}
    </section>
  );
}
