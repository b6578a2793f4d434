import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AsyncTable, RefreshButton } from '../ui/AsyncTable';
import { api } from '../ui/api';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Notice } from '../ui/Notice';
import type { Organisation } from '../ui/org';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';

/** Who may see every grant in force (never the data under them); the server checks again. */
export const GRANTS_ROLES = ['admin', 'dpo', 'security', 'auditor'];

type Grantee = { staffId: string; name?: string } | { role: string };

interface GrantInForce {
  id: string;
  customerId: string;
  grantee: Grantee;
  productIds: string[];
  expiresAt: number;
  reason: string;
}

type MyGrant = Omit<GrantInForce, 'grantee'>;

interface CabinetRecord {
  productId: string;
  key: string;
  kind?: string | null;
  value: unknown;
  updatedAt: number;
}

/** Products by name where the registry knows them (ids until it has answered). */
export function useProductName(): (id: string) => string {
  const org = useApi<Organisation>('/v1/org');
  const names = new Map(org.state === 'ready' ? org.data.products.map((p) => [p.id, p.name]) : []);
  return (id) => names.get(id) ?? id;
}

function Products({ ids }: { ids: string[] }) {
  const { t } = useTranslation();
  const name = useProductName();
  return <>{ids.length === 0 ? t('people.grants.allProducts') : ids.map(name).join(', ')}</>;
}

function GranteeName({ grantee }: { grantee: Grantee }) {
  const { t } = useTranslation();
  if ('role' in grantee) {
    return <>{t('people.grants.roleGrantee', { role: t(`people.roles.${grantee.role}`, grantee.role) })}</>;
  }
  return <>{grantee.name ?? grantee.staffId}</>;
}

function Until({ at }: { at: number }) {
  return <time dateTime={new Date(at).toISOString()}>{formatDateTime(at)}</time>;
}

/** Every grant customers have given that is still in force: who, for what and until when; no data. */
export function GrantsPage() {
  const { t } = useTranslation();
  const list = useApi<{ grants: GrantInForce[] }>('/v1/cabinet/grants');
  return (
    <div className="page">
      <PageHeader title={t('people.grants.title')} lead={t('people.grants.lead')}>
        <RefreshButton onClick={list.reload}>{t('people.refresh')}</RefreshButton>
      </PageHeader>
      <AsyncTable
        result={list}
        rows={(data) => data.grants}
        empty={t('people.grants.empty')}
        caption={t('people.grants.title')}
        columns={[
          t('people.grants.customer'),
          t('people.grants.grantee'),
          t('people.grants.products'),
          t('people.grants.reason'),
          t('people.grants.until'),
        ]}
        row={(grant) => (
          <tr key={grant.id}>
            <th scope="row" className="mono">
              {grant.customerId}
            </th>
            <td>
              <GranteeName grantee={grant.grantee} />
            </td>
            <td>
              <Products ids={grant.productIds} />
            </td>
            <td className="break">{grant.reason}</td>
            <td className="nowrap">
              <Until at={grant.expiresAt} />
            </td>
          </tr>
        )}
      />
    </div>
  );
}

/** Grants customers gave the signed-in member (or their role), live now. */
export function GrantedPage() {
  const { t } = useTranslation();
  const list = useApi<{ grants: MyGrant[] }>('/v1/cabinet/granted');
  return (
    <div className="page">
      <PageHeader title={t('people.granted.title')} lead={t('people.granted.lead')}>
        <RefreshButton onClick={list.reload}>{t('people.refresh')}</RefreshButton>
      </PageHeader>
      <AsyncTable
        result={list}
        rows={(data) => data.grants}
        empty={t('people.granted.empty')}
        caption={t('people.granted.title')}
        columns={[
          t('people.grants.customer'),
          t('people.grants.products'),
          t('people.grants.reason'),
          t('people.grants.until'),
        ]}
        row={(grant) => (
          <tr key={grant.id}>
            <th scope="row" className="mono">
              <Link
                to={`/granted/${encodeURIComponent(grant.id)}`}
                aria-label={t('people.granted.open', { id: grant.customerId })}
              >
                {grant.customerId}
              </Link>
            </th>
            <td>
              <Products ids={grant.productIds} />
            </td>
            <td className="break">{grant.reason}</td>
            <td className="nowrap">
              <Until at={grant.expiresAt} />
            </td>
          </tr>
        )}
      />
    </div>
  );
}

/**
 * The records under one grant. Nothing is read until the member asks: each read
 * is audited and appears in the customer's access log, and the page says so first.
 */
export function GrantedRecordsPage({ grantId }: { grantId: string }) {
  const { t } = useTranslation();
  const [records, setRecords] = useState<CabinetRecord[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const productName = useProductName();

  async function read() {
    setBusy(true);
    setFailure(null);
    try {
      const answer = await api<{ records: CabinetRecord[] }>(
        `/v1/cabinet/granted/${encodeURIComponent(grantId)}/records`,
      );
      setRecords(answer.records);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <Link className="back-link" to="/granted">
        {t('people.granted.back')}
      </Link>
      <PageHeader title={t('people.granted.recordsTitle')} lead={t('people.granted.recordsLead')} />
      <Notice>
        <p>{t('people.granted.logged')}</p>
      </Notice>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {records === null ? (
        <div className="form-actions">
          <button type="button" className="button" disabled={busy} onClick={read}>
            {busy ? t('common.loading') : t('people.granted.read')}
          </button>
        </div>
      ) : records.length === 0 ? (
        <p className="card empty">{t('people.granted.noRecords')}</p>
      ) : (
        <div className="card table-wrap">
          <table className="table">
            <caption className="visually-hidden">{t('people.granted.recordsTitle')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('people.granted.product')}</th>
                <th scope="col">{t('people.granted.key')}</th>
                <th scope="col">{t('people.granted.value')}</th>
                <th scope="col">{t('people.granted.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <tr key={`${record.productId}/${record.key}`}>
                  <td>{productName(record.productId)}</td>
                  <th scope="row" className="mono break">
                    {record.key}
                  </th>
                  <td>
                    <pre className="mono break">{JSON.stringify(record.value, null, 2)}</pre>
                  </td>
                  <td className="nowrap">
                    <Until at={record.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
