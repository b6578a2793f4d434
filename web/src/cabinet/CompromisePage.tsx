import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { ErrorNotice, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { type CompromiseOutcome, useSession } from './session';

/** What the server did on a compromise report, told plainly, with the way back in. */
export function CompromiseDone({ outcome }: { outcome: CompromiseOutcome }) {
  const { t } = useTranslation();
  return (
    <Notice tone="success">
      <p>{t('cabinet.compromise.done')}</p>
      <ul>
        <li>{t('cabinet.compromise.sessionsEnded', { n: outcome.sessionsEnded })}</li>
        <li>{t('cabinet.compromise.blocked')}</li>
        <li>{t('cabinet.compromise.incident', { id: outcome.incidentId })}</li>
      </ul>
      <p>
        <Link to="/reset">{t('cabinet.compromise.reset')}</Link>
      </p>
    </Notice>
  );
}

/**
 * The "this wasn't me" link from a new-device notice (`/compromise?token=…`),
 * for someone who may not be able to sign in. Nothing happens until the button
 * is pressed, so a mail scanner that opens the link changes nothing.
 */
export function CompromisePage() {
  const { t } = useTranslation();
  const { search } = useRouter();
  const { signedOut, report: reported } = useSession();
  const [token] = useState(() => search.get('token') ?? '');
  // Also where a report from the Security page lands, once its session is gone.
  const [outcome, setOutcome] = useState<CompromiseOutcome | null>(reported);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function report() {
    setBusy(true);
    setFailure(null);
    try {
      const done = await api<CompromiseOutcome>('/v1/compromise', { method: 'POST', body: { token } });
      setOutcome(done);
      signedOut(done);
      // The link is spent: keep it out of the address bar and the history.
      history.replaceState(history.state, '', location.pathname);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="auth-card card">
      <PageHeader title={t('cabinet.compromise.title')} lead={t('cabinet.compromise.lead')} />
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {outcome ? (
        <CompromiseDone outcome={outcome} />
      ) : token ? (
        <div className="form">
          <p>{t('cabinet.compromise.what')}</p>
          <button type="button" className="button button--block" onClick={report} disabled={busy}>
            {t('cabinet.compromise.confirm')}
          </button>
        </div>
      ) : (
        <Notice tone="error">
          <p>{t('cabinet.compromise.noToken')}</p>
        </Notice>
      )}
    </div>
  );
}
