import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { type LegalBasis, Retention, YesNo } from './PurposeShared';
import './Ropa.css';

/** `GET /v1/ropa.json` (src/modules/purposes/purposes.ropa.ts). */
interface Ropa {
  controller: {
    id: string;
    name: string;
    tin: string | null;
    country: string;
    city: string;
    /** Street address; with the city and country, the postal address. */
    address: string | null;
    email: string | null;
    phone: string | null;
  } | null;
  generatedAt: string;
  activities: {
    purpose: string;
    version: number;
    name: string;
    legalBasis: LegalBasis;
    rationale: string;
    categories: {
      id: string;
      name: string;
      class: string;
      store: string;
      country: string | null;
      mustStayInUz: boolean;
    }[];
    retentionDays: number | null;
    automated: boolean;
    depersonalisedOnly: boolean;
    recipients: string[];
    transfersAbroad: boolean;
  }[];
}

/** Street, city, country, as the CSV's `controller_address` gives it; null until the street address is set. */
function postalAddress(controller: Ropa['controller']): string | null {
  if (!controller?.address) return null;
  return [controller.address, controller.city, controller.country].join(', ');
}

/** The record of processing activities (§14), laid out to be printed, with the CSV and JSON beside it. */
export function RopaPage() {
  const { t } = useTranslation();
  const ropa = useApi<Ropa>('/v1/ropa.json');
  const controller = ropa.state === 'ready' ? ropa.data.controller : null;
  return (
    <div className="page ropa-page">
      <PageHeader title={t('console.ropa.title')} lead={t('console.ropa.lead')}>
        <p className="ropa-actions">
          <button type="button" className="button" onClick={() => window.print()}>
            {t('console.ropa.print')}
          </button>
          <a className="button button--secondary" href="/v1/ropa.csv" download>
            {t('console.ropa.download')} CSV
          </a>
          <a className="button button--secondary" href="/v1/ropa.json" download="ropa.json">
            {t('console.ropa.download')} JSON
          </a>
        </p>
      </PageHeader>
      {ropa.state === 'loading' && <Loading />}
      {ropa.state === 'failed' && <ErrorNotice error={ropa.error} onRetry={ropa.reload} />}
      {ropa.state === 'ready' && (
        <>
          <dl className="facts ropa-controller">
            {(
              [
                ['controller', controller?.name],
                ['tin', controller?.tin],
                ['email', controller?.email],
                ['phone', controller?.phone],
                ['address', postalAddress(controller)],
              ] as const
            ).map(([key, value]) => (
              <div key={key}>
                <dt>{t(`console.ropa.${key}`)}</dt>
                <dd>{value ?? '—'}</dd>
              </div>
            ))}
            <div>
              <dt>{t('console.ropa.generatedAt')}</dt>
              <dd>
                <time dateTime={ropa.data.generatedAt}>{formatDateTime(ropa.data.generatedAt)}</time>
              </dd>
            </div>
          </dl>
          <div className="table-wrap">
            <table className="table ropa-table" data-testid="ropa">
              <caption className="visually-hidden">{t('console.ropa.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('console.ropa.activity')}</th>
                  <th scope="col">{t('console.purposes.legalBasis')}</th>
                  <th scope="col">{t('console.purposes.categories')}</th>
                  <th scope="col">{t('console.purposes.retentionDays')}</th>
                  <th scope="col">{t('console.purposes.automated')}</th>
                  <th scope="col">{t('console.purposes.depersonalisedOnly')}</th>
                  <th scope="col">{t('console.ropa.transfersAbroad')}</th>
                </tr>
              </thead>
              <tbody>
                {ropa.data.activities.map((a) => (
                  <tr key={a.purpose}>
                    <th scope="row">
                      {a.name}
                      <span className="muted mono ropa-id">
                        {a.purpose} · v{a.version}
                      </span>
                    </th>
                    <td>
                      {t(`console.purposes.basis.${a.legalBasis}`)}
                      <span className="ropa-rationale">{a.rationale}</span>
                    </td>
                    <td>
                      <ul className="ropa-categories">
                        {a.categories.map((c) => (
                          <li key={c.id}>
                            {c.name} ({t(`console.purposes.classes.${c.class}`)}, {c.country ?? '—'})
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <Retention days={a.retentionDays} />
                    </td>
                    <td>
                      <YesNo value={a.automated} />
                    </td>
                    <td>
                      <YesNo value={a.depersonalisedOnly} />
                    </td>
                    <td>
                      <YesNo value={a.transfersAbroad} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
