import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { formatDateTime } from '../ui/format';
import { currentLanguage } from '../ui/i18n';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';

export interface MyAgreement {
  inForce: { version: number; effectiveAt: number | string; languages?: string[] } | null;
  current: boolean;
  pending: { version: number; effectiveAt: number | string } | null;
  acceptances: {
    id: string;
    version: number;
    at: number | string;
    lang: string;
    method: string;
    receiptId: string | null;
  }[];
}

/** Accepting on one part of the page (the banner) refreshes every other part showing the agreement. */
const CHANGED = 'maxfiy:agreement-changed';

export function useMyAgreement() {
  const agreement = useApi<MyAgreement>('/v1/me/agreement');
  const { reload } = agreement;
  useEffect(() => {
    window.addEventListener(CHANGED, reload);
    return () => window.removeEventListener(CHANGED, reload);
  }, [reload]);
  return agreement;
}

async function accept(version: number): Promise<void> {
  await api('/v1/me/agreement/acceptances', { method: 'POST', body: { version, lang: currentLanguage() } });
  window.dispatchEvent(new Event(CHANGED));
}

function AcceptButton({ version }: { version: number }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  return (
    <>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <button
        type="button"
        className="button button--small"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setFailure(null);
          accept(version).then(
            () => setBusy(false),
            (error: unknown) => {
              setFailure(error);
              setBusy(false);
            },
          );
        }}
      >
        {t('cabinet.agreement.accept', { version })}
      </button>
    </>
  );
}

/** On every cabinet page while the version in force is not the one the customer accepted. */
export function AgreementBanner() {
  const { t } = useTranslation();
  const agreement = useMyAgreement();
  if (agreement.state !== 'ready' || agreement.data.current || !agreement.data.inForce) return null;
  return (
    <div className="container">
      <Notice>
        <p>{t('cabinet.agreement.banner', { version: agreement.data.inForce.version })}</p>
        <div className="form-actions">
          <AcceptButton version={agreement.data.inForce.version} />
          <Link to="/agreement" className="button button--secondary button--small">
            {t('cabinet.agreement.details')}
          </Link>
        </div>
      </Notice>
    </div>
  );
}

export function AgreementPage() {
  const { t } = useTranslation();
  const agreement = useMyAgreement();
  return (
    <div className="container page">
      <PageHeader title={t('cabinet.agreement.title')} lead={t('cabinet.agreement.lead')} />
      {agreement.state === 'loading' && <Loading />}
      {agreement.state === 'failed' && <ErrorNotice error={agreement.error} onRetry={agreement.reload} />}
      {agreement.state === 'ready' && <Details agreement={agreement.data} />}
    </div>
  );
}

function Details({ agreement }: { agreement: MyAgreement }) {
  const { t } = useTranslation();
  const { inForce, pending } = agreement;
  return (
    <>
      <section className="card section-card" aria-labelledby="inforce-title">
        <h2 id="inforce-title">{t('cabinet.agreement.inForce')}</h2>
        {inForce ? (
          <dl className="facts">
            <div>
              <dt>{t('cabinet.agreement.version')}</dt>
              <dd>{inForce.version}</dd>
            </div>
            <div>
              <dt>{t('cabinet.agreement.effective')}</dt>
              <dd>{formatDateTime(inForce.effectiveAt)}</dd>
            </div>
            <div>
              <dt>{t('cabinet.agreement.status')}</dt>
              <dd>{t(agreement.current ? 'cabinet.agreement.accepted' : 'cabinet.agreement.notAccepted')}</dd>
            </div>
          </dl>
        ) : (
          <p className="empty">{t('cabinet.agreement.none')}</p>
        )}
        {inForce && !agreement.current && <AcceptButton version={inForce.version} />}
        {pending && (
          <p className="hint">
            {t('cabinet.agreement.pending', {
              version: pending.version,
              when: formatDateTime(pending.effectiveAt),
            })}
          </p>
        )}
        <p>
          <Link to="/privacy">{t('cabinet.agreement.read')}</Link>
        </p>
      </section>
      <section className="card section-card" aria-labelledby="acceptances-title">
        <h2 id="acceptances-title">{t('cabinet.agreement.history')}</h2>
        {agreement.acceptances.length === 0 ? (
          <p className="empty">{t('cabinet.agreement.noAcceptances')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('cabinet.common.when')}</th>
                  <th scope="col">{t('cabinet.agreement.version')}</th>
                  <th scope="col">{t('cabinet.agreement.language')}</th>
                  <th scope="col">{t('cabinet.agreement.receipt')}</th>
                </tr>
              </thead>
              <tbody>
                {agreement.acceptances.map((acceptance) => (
                  <tr key={acceptance.id}>
                    <td>{formatDateTime(acceptance.at)}</td>
                    <th scope="row">{acceptance.version}</th>
                    <td>{acceptance.lang}</td>
                    <td>
                      {acceptance.receiptId ? (
                        <span className="cell-actions">
                          <a href={`/v1/me/receipts/${encodeURIComponent(acceptance.receiptId)}/page`}>
                            {t('cabinet.agreement.receiptPage', { version: acceptance.version })}
                          </a>
                          <a href={`/v1/me/receipts/${encodeURIComponent(acceptance.receiptId)}/pdf`}>
                            {t('cabinet.agreement.receiptPdf', { version: acceptance.version })}
                          </a>
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
