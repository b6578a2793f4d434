import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';
import { type FactorList, regenerateRecoveryCodes, registerPasskey, removeFactor } from './factors';
import { RecoveryCodes, TotpSetup } from './TotpSetup';

/** The member's passkeys and authenticator app. Changes need a sign-in within ten minutes (the server says so). */
export function SecurityPage() {
  const { t } = useTranslation();
  const list = useApi<FactorList>('/v1/staff/factors');
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [addingTotp, setAddingTotp] = useState(false);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setFailure(null);
    try {
      await action();
      list.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const hasTotp = list.state === 'ready' && list.data.factors.some((f) => f.type === 'totp');
  return (
    <div className="page">
      <PageHeader title={t('admin.factors.security.title')} lead={t('admin.factors.security.lead')} />
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
      {list.state === 'ready' && (
        <section className="card section-card" aria-labelledby="factors-title">
          <h2 id="factors-title">{t('admin.factors.security.factors')}</h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('admin.factors.security.kind')}</th>
                  <th scope="col">{t('admin.factors.security.label')}</th>
                  <th scope="col">{t('admin.factors.security.added')}</th>
                  <th scope="col">{t('admin.factors.security.lastUsed')}</th>
                  <th scope="col">{t('admin.org.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.factors.map((factor) => (
                  <tr key={factor.id}>
                    <th scope="row">{t(`admin.factors.types.${factor.type}`)}</th>
                    <td>{factor.label}</td>
                    <td>{formatDateTime(factor.createdAt)}</td>
                    <td>
                      {factor.lastUsedAt === null
                        ? t('admin.factors.security.never')
                        : formatDateTime(factor.lastUsedAt)}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        disabled={busy}
                        aria-label={t('admin.factors.security.removeNamed', { name: factor.label })}
                        onClick={() => run(() => removeFactor(factor.id))}
                      >
                        {t('admin.factors.security.remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {hasTotp && (
            <p className="hint">
              {t('admin.factors.security.codesLeft', { count: list.data.recoveryCodesLeft })}
            </p>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => run(() => registerPasskey())}
            >
              {t('admin.factors.passkey.add')}
            </button>
            {hasTotp ? (
              <button
                type="button"
                className="button button--secondary"
                disabled={busy}
                onClick={() => run(async () => setCodes((await regenerateRecoveryCodes()).recoveryCodes))}
              >
                {t('admin.factors.security.newCodes')}
              </button>
            ) : (
              <button type="button" className="button button--secondary" onClick={() => setAddingTotp(true)}>
                {t('admin.factors.totp.title')}
              </button>
            )}
          </div>
        </section>
      )}
      {addingTotp && !hasTotp && (
        <TotpSetup
          onDone={() => {
            setAddingTotp(false);
            list.reload();
          }}
        />
      )}
      <Notice>
        <p>{t('admin.factors.security.stepUp')}</p>
      </Notice>
    </div>
  );
}
