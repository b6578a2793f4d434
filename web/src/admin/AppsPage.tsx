import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { ConfirmButton } from '../ui/ConfirmButton';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { focusFirstInvalid, requireText } from '../ui/forms';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import type { Organisation } from '../ui/org';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { mayUse } from './CustomersPage';
import { useProductName } from './GrantsPage';
import { useSession } from './session';

/** Who may see app credentials; only administrators issue and revoke them. The server checks again. */
export const APPS_ROLES = ['admin', 'security'];
const SCOPES = ['decisions', 'consents', 'agreements', 'cabinet'] as const;

interface Credential {
  id: string;
  productId: string;
  scopes: string[];
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Copies text for the person; where the clipboard is refused, the text stays selectable on screen. */
function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="button button--secondary button--small"
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? t('people.apps.copied') : t('people.apps.copy')}
    </button>
  );
}

/** The secret, shown once: the server keeps only its hash. Takes focus so nobody misses it. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card section-card" aria-labelledby="secret-title">
      <h2 id="secret-title" ref={heading} tabIndex={-1}>
        {t('people.apps.secretTitle')}
      </h2>
      <Notice tone="error">
        <p>{t('people.apps.secretOnce')}</p>
      </Notice>
      <p className="mono break" data-testid="app-secret">
        {secret}
      </p>
      <div className="form-actions">
        <CopyButton text={secret} />
        <button type="button" className="button" onClick={onDone}>
          {t('people.apps.stored')}
        </button>
      </div>
    </section>
  );
}

function IssueForm({ onIssued }: { onIssued: (secret: string) => void }) {
  const { t } = useTranslation();
  const org = useApi<Organisation>('/v1/org');
  const selectId = useId();
  const [productId, setProductId] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [label, setLabel] = useState('');
  const [errors, setErrors] = useState<{ label?: string; scopes?: string }>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const products = org.state === 'ready' ? org.data.products : [];
  const chosen = productId || products[0]?.id || '';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = {
      label: requireText(label),
      scopes: scopes.length === 0 ? 'people.apps.pickScope' : undefined,
    };
    setErrors(found);
    if (found.label || found.scopes) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const issued = await api<Credential & { secret: string }>('/v1/apps/credentials', {
        method: 'POST',
        body: { productId: chosen, scopes, label: label.trim() },
      });
      setLabel('');
      setScopes([]);
      onIssued(issued.secret);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  if (org.state === 'loading') return <Loading />;
  if (org.state === 'failed') return <ErrorNotice error={org.error} onRetry={org.reload} />;
  return (
    <form
      className="form card section-card"
      noValidate
      onSubmit={submit}
      aria-labelledby="issue-title"
      aria-busy={busy}
    >
      <h2 id="issue-title">{t('people.apps.issueTitle')}</h2>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <div className="field">
        <label className="field-label" htmlFor={selectId}>
          {t('people.apps.product')}
        </label>
        <select
          id={selectId}
          className="input"
          value={chosen}
          onChange={(event) => setProductId(event.target.value)}
        >
          {products.map((product) => (
            <option key={product.id} value={product.id}>
              {product.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field" aria-invalid={errors.scopes ? true : undefined}>
        <legend className="field-label">{t('people.apps.scopes')}</legend>
        {SCOPES.map((scope) => (
          <label key={scope} className="nowrap">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              aria-invalid={errors.scopes ? true : undefined}
              onChange={(event) =>
                setScopes((all) => (event.target.checked ? [...all, scope] : all.filter((s) => s !== scope)))
              }
            />{' '}
            {t(`people.apps.scopeNames.${scope}`)}
          </label>
        ))}
        {errors.scopes && <p className="field-error">{t(errors.scopes)}</p>}
      </fieldset>
      <Field
        label={t('people.apps.label')}
        hint={t('people.apps.labelHint')}
        value={label}
        maxLength={100}
        onChange={(event) => setLabel(event.target.value)}
        error={errors.label && t(errors.label)}
      />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('people.apps.issue')}
        </button>
      </div>
    </form>
  );
}

/** Credentials product apps call the API with. */
export function AppsPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const list = useApi<{ credentials: Credential[] }>('/v1/apps/credentials');
  const [secret, setSecret] = useState<string | null>(null);
  const productName = useProductName();
  const isAdmin = session.status === 'signed-in' && mayUse(session.staff, ['admin']);
  const when = (at: number | null) => (at === null ? t('people.apps.never') : formatDateTime(at));
  return (
    <div className="page">
      <PageHeader title={t('people.apps.title')} lead={t('people.apps.lead')} />
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {isAdmin && !secret && (
        <IssueForm
          onIssued={(issued) => {
            setSecret(issued);
            list.reload();
          }}
        />
      )}
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && (
        <section className="card section-card" aria-labelledby="credentials-title">
          <h2 id="credentials-title">{t('people.apps.listTitle')}</h2>
          {list.data.credentials.length === 0 ? (
            <p className="empty">{t('people.apps.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('people.apps.label')}</th>
                    <th scope="col">{t('people.apps.product')}</th>
                    <th scope="col">{t('people.apps.scopes')}</th>
                    <th scope="col">{t('people.apps.created')}</th>
                    <th scope="col">{t('people.apps.lastUsed')}</th>
                    <th scope="col">{t('people.apps.state')}</th>
                    {isAdmin && <th scope="col">{t('people.apps.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.data.credentials.map((credential) => (
                    <tr key={credential.id}>
                      <th scope="row">{credential.label}</th>
                      <td>{productName(credential.productId)}</td>
                      <td>{credential.scopes.map((s) => t(`people.apps.scopeNames.${s}`, s)).join(', ')}</td>
                      <td className="nowrap">{formatDateTime(credential.createdAt)}</td>
                      <td className="nowrap">{when(credential.lastUsedAt)}</td>
                      <td>
                        {credential.revokedAt === null
                          ? t('people.apps.active')
                          : t('people.apps.revokedAt', { at: formatDateTime(credential.revokedAt) })}
                      </td>
                      {isAdmin && (
                        <td>
                          {credential.revokedAt === null && (
                            <ConfirmButton
                              label={t('people.apps.revoke')}
                              name={t('people.apps.revokeNamed', { label: credential.label })}
                              question={t('people.apps.revokeConfirm', { label: credential.label })}
                              yes={t('people.apps.revokeYes')}
                              cancel={t('people.apps.cancel')}
                              act={async () => {
                                await api(`/v1/apps/credentials/${encodeURIComponent(credential.id)}`, {
                                  method: 'DELETE',
                                });
                                list.reload();
                              }}
                            />
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
