import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { formatDateTime, formatNumber } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

interface Product {
  productId: string;
  name: string;
  linked: boolean;
  linkedAt: number | string | null;
  records: number;
}

interface CabinetRecord {
  productId: string;
  key: string;
  kind: string | null;
  value: unknown;
  updatedAt: number | string;
}

/** What each product keeps in the customer's cabinet, and which products may write there. */
export function CabinetDataPage() {
  const { t } = useTranslation();
  const products = useApi<{ products: Product[] }>('/v1/me/cabinet/products');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);

  async function setLinked(productId: string, linked: boolean) {
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/me/cabinet/products/${encodeURIComponent(productId)}`, {
        method: linked ? 'PUT' : 'DELETE',
      });
      products.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="container page">
      <PageHeader title={t('cabinet.cabinet.title')} lead={t('cabinet.cabinet.lead')} />
      {products.state === 'loading' && <Loading />}
      {products.state === 'failed' && <ErrorNotice error={products.error} onRetry={products.reload} />}
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {products.state === 'ready' && (
        <ul className="site-list" aria-label={t('cabinet.cabinet.products')}>
          {products.data.products.map((product) => (
            <li key={product.productId} className="card section-card">
              <h2>{product.name}</h2>
              <p>
                {product.linked && product.linkedAt !== null
                  ? t('cabinet.cabinet.linkedSince', { when: formatDateTime(product.linkedAt) })
                  : t('cabinet.cabinet.notLinked')}
                {' · '}
                {t('cabinet.cabinet.records', { n: formatNumber(product.records) })}
              </p>
              <div className="form-actions">
                <button
                  type="button"
                  className={
                    product.linked ? 'button button--secondary button--small' : 'button button--small'
                  }
                  disabled={busy}
                  onClick={() => setLinked(product.productId, !product.linked)}
                >
                  {t(product.linked ? 'cabinet.cabinet.unlink' : 'cabinet.cabinet.link', {
                    product: product.name,
                  })}
                </button>
                {product.records > 0 && (
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    aria-expanded={open === product.productId}
                    onClick={() => setOpen(open === product.productId ? null : product.productId)}
                  >
                    {t('cabinet.cabinet.show', { product: product.name })}
                  </button>
                )}
              </div>
              {open === product.productId && <Records productId={product.productId} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Records({ productId }: { productId: string }) {
  const { t } = useTranslation();
  const records = useApi<{ records: CabinetRecord[] }>(
    `/v1/me/cabinet/records?productId=${encodeURIComponent(productId)}`,
  );
  if (records.state === 'loading') return <Loading />;
  if (records.state === 'failed') return <ErrorNotice error={records.error} onRetry={records.reload} />;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('cabinet.cabinet.key')}</th>
            <th scope="col">{t('cabinet.cabinet.value')}</th>
            <th scope="col">{t('cabinet.cabinet.updated')}</th>
          </tr>
        </thead>
        <tbody>
          {records.data.records.map((record) => (
            <tr key={record.key}>
              <th scope="row">
                {record.key}
                {record.kind ? ` · ${record.kind}` : ''}
              </th>
              <td className="mono break">
                {typeof record.value === 'string' ? record.value : JSON.stringify(record.value)}
              </td>
              <td>{formatDateTime(record.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
