import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import { CUSTOMER_ROLES, mayUse } from './CustomersPage';
import { useSession } from './session';

/** An incident as `GET /v1/incidents` gives it: ids, times and states, no personal data. */
interface Incident {
  id: string;
  subjectId: string;
  kind: string;
  source: string;
  createdAt: number;
  status: string;
}

/** What a compromise report does, in order (src/modules/identity/compromise.ts). */
const COMPROMISE_STEPS = ['sessions', 'blocked', 'notified', 'tokens'] as const;

/** Known values get a translated word; anything newer is shown as the server spells it. */
function word(t: (key: string) => string, group: string, value: string, known: readonly string[]): string {
  return known.includes(value) ? t(`people.incidents.${group}.${value}`) : value;
}

export function IncidentsPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const list = useApi<{ incidents: Incident[] }>('/v1/incidents');
  const canOpenCustomers = session.status === 'signed-in' && mayUse(session.staff, CUSTOMER_ROLES);
  return (
    <div className="page">
      <PageHeader title={t('people.incidents.title')} lead={t('people.incidents.lead')}>
        <button type="button" className="button button--secondary button--small" onClick={list.reload}>
          {t('people.refresh')}
        </button>
      </PageHeader>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' &&
        (list.data.incidents.length === 0 ? (
          <p className="card empty">{t('people.incidents.empty')}</p>
        ) : (
          <div className="card table-wrap">
            <table className="table">
              <caption className="visually-hidden">{t('people.incidents.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('people.incidents.id')}</th>
                  <th scope="col">{t('people.incidents.state')}</th>
                  <th scope="col">{t('people.incidents.opened')}</th>
                  <th scope="col">{t('people.incidents.source')}</th>
                  <th scope="col">{t('people.incidents.done')}</th>
                  <th scope="col">{t('people.incidents.customer')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.incidents.map((incident) => (
                  <tr key={incident.id}>
                    <th scope="row" className="mono">
                      {incident.id}
                    </th>
                    <td>{word(t, 'states', incident.status, ['open', 'closed'])}</td>
                    <td className="nowrap">
                      <time dateTime={new Date(incident.createdAt).toISOString()}>
                        {formatDateTime(incident.createdAt)}
                      </time>
                    </td>
                    <td>{word(t, 'sources', incident.source, ['cabinet', 'link'])}</td>
                    <td>
                      {incident.kind === 'compromise-report' ? (
                        <ul aria-label={t('people.incidents.done')}>
                          {COMPROMISE_STEPS.map((step) => (
                            <li key={step}>{t(`people.incidents.steps.${step}`)}</li>
                          ))}
                        </ul>
                      ) : (
                        incident.kind
                      )}
                    </td>
                    <td className="mono">
                      {canOpenCustomers ? (
                        <Link to={`/customers/${encodeURIComponent(incident.subjectId)}`}>
                          {incident.subjectId}
                        </Link>
                      ) : (
                        incident.subjectId
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}
