import { useTranslation } from 'react-i18next';
import { AsyncTable, RefreshButton } from '../ui/AsyncTable';
import { formatDateTime } from '../ui/format';
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
        <RefreshButton onClick={list.reload}>{t('people.refresh')}</RefreshButton>
      </PageHeader>
      <AsyncTable
        result={list}
        rows={(data) => data.incidents}
        empty={t('people.incidents.empty')}
        caption={t('people.incidents.title')}
        columns={[
          t('people.incidents.id'),
          t('people.incidents.state'),
          t('people.incidents.opened'),
          t('people.incidents.source'),
          t('people.incidents.done'),
          t('people.incidents.customer'),
        ]}
        row={(incident) => (
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
                <Link to={`/customers/${encodeURIComponent(incident.subjectId)}`}>{incident.subjectId}</Link>
              ) : (
                incident.subjectId
              )}
            </td>
          </tr>
        )}
      />
    </div>
  );
}
