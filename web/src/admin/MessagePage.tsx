import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { useDocumentTitle } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import type { InboxMessage } from './InboxPage';

interface FullMessage extends InboxMessage {
  text: string | null;
  html: string | null;
}

export function MessagePage({ id }: { id: string }) {
  const { t } = useTranslation();
  const found = useApi<{ message: FullMessage }>(`/v1/dev/inbox/${encodeURIComponent(id)}`);
  const subject = found.state === 'ready' ? found.data.message.subject || t('admin.inbox.noSubject') : '';
  useDocumentTitle(subject || t('admin.inbox.title'));

  return (
    <div className="page">
      <p className="back-link">
        <Link to="/inbox">← {t('admin.inbox.back')}</Link>
      </p>
      {found.state === 'loading' && <Loading />}
      {found.state === 'failed' && (
        <>
          <h1>{t('admin.inbox.title')}</h1>
          <ErrorNotice error={found.error} onRetry={found.reload} />
        </>
      )}
      {found.state === 'ready' && <MessageView message={found.data.message} subject={subject} />}
    </div>
  );
}

function MessageView({ message, subject }: { message: FullMessage; subject: string }) {
  const { t } = useTranslation();
  return (
    <article className="message" aria-labelledby="message-subject">
      <h1 id="message-subject">{subject}</h1>
      <dl className="facts facts--inline card">
        <div>
          <dt>{t('admin.inbox.from')}</dt>
          <dd className="break">{message.from}</dd>
        </div>
        <div>
          <dt>{t('admin.inbox.to')}</dt>
          <dd className="break">{message.to.join(', ')}</dd>
        </div>
        <div>
          <dt>{t('admin.inbox.received')}</dt>
          <dd>
            <time dateTime={new Date(message.receivedAt).toISOString()}>
              {formatDateTime(message.receivedAt)}
            </time>
          </dd>
        </div>
      </dl>

      <section className="card section-card" aria-labelledby="message-text">
        <h2 id="message-text">{t('admin.inbox.text')}</h2>
        {message.text ? (
          <pre className="mail-text">{message.text}</pre>
        ) : (
          <p className="muted">{t('admin.inbox.noText')}</p>
        )}
      </section>

      {message.html && (
        <section className="card section-card" aria-labelledby="message-html">
          <h2 id="message-html">{t('admin.inbox.html')}</h2>
          {/* An empty sandbox: no scripts, no forms, no same-origin access, no navigation of this page. */}
          <iframe className="mail-html" title={t('admin.inbox.htmlFrame')} sandbox="" srcDoc={message.html} />
        </section>
      )}
    </article>
  );
}
