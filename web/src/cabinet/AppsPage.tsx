import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AsyncTable } from '../ui/AsyncTable';
import { api } from '../ui/api';
import { ConfirmButton } from '../ui/ConfirmButton';
import { formatDateTime } from '../ui/format';
import { Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

interface AppGrant {
  clientId: string;
  name: string;
  scopes: string[];
  allowedAt: number;
  lastUsedAt: number | null;
}

/** The scopes the consent screen names; anything new is shown as it came. */
const KNOWN_SCOPES = ['openid', 'email', 'phone', 'offline_access', 'cabinet'];

/**
 * The apps the customer let sign them in with maxfiy, as the consent screen
 * promised: what each may see, and a way to take that back.
 */
export function AppsPage() {
  const { t } = useTranslation();
  const list = useApi<{ apps: AppGrant[] }>('/v1/me/apps');
  const [revoked, setRevoked] = useState<string | null>(null);
  const done = useRef<HTMLDivElement>(null);

  // The row whose button had focus is gone: focus moves to the message that says what happened.
  useEffect(() => {
    if (revoked !== null) done.current?.focus();
  }, [revoked]);

  const scopeName = (scope: string) =>
    KNOWN_SCOPES.includes(scope) ? t(`cabinet.apps.scopes.${scope}`) : scope;

  async function revoke(app: AppGrant) {
    await api(`/v1/me/apps/${encodeURIComponent(app.clientId)}`, { method: 'DELETE' });
    setRevoked(app.name);
    list.reload();
  }

  return (
    <div className="container page">
      <PageHeader title={t('cabinet.apps.title')} lead={t('cabinet.apps.lead')} />
      {revoked !== null && (
        <div ref={done} tabIndex={-1}>
          <Notice tone="success">
            <p>{t('cabinet.apps.revoked', { name: revoked })}</p>
          </Notice>
        </div>
      )}
      <section className="card section-card" aria-labelledby="apps-title">
        <h2 id="apps-title">{t('cabinet.apps.allowed')}</h2>
        <AsyncTable
          result={list}
          rows={(data) => data.apps}
          empty={t('cabinet.apps.none')}
          card={false}
          columns={[
            t('cabinet.apps.app'),
            t('cabinet.apps.sees'),
            t('cabinet.apps.allowedAt'),
            t('cabinet.apps.lastUsed'),
            t('cabinet.common.actions'),
          ]}
          row={(app) => (
            <tr key={app.clientId}>
              <th scope="row">{app.name}</th>
              <td>
                <ul className="scope-list">
                  {app.scopes.map((scope) => (
                    <li key={scope} data-scope={scope}>
                      {scopeName(scope)}
                    </li>
                  ))}
                </ul>
              </td>
              <td>{formatDateTime(app.allowedAt)}</td>
              <td>{app.lastUsedAt === null ? '—' : formatDateTime(app.lastUsedAt)}</td>
              <td>
                <ConfirmButton
                  label={t('cabinet.apps.revoke')}
                  name={t('cabinet.apps.revokeNamed', { name: app.name })}
                  question={t('cabinet.apps.confirm', { name: app.name })}
                  yes={t('cabinet.apps.revokeYes')}
                  cancel={t('cabinet.common.cancel')}
                  act={() => revoke(app)}
                />
              </td>
            </tr>
          )}
        />
      </section>
    </div>
  );
}
