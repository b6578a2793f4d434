import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { registerPasskey } from './factors';
import { useSession } from './session';
import { TotpSetup } from './TotpSetup';

/**
 * Staff must use a passkey or the password with an authenticator app. Until one
 * is enrolled the server answers every console route with 403, so this page
 * stands in for all of them.
 */
export function EnrolPage() {
  const { t } = useTranslation();
  const { recheck } = useSession();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function passkey() {
    setBusy(true);
    setFailure(null);
    try {
      await registerPasskey();
      recheck();
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <PageHeader title={t('admin.factors.enrol.title')} lead={t('admin.factors.enrol.lead')} />
      <section className="card section-card" aria-labelledby="passkey-title">
        <h2 id="passkey-title">{t('admin.factors.passkey.title')}</h2>
        <p>{t('admin.factors.passkey.lead')}</p>
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <button type="button" className="button" onClick={passkey} disabled={busy}>
          {t('admin.factors.passkey.add')}
        </button>
      </section>
      <TotpSetup onDone={recheck} />
    </div>
  );
}
