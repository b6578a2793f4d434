import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AsyncTable } from '../ui/AsyncTable';
import { formatDateTime, formatNumber } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import type { Staff } from './session';

/** Who may see customers (never their cabinet data); the server checks again. */
export const CUSTOMER_ROLES = ['support', 'admin', 'dpo', 'security'];

/** True when the member holds one of `roles`; the menu uses it to offer only pages that will open. */
export function mayUse(staff: Staff, roles: readonly string[]): boolean {
  return staff.roles.some((role) => roles.includes(role));
}

/** A customer as the staff view gives it: contacts come masked from the server. */
interface Customer {
  id: string;
  status: string;
  createdAt: number;
  lastSignInAt: number | null;
  emailMasked: string | null;
  phoneMasked: string | null;
  /** Passkeys as a count, or whether there is any. */
  factors: { totp: boolean; passkeys: number | boolean };
}

interface CustomerDetail extends Customer {
  openIncidents: number;
  sessions: number;
}

const PAGE_SIZE = 25;
const STATUSES = ['active', 'blocked-compromise'];

function When({ at }: { at: number | null }) {
  const { t } = useTranslation();
  if (at === null) return <>{t('people.customers.never')}</>;
  return <time dateTime={new Date(at).toISOString()}>{formatDateTime(at)}</time>;
}

function Status({ status }: { status: string }) {
  const { t } = useTranslation();
  return <>{STATUSES.includes(status) ? t(`people.customers.statuses.${status}`) : status}</>;
}

function Factors({ factors }: { factors: Customer['factors'] }) {
  const { t } = useTranslation();
  const parts = [
    ...(factors.totp ? [t('people.customers.totp')] : []),
    ...(typeof factors.passkeys === 'number' && factors.passkeys > 0
      ? [t('people.customers.passkeys', { count: factors.passkeys })]
      : factors.passkeys === true
        ? [t('people.customers.passkey')]
        : []),
  ];
  return <>{parts.length > 0 ? parts.join(', ') : t('people.customers.passwordOnly')}</>;
}

function Contacts({ customer }: { customer: Customer }) {
  const contacts = [customer.emailMasked, customer.phoneMasked].filter(Boolean);
  return <>{contacts.length > 0 ? contacts.join(' · ') : '—'}</>;
}

/** Customers, a page at a time. The cursor is the server's; earlier pages are remembered here. */
export function CustomersPage() {
  const { t } = useTranslation();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
  const list = useApi<{ customers: Customer[]; next: string | null }>(`/v1/customers?${query}`);
  return (
    <div className="page">
      <PageHeader title={t('people.customers.title')} lead={t('people.customers.lead')} />
      <AsyncTable
        result={list}
        rows={(data) => data.customers}
        empty={t('people.customers.empty')}
        caption={t('people.customers.title')}
        columns={[
          t('people.customers.id'),
          t('people.customers.contacts'),
          t('people.customers.status'),
          t('people.customers.factors'),
          t('people.customers.lastSignIn'),
          t('people.customers.since'),
        ]}
        row={(customer) => (
          <tr key={customer.id}>
            <th scope="row" className="mono">
              <Link to={`/customers/${encodeURIComponent(customer.id)}`}>{customer.id}</Link>
            </th>
            <td className="break">
              <Contacts customer={customer} />
            </td>
            <td>
              <Status status={customer.status} />
            </td>
            <td>
              <Factors factors={customer.factors} />
            </td>
            <td className="nowrap">
              <When at={customer.lastSignInAt} />
            </td>
            <td className="nowrap">
              <When at={customer.createdAt} />
            </td>
          </tr>
        )}
      />
      {list.state === 'ready' && (
        <nav className="form-actions" aria-label={t('people.customers.pages')}>
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={cursors.length === 0}
            onClick={() => setCursors((all) => all.slice(0, -1))}
          >
            {t('people.customers.previous')}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={!list.data.next}
            onClick={() => {
              const next = list.data.next;
              if (next) setCursors((all) => [...all, next]);
            }}
          >
            {t('people.customers.next')}
          </button>
        </nav>
      )}
    </div>
  );
}

/** One customer: account facts only. Their cabinet data opens only under a grant they gave. */
export function CustomerDetailPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const customer = useApi<CustomerDetail>(`/v1/customers/${encodeURIComponent(id)}`);
  return (
    <div className="page">
      <Link className="back-link" to="/customers">
        {t('people.customers.back')}
      </Link>
      <PageHeader title={t('people.customers.detailTitle')} lead={t('people.customers.detailLead')} />
      {customer.state === 'loading' && <Loading />}
      {customer.state === 'failed' && <ErrorNotice error={customer.error} onRetry={customer.reload} />}
      {customer.state === 'ready' && (
        <section className="card section-card" aria-labelledby="customer-facts">
          <h2 id="customer-facts" className="mono break">
            {customer.data.id}
          </h2>
          <dl className="facts">
            <div>
              <dt>{t('people.customers.status')}</dt>
              <dd>
                <Status status={customer.data.status} />
              </dd>
            </div>
            <div>
              <dt>{t('people.customers.email')}</dt>
              <dd className="break">{customer.data.emailMasked ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('people.customers.phone')}</dt>
              <dd>{customer.data.phoneMasked ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('people.customers.factors')}</dt>
              <dd>
                <Factors factors={customer.data.factors} />
              </dd>
            </div>
            <div>
              <dt>{t('people.customers.lastSignIn')}</dt>
              <dd>
                <When at={customer.data.lastSignInAt} />
              </dd>
            </div>
            <div>
              <dt>{t('people.customers.since')}</dt>
              <dd>
                <When at={customer.data.createdAt} />
              </dd>
            </div>
            <div>
              <dt>{t('people.customers.sessions')}</dt>
              <dd className="figure">{formatNumber(customer.data.sessions)}</dd>
            </div>
            <div>
              <dt>{t('people.customers.openIncidents')}</dt>
              <dd className="figure">{formatNumber(customer.data.openIncidents)}</dd>
            </div>
          </dl>
          <p className="hint">{t('people.customers.noCabinet')}</p>
        </section>
      )}
    </div>
  );
}
