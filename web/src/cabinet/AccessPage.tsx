import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AsyncTable } from '../ui/AsyncTable';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { requireText } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { useStepUp } from './StepUp';

type Grantee = { staffId: string; name?: string } | { role: string };

interface Grant {
  id: string;
  grantee: Grantee;
  productIds: string[];
  reason: string;
  createdAt: number | string;
  expiresAt: number | string;
  revokedAt: number | string | null;
  live: boolean;
}

interface Entry {
  at: number | string;
  staffId: string;
  staffName: string | null;
  grantId: string;
  productIds: string[];
  route: string;
}

interface Grantees {
  staff: { id: string; name: string }[];
  roles: string[];
}

interface Product {
  productId: string;
  name: string;
}

function useRoleName(): (role: string) => string {
  const { t } = useTranslation();
  return (role) => (role === 'support' ? t('cabinet.access.supportRole') : role);
}

/** Staff may see the cabinet only by a grant the customer gives here, and every look is listed below. */
export function AccessPage() {
  const { t } = useTranslation();
  const grants = useApi<{ grants: Grant[] }>('/v1/me/cabinet/grants');
  const log = useApi<{ entries: Entry[] }>('/v1/me/cabinet/access-log');
  const products = useApi<{ products: Product[] }>('/v1/me/cabinet/products');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const roleName = useRoleName();

  const productName = (id: string) =>
    (products.state === 'ready' && products.data.products.find((p) => p.productId === id)?.name) || id;
  const scope = (ids: string[]) =>
    ids.length === 0 ? t('cabinet.access.allProducts') : ids.map(productName).join(', ');
  const granteeName = (grantee: Grantee) =>
    'role' in grantee ? roleName(grantee.role) : (grantee.name ?? grantee.staffId);

  async function revoke(id: string) {
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/me/cabinet/grants/${encodeURIComponent(id)}`, { method: 'DELETE' });
      grants.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="container page">
      <PageHeader title={t('cabinet.access.title')} lead={t('cabinet.access.lead')} />
      <GrantForm
        products={products.state === 'ready' ? products.data.products : []}
        onCreated={grants.reload}
      />
      <section className="card section-card" aria-labelledby="grants-title">
        <h2 id="grants-title">{t('cabinet.access.grants')}</h2>
        {grants.state === 'loading' && <Loading />}
        {grants.state === 'failed' && <ErrorNotice error={grants.error} onRetry={grants.reload} />}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        {grants.state === 'ready' &&
          (grants.data.grants.length === 0 ? (
            <p className="empty">{t('cabinet.access.noGrants')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('cabinet.access.grantee')}</th>
                    <th scope="col">{t('cabinet.access.scope')}</th>
                    <th scope="col">{t('cabinet.access.reason')}</th>
                    <th scope="col">{t('cabinet.access.until')}</th>
                    <th scope="col">{t('cabinet.common.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {grants.data.grants.map((grant) => (
                    <tr key={grant.id}>
                      <th scope="row">{granteeName(grant.grantee)}</th>
                      <td>{scope(grant.productIds)}</td>
                      <td>{grant.reason}</td>
                      <td>
                        {grant.revokedAt !== null
                          ? t('cabinet.access.revokedAt', { when: formatDateTime(grant.revokedAt) })
                          : formatDateTime(grant.expiresAt)}
                      </td>
                      <td>
                        {grant.live ? (
                          <button
                            type="button"
                            className="button button--secondary button--small"
                            disabled={busy}
                            aria-label={t('cabinet.access.revokeNamed', { name: granteeName(grant.grantee) })}
                            onClick={() => revoke(grant.id)}
                          >
                            {t('cabinet.access.revoke')}
                          </button>
                        ) : (
                          t('cabinet.access.ended')
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
      <section className="card section-card" aria-labelledby="log-title">
        <h2 id="log-title">{t('cabinet.access.log')}</h2>
        <AsyncTable
          result={log}
          rows={(data) => data.entries}
          empty={t('cabinet.access.noLog')}
          card={false}
          columns={[t('cabinet.common.when'), t('cabinet.access.who'), t('cabinet.access.scope')]}
          row={(entry) => (
            <tr key={`${entry.at}-${entry.grantId}-${entry.route}`}>
              <td>{formatDateTime(entry.at)}</td>
              <th scope="row">{entry.staffName ?? entry.staffId}</th>
              <td>{scope(entry.productIds)}</td>
            </tr>
          )}
        />
      </section>
    </div>
  );
}

function GrantForm({ products, onCreated }: { products: Product[]; onCreated: () => void }) {
  const { t } = useTranslation();
  const grantees = useApi<Grantees>('/v1/me/cabinet/grantees');
  const stepUp = useStepUp();
  const granteeId = useId();
  const roleName = useRoleName();
  const [grantee, setGrantee] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [hours, setHours] = useState('24');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ grantee?: string; hours?: string; reason?: string }>({});
  const [done, setDone] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const n = Number(hours);
    const found = {
      grantee: requireText(grantee),
      hours: Number.isInteger(n) && n >= 1 && n <= 720 ? undefined : 'cabinet.access.hoursInvalid',
      reason: requireText(reason),
    };
    setErrors(found);
    setDone(false);
    if (Object.values(found).some(Boolean)) return;
    const [kind, id] = grantee.split(':', 2) as [string, string];
    void stepUp.run(async () => {
      await api('/v1/me/cabinet/grants', {
        method: 'POST',
        body: {
          grantee: kind === 'role' ? { role: id } : { staffId: id },
          productIds: chosen,
          hours: n,
          reason: reason.trim(),
        },
      });
      setReason('');
      setChosen([]);
      setDone(true);
      onCreated();
    });
  }

  return (
    <section className="card section-card" aria-labelledby="grant-title">
      <h2 id="grant-title">{t('cabinet.access.new')}</h2>
      <p>{t('cabinet.access.newLead')}</p>
      {grantees.state === 'failed' && <ErrorNotice error={grantees.error} onRetry={grantees.reload} />}
      {stepUp.prompt}
      {Boolean(stepUp.failure) && <ErrorNotice error={stepUp.failure} />}
      {done && (
        <Notice tone="success">
          <p>{t('cabinet.access.created')}</p>
        </Notice>
      )}
      <form className="form" noValidate onSubmit={submit} aria-busy={stepUp.busy}>
        <div className="field">
          <label className="field-label" htmlFor={granteeId}>
            {t('cabinet.access.grantee')}
          </label>
          <select
            id={granteeId}
            className="input"
            value={grantee}
            aria-invalid={errors.grantee ? true : undefined}
            onChange={(event) => setGrantee(event.target.value)}
          >
            <option value="">{t('cabinet.access.choose')}</option>
            {grantees.state === 'ready' &&
              grantees.data.roles.map((role) => (
                <option key={role} value={`role:${role}`}>
                  {roleName(role)}
                </option>
              ))}
            {grantees.state === 'ready' &&
              grantees.data.staff.map((member) => (
                <option key={member.id} value={`staff:${member.id}`}>
                  {member.name}
                </option>
              ))}
          </select>
          {errors.grantee && <p className="field-error">{t(errors.grantee)}</p>}
        </div>
        <fieldset className="field">
          <legend className="field-label">{t('cabinet.access.products')}</legend>
          <p className="field-hint">{t('cabinet.access.productsHint')}</p>
          {products.map((product) => (
            <label key={product.productId} className="switch">
              <input
                type="checkbox"
                checked={chosen.includes(product.productId)}
                onChange={(event) =>
                  setChosen(
                    event.target.checked
                      ? [...chosen, product.productId]
                      : chosen.filter((id) => id !== product.productId),
                  )
                }
              />
              <span>{product.name}</span>
            </label>
          ))}
        </fieldset>
        <Field
          label={t('cabinet.access.hours')}
          type="number"
          min={1}
          max={720}
          inputMode="numeric"
          value={hours}
          onChange={(event) => setHours(event.target.value)}
          error={errors.hours && t(errors.hours)}
        />
        <Field
          label={t('cabinet.access.reason')}
          maxLength={500}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          error={errors.reason && t(errors.reason)}
        />
        <button type="submit" className="button" disabled={stepUp.busy}>
          {t('cabinet.access.grant')}
        </button>
      </form>
    </section>
  );
}
