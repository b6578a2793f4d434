import { useTranslation } from 'react-i18next';
import { Loaded } from '../ui/AsyncTable';
import { formatNumber } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import { hasRole, useRoles } from './AgreementShared';
import { LineChart } from './Chart';
import { type DataCategory, type DataStore, type Purpose, Retention, YesNo } from './PurposeShared';

/** The purpose register (§12), the data categories (§10) and consent figures over time. */
export function PurposesPage() {
  const { t } = useTranslation();
  const roles = useRoles();
  const purposes = useApi<{ purposes: Purpose[] }>('/v1/purposes');
  return (
    <div className="page">
      <PageHeader title={t('console.purposes.title')} lead={t('console.purposes.lead')}>
        <p>
          <Link to="/ropa">{t('console.ropa.title')}</Link>
        </p>
      </PageHeader>
      <section className="card section-card" aria-labelledby="register-title">
        <h2 id="register-title">{t('console.purposes.register')}</h2>
        {purposes.state === 'loading' && <Loading />}
        {purposes.state === 'failed' && <ErrorNotice error={purposes.error} onRetry={purposes.reload} />}
        {purposes.state === 'ready' && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('console.purposes.name')}</th>
                  <th scope="col">{t('console.purposes.version')}</th>
                  <th scope="col">{t('console.purposes.legalBasis')}</th>
                  <th scope="col">{t('console.purposes.retentionDays')}</th>
                  <th scope="col">{t('console.purposes.automated')}</th>
                  <th scope="col">{t('console.purposes.depersonalisedOnly')}</th>
                </tr>
              </thead>
              <tbody>
                {purposes.data.purposes.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <Link to={`/purposes/${encodeURIComponent(p.id)}`}>{p.name}</Link>{' '}
                      <span className="muted mono">{p.id}</span>
                    </th>
                    <td>{p.version}</td>
                    <td>{t(`console.purposes.basis.${p.legalBasis}`)}</td>
                    <td>
                      <Retention days={p.retentionDays} />
                    </td>
                    <td>
                      <YesNo value={p.automated} />
                    </td>
                    <td>
                      <YesNo value={p.depersonalisedOnly} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Categories />
      {hasRole(roles, 'dpo', 'admin', 'marketing', 'auditor') && <ConsentChart />}
    </div>
  );
}

function Categories() {
  const { t } = useTranslation();
  const data = useApi<{ categories: DataCategory[]; stores: DataStore[] }>('/v1/data-categories');
  return (
    <section className="card section-card" aria-labelledby="categories-title">
      <h2 id="categories-title">{t('console.purposes.categories')}</h2>
      {data.state === 'loading' && <Loading />}
      {data.state === 'failed' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {data.state === 'ready' && (
        <div className="table-wrap">
          <table className="table" data-testid="categories">
            <thead>
              <tr>
                <th scope="col">{t('console.purposes.name')}</th>
                <th scope="col">{t('console.purposes.class')}</th>
                <th scope="col">{t('console.purposes.store')}</th>
                <th scope="col">{t('console.purposes.country')}</th>
                <th scope="col">{t('console.purposes.mustStayInUz')}</th>
              </tr>
            </thead>
            <tbody>
              {data.data.categories.map((c) => {
                const store = data.data.stores.find((s) => s.id === c.storeId);
                return (
                  <tr key={c.id}>
                    <th scope="row">
                      {c.name} <span className="muted mono">{c.id}</span>
                    </th>
                    <td>{t(`console.purposes.classes.${c.class}`)}</td>
                    <td>
                      {store?.description ?? c.storeId} <span className="muted mono">{c.storeId}</span>
                    </td>
                    <td>{store?.country ?? '—'}</td>
                    <td>
                      <YesNo value={c.mustStayInUz} />
                    </td>
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

export interface ConsentStats {
  days: { day: string; given: number; withdrawn: number; objected: number }[];
  byPurpose: { purposeId: string; given: number; withdrawn: number }[];
}

function ConsentChart() {
  const { t } = useTranslation();
  const stats = useApi<ConsentStats>('/v1/consents/stats?days=30');
  return (
    <section className="card section-card" aria-labelledby="consents-title">
      <h2 id="consents-title">{t('console.purposes.consents')}</h2>
      <Loaded result={stats}>
        {(data) => (
          <>
            <LineChart
              title={t('console.purposes.consentsChart')}
              days={data.days.map((d) => d.day)}
              series={(['given', 'withdrawn', 'objected'] as const).map((key) => ({
                key,
                label: t(`console.purposes.consent.${key}`),
                values: data.days.map((d) => d[key]),
              }))}
            />
            {data.byPurpose.length > 0 && (
              <div className="table-wrap">
                <table className="table" data-testid="consents-by-purpose">
                  <caption className="visually-hidden">{t('console.purposes.byPurpose')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('console.purposes.name')}</th>
                      <th scope="col">{t('console.purposes.consent.given')}</th>
                      <th scope="col">{t('console.purposes.consent.withdrawn')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.byPurpose.map((p) => (
                      <tr key={p.purposeId}>
                        <th scope="row" className="mono">
                          {p.purposeId}
                        </th>
                        <td>{formatNumber(p.given)}</td>
                        <td>{formatNumber(p.withdrawn)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
