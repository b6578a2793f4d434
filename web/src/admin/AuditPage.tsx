import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

interface TreeHead {
  treeSize: number;
  /** Hex. */
  rootHash: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Base64 Ed25519 signature over the head. */
  signature: string;
  keyId: string;
}

export function AuditPage() {
  const { t } = useTranslation();
  const head = useApi<TreeHead>('/v1/audit/tree-head');
  return (
    <div className="page">
      <PageHeader title={t('admin.audit.title')} lead={t('admin.audit.lead')} />
      {head.state === 'loading' && <Loading />}
      {head.state === 'failed' && <ErrorNotice error={head.error} onRetry={head.reload} />}
      {head.state === 'ready' && (
        <section className="card section-card" aria-labelledby="tree-head-title">
          <h2 id="tree-head-title">{t('admin.audit.treeHead')}</h2>
          <dl className="facts">
            <div>
              <dt>{t('admin.audit.treeSize')}</dt>
              <dd className="figure">{formatNumber(head.data.treeSize)}</dd>
            </div>
            <div>
              <dt>{t('admin.audit.timestamp')}</dt>
              <dd>
                <time dateTime={new Date(head.data.timestamp).toISOString()}>
                  {formatDateTime(head.data.timestamp)}
                </time>
              </dd>
            </div>
            <div className="facts-wide">
              <dt>{t('admin.audit.rootHash')}</dt>
              <dd className="mono break">{head.data.rootHash}</dd>
            </div>
            <div className="facts-wide">
              <dt>{t('admin.audit.signature')}</dt>
              <dd className="mono break">{head.data.signature}</dd>
            </div>
            <div className="facts-wide">
              <dt>{t('admin.audit.keyId')}</dt>
              <dd className="mono break">{head.data.keyId}</dd>
            </div>
          </dl>
          <p className="hint">
            {t('admin.audit.verify')} <code>maxfiy audit verify</code>
          </p>
        </section>
      )}
    </div>
  );
}
