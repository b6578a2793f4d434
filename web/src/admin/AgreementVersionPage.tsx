import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import { AgreementDiff } from './AgreementDiff';
import { AgreementEditor } from './AgreementEditor';
import {
  AGREEMENT_LANGUAGES,
  type AgreementLanguage,
  AgreementPreview,
  hasRole,
  LanguageSelect,
  StatusBadge,
  useRoles,
  useStaffId,
  type VersionDetail,
  type VersionSummary,
} from './AgreementShared';

/** One version: its facts, the editor while it is a draft, two-person publication and the diff. */
export function AgreementVersionPage({ n }: { n: string }) {
  const { t } = useTranslation();
  const roles = useRoles();
  const detail = useApi<{ version: VersionDetail }>(`/v1/agreements/versions/${encodeURIComponent(n)}`);
  const all = useApi<{ versions: VersionSummary[] }>('/v1/agreements/versions');
  const [saved, setSaved] = useState(false);
  const canEdit = hasRole(roles, 'dpo', 'legal');

  return (
    <div className="page">
      <p>
        <Link to="/agreement" className="back-link">
          {t('console.agreement.backToVersions')}
        </Link>
      </p>
      <PageHeader title={t('console.agreement.versionN', { n })} />
      {detail.state === 'loading' && <Loading />}
      {detail.state === 'failed' && <ErrorNotice error={detail.error} onRetry={detail.reload} />}
      {saved && (
        <Notice tone="success">
          <p>{t('console.agreement.saved')}</p>
        </Notice>
      )}
      {detail.state === 'ready' && (
        <>
          <VersionFacts version={detail.data.version} />
          {detail.data.version.status !== 'published' && canEdit && (
            <>
              <Publication
                version={detail.data.version}
                onDone={() => {
                  setSaved(false);
                  detail.reload();
                  all.reload();
                }}
              />
              <AgreementEditor
                key={JSON.stringify(detail.data.version)}
                version={detail.data.version}
                onSaved={() => {
                  setSaved(true);
                  detail.reload();
                }}
              />
            </>
          )}
          {(detail.data.version.status === 'published' || !canEdit) && (
            <ReadText version={detail.data.version} />
          )}
          {all.state === 'ready' && all.data.versions.length > 1 && (
            <AgreementDiff
              versions={all.data.versions.map((v) => v.number)}
              current={detail.data.version.number}
            />
          )}
        </>
      )}
    </div>
  );
}

function VersionFacts({ version }: { version: VersionDetail }) {
  const { t } = useTranslation();
  return (
    <section className="card section-card" aria-labelledby="facts-title">
      <h2 id="facts-title">{t('console.agreement.facts')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('console.agreement.statusLabel')}</dt>
          <dd>
            <StatusBadge status={version.status} />
          </dd>
        </div>
        <div>
          <dt>{t('console.agreement.authoritative')}</dt>
          <dd>{t(`console.lang.${version.authoritativeLanguage}`)}</dd>
        </div>
        <div>
          <dt>{t('console.agreement.effectiveAt')}</dt>
          <dd>
            {version.effectiveAt === null
              ? t('console.agreement.atPublication')
              : formatDateTime(version.effectiveAt)}
          </dd>
        </div>
        <div>
          <dt>{t('console.agreement.publishedAt')}</dt>
          <dd>{version.publishedAt === null ? '—' : formatDateTime(version.publishedAt)}</dd>
        </div>
        <div className="facts-wide">
          <dt>{t('console.agreement.reasons')}</dt>
          <dd>{version.reasons.map((r) => t(`console.agreement.reason.${r}`)).join('; ') || '—'}</dd>
        </div>
        <div className="facts-wide">
          <dt>{t('console.agreement.sites')}</dt>
          <dd>{version.siteIds.join(', ')}</dd>
        </div>
      </dl>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{t('console.agreement.languages')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.agreement.language')}</th>
              <th scope="col">{t('console.agreement.textStatus')}</th>
              <th scope="col">{t('console.agreement.hash')}</th>
            </tr>
          </thead>
          <tbody>
            {version.languages.map((l) => (
              <tr key={l.lang}>
                <th scope="row">{t(`console.lang.${l.lang}`)}</th>
                <td>{t(`console.agreement.textStatuses.${l.status}`)}</td>
                <td className="mono break">{l.contentHash ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * Two people publish: one asks, the other (a DPO and a legal member, either
 * way round) approves. The server decides; a refusal shows its own message.
 */
function Publication({ version, onDone }: { version: VersionDetail; onDone: () => void }) {
  const { t } = useTranslation();
  const me = useStaffId();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const requester = version.publicationRequestedBy;
  const mine = requester !== null && requester === `staff:${me}`;
  const send = async (step: 'publication-request' | 'publication-approval') => {
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/agreements/versions/${version.number}/${step}`, { method: 'POST' });
      onDone();
    } catch (error) {
      setFailure(error);
    }
    setBusy(false);
  };
  return (
    <section className="card section-card" aria-labelledby="publication-title" aria-busy={busy}>
      <h2 id="publication-title">{t('console.agreement.publication')}</h2>
      <p>{t('console.agreement.twoPeople')}</p>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {version.status === 'draft' ? (
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => void send('publication-request')}
        >
          {t('console.agreement.requestPublication')}
        </button>
      ) : (
        <>
          <p data-testid="requested-by">
            {mine
              ? t('console.agreement.requestedByYou')
              : t('console.agreement.requestedBy', { who: requester ?? '—' })}
          </p>
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => void send('publication-approval')}
          >
            {t('console.agreement.approve')}
          </button>
        </>
      )}
    </section>
  );
}

function ReadText({ version }: { version: VersionDetail }) {
  const { t } = useTranslation();
  const present = AGREEMENT_LANGUAGES.filter((l) => version.texts[l]);
  const [lang, setLang] = useState<AgreementLanguage>(present[0] ?? version.authoritativeLanguage);
  return (
    <section className="card section-card" aria-labelledby="text-title">
      <h2 id="text-title">{t('console.agreement.text')}</h2>
      <LanguageSelect
        value={lang}
        onChange={setLang}
        languages={present}
        label={t('console.agreement.textLanguage')}
      />
      <AgreementPreview text={version.texts[lang] ?? ''} lang={lang} />
    </section>
  );
}
