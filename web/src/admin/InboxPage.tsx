import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
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
        <button type="button" className="button button--secondary button--small" onClick={inbox.reload}>
          {t('admin.inbox.refresh')}
        </button>
      </PageHeader>
      {inbox.state === 'loading' && <Loading />}
      {inbox.state === 'failed' && <ErrorNotice error={inbox.error} onRetry={inbox.reload} />}
      {inbox.state === 'ready' &&
        (inbox.data.messages.length === 0 ? (
          <p className="card empty">{t('admin.inbox.empty')}</p>
        ) : (
          <div className="card table-wrap">
            <table className="table">
              <caption className="visually-hidden">{t('admin.inbox.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.inbox.subject')}</th>
                  <th scope="col">{t('admin.inbox.from')}</th>
                  <th scope="col">{t('admin.inbox.to')}</th>
                  <th scope="col">{t('admin.inbox.received')}</th>
                </tr>
              </thead>
              <tbody>
                {inbox.data.messages.map((message) => (
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
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}
