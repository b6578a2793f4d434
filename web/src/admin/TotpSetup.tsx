import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../ui/Field';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { QrCode } from '../ui/QrCode';
import { finishTotp, startTotp, type TotpEnrolment } from './factors';

/** Copies text for the person; where the clipboard is refused, the text stays selectable on screen. */
function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="button button--secondary button--small"
      aria-label={label}
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
    >
      {copied ? t('admin.factors.copied') : t('admin.factors.copy')}
    </button>
  );
}

/** Recovery codes, shown once: the server keeps only their hashes. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="card section-card" aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t('admin.factors.recovery.title')}</h2>
      <Notice tone="info">
        <p>{t('admin.factors.recovery.once')}</p>
      </Notice>
      <ul className="mono recovery-codes" aria-label={t('admin.factors.recovery.title')}>
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div className="form-actions">
        <CopyButton text={codes.join('\n')} label={t('admin.factors.recovery.copy')} />
        <button type="button" className="button" onClick={onDone}>
          {t('admin.factors.recovery.saved')}
        </button>
      </div>
    </section>
  );
}

/**
 * Sets up an authenticator app. The secret is shown as a QR code to scan, as
 * text to type and as an otpauth link to paste; the code is drawn in the
 * browser, so the secret never leaves this answer.
 */
export function TotpSetup({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);

  // `round` asks for a fresh secret after a failed attempt (an enrolment is single use).
  useEffect(() => {
    let live = true;
    startTotp().then(
      (started) => live && setEnrolment(started),
      (error: unknown) => live && setFailure(error),
    );
    return () => {
      live = false;
    };
  }, [round]);

  if (codes) return <RecoveryCodes codes={codes} onDone={onDone} />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!enrolment) return;
    setBusy(true);
    setFailure(null);
    try {
      setCodes((await finishTotp(enrolment.enrolmentId, code.trim())).recoveryCodes);
    } catch (error) {
      // The enrolment is single use: a new secret is needed for the next try.
      setFailure(error);
      setCode('');
      setEnrolment(null);
      setRound((n) => n + 1);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card section-card" aria-labelledby="totp-title">
      <h2 id="totp-title">{t('admin.factors.totp.title')}</h2>
      <p>{t('admin.factors.totp.lead')}</p>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      {!enrolment && !failure && <Loading />}
      {enrolment && (
        <form className="form" noValidate onSubmit={submit} aria-busy={busy}>
          <p>{t('admin.factors.totp.scan')}</p>
          <QrCode text={enrolment.otpauthUri} label={t('admin.factors.totp.qr')} />
          <dl className="facts">
            <div className="facts-wide">
              <dt>{t('admin.factors.totp.secret')}</dt>
              <dd className="mono break" data-testid="totp-secret">
                {enrolment.secret}
              </dd>
              <CopyButton text={enrolment.secret} label={t('admin.factors.totp.copySecret')} />
            </div>
            <div className="facts-wide">
              <dt>{t('admin.factors.totp.uri')}</dt>
              <dd className="mono break">{enrolment.otpauthUri}</dd>
              <CopyButton text={enrolment.otpauthUri} label={t('admin.factors.totp.copyUri')} />
            </div>
          </dl>
          <Field
            label={t('admin.factors.totp.code')}
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
          <button type="submit" className="button" disabled={busy}>
            {t('admin.factors.totp.confirm')}
          </button>
        </form>
      )}
    </section>
  );
}
