import { useTranslation } from 'react-i18next';
import { AsyncTable, RefreshButton } from '../ui/AsyncTable';
import { formatDateTime } from '../ui/format';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';

export interface InboxMessage {
  id: string;
  receivedAt: string | number;
  from: string;
  to: string[];
  subject: string;
}

export function InboxPage() {
  const { t } = useTranslation();
  const inbox = useApi<{ messages: InboxMessage[] }>('/v1/dev/inbox');
  return (
    <div className="page">
      <PageHeader title={t('admin.inbox.title')} lead={t('admin.inbox.lead')}>
        <RefreshButton onClick={inbox.reload}>{t('admin.inbox.refresh')}</RefreshButton>
      </PageHeader>
      <AsyncTable
        result={inbox}
        rows={(data) => data.messages}
        empty={t('admin.inbox.empty')}
        caption={t('admin.inbox.title')}
        columns={[
          t('admin.inbox.subject'),
          t('admin.inbox.from'),
          t('admin.inbox.to'),
          t('admin.inbox.received'),
        ]}
        row={(message) => (
          <tr key={message.id}>
            <th scope="row">
              <Link to={`/inbox/${encodeURIComponent(message.id)}`}>
                {message.subject || t('admin.inbox.noSubject')}
              </Link>
            </th>
            <td className="break">{message.from}</td>
            <td className="break">{message.to.join(', ')}</td>
            <td className="nowrap">
              <time dateTime={new Date(message.receivedAt).toISOString()}>
                {formatDateTime(message.receivedAt)}
              </time>
            </td>
          </tr>
        )}
      />
    </div>
  );
}
