import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { LANGUAGE_NAMES, LANGUAGES } from '../ui/i18n';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { requireContact } from './SignUpPage';
import { useStepUp } from './StepUp';

export interface Profile {
  subjectId: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  name: string | null;
  locale: string | null;
  status: string;
  createdAt: number;
}

interface Change {
  field: string;
  from: string | null;
  to: string | null;
  at: number;
  source: string;
}

export function ProfilePage() {
  const { t } = useTranslation();
  const profile = useApi<{ profile: Profile }>('/v1/me/profile');
  const history = useApi<{ changes: Change[] }>('/v1/me/profile/history');
  const changed = () => {
    profile.reload();
    history.reload();
  };
  return (
    <div className="container page">
      <PageHeader title={t('cabinet.profile.title')} lead={t('cabinet.profile.lead')} />
      {profile.state === 'loading' && <Loading />}
      {profile.state === 'failed' && <ErrorNotice error={profile.error} onRetry={profile.reload} />}
      {profile.state === 'ready' && (
        <>
          <Details profile={profile.data.profile} onSaved={changed} />
          <ContactChange onChanged={changed} />
        </>
      )}
      <section className="card section-card" aria-labelledby="history-title">
        <h2 id="history-title">{t('cabinet.profile.history')}</h2>
        {history.state === 'failed' && <ErrorNotice error={history.error} onRetry={history.reload} />}
        {history.state === 'ready' &&
          (history.data.changes.length === 0 ? (
            <p className="empty">{t('cabinet.profile.noHistory')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('cabinet.common.when')}</th>
                    <th scope="col">{t('cabinet.profile.field')}</th>
                    <th scope="col">{t('cabinet.profile.from')}</th>
                    <th scope="col">{t('cabinet.profile.to')}</th>
                  </tr>
                </thead>
                <tbody>
                  {history.data.changes.map((change) => (
                    <tr key={`${change.at}-${change.field}-${change.to}`}>
                      <td>{formatDateTime(change.at)}</td>
                      <th scope="row">{fieldName(t, change.field)}</th>
                      <td>{change.from ?? '—'}</td>
                      <td>{change.to ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
    </div>
  );
}

function fieldName(t: (key: string) => string, field: string): string {
  return ['name', 'locale', 'email', 'phone'].includes(field) ? t(`cabinet.profile.fields.${field}`) : field;
}

function Details({ profile, onSaved }: { profile: Profile; onSaved: () => void }) {
  const { t } = useTranslation();
  const localeId = useId();
  const [name, setName] = useState(profile.name ?? '');
  const [locale, setLocale] = useState(profile.locale ?? '');
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setName(profile.name ?? '');
    setLocale(profile.locale ?? '');
  }, [profile]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    setSaved(false);
    try {
      await api('/v1/me/profile', {
        method: 'PATCH',
        body: { name: name.trim() || null, locale: locale || null },
      });
      setSaved(true);
      onSaved();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const verified = (yes: boolean) => t(yes ? 'cabinet.profile.verified' : 'cabinet.profile.unverified');
  return (
    <section className="card section-card" aria-labelledby="details-title">
      <h2 id="details-title">{t('cabinet.profile.details')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('cabinet.profile.fields.email')}</dt>
          <dd>{profile.email ? `${profile.email} (${verified(profile.emailVerified)})` : '—'}</dd>
        </div>
        <div>
          <dt>{t('cabinet.profile.fields.phone')}</dt>
          <dd>{profile.phone ? `${profile.phone} (${verified(profile.phoneVerified)})` : '—'}</dd>
        </div>
        <div>
          <dt>{t('cabinet.profile.since')}</dt>
          <dd>{formatDateTime(profile.createdAt)}</dd>
        </div>
      </dl>
      <form className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {saved && (
          <Notice tone="success">
            <p>{t('cabinet.common.saved')}</p>
          </Notice>
        )}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('cabinet.profile.fields.name')}
          autoComplete="name"
          maxLength={200}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <div className="field">
          <label className="field-label" htmlFor={localeId}>
            {t('cabinet.profile.fields.locale')}
          </label>
          <select
            id={localeId}
            className="input"
            value={locale}
            onChange={(event) => setLocale(event.target.value)}
          >
            <option value="">{t('cabinet.profile.noLocale')}</option>
            {LANGUAGES.map((lang) => (
              <option key={lang} value={lang} lang={lang}>
                {LANGUAGE_NAMES[lang]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={busy}>
          {t('cabinet.common.save')}
        </button>
      </form>
    </section>
  );
}

/** A new e-mail or phone takes effect only with the code sent to it. */
function ContactChange({ onChanged }: { onChanged: () => void }) {
  const { t } = useTranslation();
  const stepUp = useStepUp();
  const [contact, setContact] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [verificationId, setVerificationId] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = requireContact(contact);
    setError(found);
    setDone(false);
    if (found) return;
    void stepUp.run(async () => {
      const { verificationId: id } = await api<{ verificationId: string }>('/v1/me/contact/start', {
        method: 'POST',
        body: { contact: contact.trim() },
      });
      setVerificationId(id);
    });
  }

  function verify(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!verificationId) return;
    void stepUp.run(async () => {
      await api('/v1/me/contact/verify', {
        method: 'POST',
        body: { verificationId, code: code.trim() },
      });
      setVerificationId(null);
      setContact('');
      setCode('');
      setDone(true);
      onChanged();
    });
  }

  return (
    <section className="card section-card" aria-labelledby="contact-title">
      <h2 id="contact-title">{t('cabinet.profile.contactTitle')}</h2>
      <p>{t('cabinet.profile.contactLead')}</p>
      {stepUp.prompt}
      {Boolean(stepUp.failure) && <ErrorNotice error={stepUp.failure} />}
      {done && (
        <Notice tone="success">
          <p>{t('cabinet.profile.contactDone')}</p>
        </Notice>
      )}
      {verificationId ? (
        <form className="form" noValidate onSubmit={verify} aria-busy={stepUp.busy}>
          <Notice>
            <p>{t('cabinet.signup.codeSent')}</p>
          </Notice>
          <Field
            label={t('cabinet.fields.code')}
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
          <button type="submit" className="button" disabled={stepUp.busy}>
            {t('cabinet.profile.contactConfirm')}
          </button>
        </form>
      ) : (
        <form className="form" noValidate onSubmit={start} aria-busy={stepUp.busy}>
          <Field
            label={t('cabinet.profile.newContact')}
            hint={t('cabinet.fields.contactHint')}
            value={contact}
            onChange={(event) => setContact(event.target.value)}
            error={error && t(error)}
          />
          <button type="submit" className="button button--secondary" disabled={stepUp.busy}>
            {t('cabinet.signup.sendCode')}
          </button>
        </form>
      )}
    </section>
  );
}
