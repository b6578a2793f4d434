import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Loaded } from '../ui/AsyncTable';
import { ApiError, api } from '../ui/api';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import type { Organisation } from '../ui/org';
import { PageHeader } from '../ui/Page';
import { Link, useRouter } from '../ui/router';
import { useApi } from '../ui/useApi';
import {
  type ChangeReason,
  hasRole,
  ReasonsField,
  StatusBadge,
  useRoles,
  type VersionDetail,
  type VersionSummary,
} from './AgreementShared';
import { LineChart } from './Chart';

/** The agreement: its versions, a new draft, each site's version in force and acceptances over time. */
export function AgreementPage() {
  const { t } = useTranslation();
  const roles = useRoles();
  const versions = useApi<{ versions: VersionSummary[] }>('/v1/agreements/versions');
  const canEdit = hasRole(roles, 'dpo', 'legal');
  const unpublished =
    versions.state === 'ready' ? versions.data.versions.find((v) => v.status !== 'published') : undefined;

  return (
    <div className="page">
      <PageHeader title={t('console.agreement.title')} lead={t('console.agreement.lead')} />
      {versions.state === 'loading' && <Loading />}
      {versions.state === 'failed' && <ErrorNotice error={versions.error} onRetry={versions.reload} />}
      {versions.state === 'ready' && (
        <section className="card section-card" aria-labelledby="versions-title">
          <h2 id="versions-title">{t('console.agreement.versions')}</h2>
          <VersionsTable versions={versions.data.versions} />
          {canEdit &&
            (unpublished ? (
              <p className="hint">
                {t('console.agreement.draftOpen')}{' '}
                <Link to={`/agreement/${unpublished.number}`}>
                  {t('console.agreement.versionN', { n: unpublished.number })}
                </Link>
              </p>
            ) : (
              <NewDraft />
            ))}
        </section>
      )}
      <SitesInForce />
      {hasRole(roles, 'dpo', 'legal', 'admin', 'auditor') && <AcceptanceChart />}
    </div>
  );
}

function VersionsTable({ versions }: { versions: VersionSummary[] }) {
  const { t } = useTranslation();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('console.agreement.version')}</th>
            <th scope="col">{t('console.agreement.statusLabel')}</th>
            <th scope="col">{t('console.agreement.effectiveAt')}</th>
            <th scope="col">{t('console.agreement.reasons')}</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.number}>
              <th scope="row">
                <Link to={`/agreement/${v.number}`}>{t('console.agreement.versionN', { n: v.number })}</Link>
              </th>
              <td>
                <StatusBadge status={v.status} />
              </td>
              <td>{v.effectiveAt === null ? '—' : formatDateTime(v.effectiveAt)}</td>
              <td>{v.reasons.map((r) => t(`console.agreement.reason.${r}`)).join('; ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Starts the next version: texts and sites are carried over, the reasons must be given. */
function NewDraft() {
  const { t } = useTranslation();
  const { navigate } = useRouter();
  const [reasons, setReasons] = useState<ChangeReason[]>([]);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMissing(reasons.length === 0);
    if (reasons.length === 0) return;
    setBusy(true);
    setFailure(null);
    try {
      const { version } = await api<{ version: VersionDetail }>('/v1/agreements/versions', {
        method: 'POST',
        body: { reasons },
      });
      navigate(`/agreement/${version.number}`);
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };
  return (
    <form className="form editor" noValidate onSubmit={submit} aria-labelledby="new-draft-title">
      <h3 id="new-draft-title">{t('console.agreement.newDraft')}</h3>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <ReasonsField value={reasons} onChange={setReasons} error={missing} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('console.agreement.createDraft')}
        </button>
      </div>
    </form>
  );
}

interface SiteAgreement {
  versionInForce: number;
  contentHash: string;
  version: { effectiveAt: number | null };
}

type InForce = { siteId: string; state: 'ready'; data: SiteAgreement } | { siteId: string; state: 'none' };

/** Each site's version in force, as the site's public JSON says it (what a visitor sees). */
function SitesInForce() {
  const { t } = useTranslation();
  const org = useApi<Organisation>('/v1/org');
  const [rows, setRows] = useState<InForce[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const sites = org.state === 'ready' ? org.data.sites : null;

  useEffect(() => {
    if (!sites) return;
    const controller = new AbortController();
    Promise.all(
      sites.map(async (site): Promise<InForce> => {
        try {
          const data = await api<SiteAgreement>(`/sites/${encodeURIComponent(site.id)}/agreement.json`, {
            signal: controller.signal,
          });
          return { siteId: site.id, state: 'ready', data };
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return { siteId: site.id, state: 'none' };
          throw error;
        }
      }),
    ).then(setRows, (error: unknown) => {
      if (!controller.signal.aborted) setFailure(error);
    });
    return () => controller.abort();
  }, [sites]);

  return (
    <section className="card section-card" aria-labelledby="in-force-title">
      <h2 id="in-force-title">{t('console.agreement.inForce')}</h2>
      {org.state === 'failed' && <ErrorNotice error={org.error} onRetry={org.reload} />}
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {!rows && !failure && org.state !== 'failed' && <Loading />}
      {rows && sites && (
        <div className="table-wrap">
          <table className="table" data-testid="sites-in-force">
            <thead>
              <tr>
                <th scope="col">{t('console.agreement.site')}</th>
                <th scope="col">{t('console.agreement.version')}</th>
                <th scope="col">{t('console.agreement.effectiveAt')}</th>
                <th scope="col">{t('console.agreement.hash')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const site = sites.find((s) => s.id === row.siteId);
                return (
                  <tr key={row.siteId}>
                    <th scope="row">
                      <a href={`/sites/${encodeURIComponent(row.siteId)}/agreement`}>
                        {site?.name ?? row.siteId}
                      </a>
                    </th>
                    {row.state === 'ready' ? (
                      <>
                        <td>{t('console.agreement.versionN', { n: row.data.versionInForce })}</td>
                        <td>
                          {row.data.version.effectiveAt === null
                            ? '—'
                            : formatDateTime(row.data.version.effectiveAt)}
                        </td>
                        <td className="mono break">{row.data.contentHash}</td>
                      </>
                    ) : (
                      <td colSpan={3} className="muted">
                        {t('console.agreement.noneInForce')}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export interface AgreementStats {
  days: { day: string; accepted: number; continuedUse: number; byVersion: Record<string, number> }[];
}

function AcceptanceChart() {
  const { t } = useTranslation();
  const stats = useApi<AgreementStats>('/v1/agreements/stats?days=30');
  return (
    <section className="card section-card" aria-labelledby="acceptances-title">
      <h2 id="acceptances-title">{t('console.agreement.acceptances')}</h2>
      <Loaded result={stats}>
        {(data) => (
          <LineChart
            title={t('console.agreement.acceptancesChart')}
            days={data.days.map((d) => d.day)}
            series={[
              {
                key: 'accepted',
                label: t('console.agreement.accepted'),
                values: data.days.map((d) => d.accepted),
              },
              {
                key: 'continuedUse',
                label: t('console.agreement.continuedUse'),
                values: data.days.map((d) => d.continuedUse),
              },
            ]}
          />
        )}
      </Loaded>
    </section>
  );
}
