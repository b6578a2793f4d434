import { type PublicKeyCredentialCreationOptionsJSON, startRegistration } from '@simplewebauthn/browser';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RecoveryCodes } from '../admin/TotpSetup';
import { ApiError, api } from '../ui/api';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading } from '../ui/Notice';
import { QrCode } from '../ui/QrCode';
import { useApi } from '../ui/useApi';
import { useStepUp } from './StepUp';

interface Factors {
  totp: boolean;
  totpId?: string | null;
  passkeys: { id: string; name: string; createdAt: number; lastUsedAt: number | null }[];
  recoveryCodesLeft: number;
}

interface TotpEnrolment {
  enrolmentId: string;
  secret: string;
  otpauthUri: string;
}

async function addPasskey(): Promise<void> {
  const { challengeId, options } = await api<{
    challengeId: string;
    options: PublicKeyCredentialCreationOptionsJSON;
  }>('/v1/me/factors/passkeys/register/start', { method: 'POST', body: {} });
  const response = await startRegistration({ optionsJSON: options });
  await api('/v1/me/factors/passkeys/register/finish', { method: 'POST', body: { challengeId, response } });
}

/** Passkeys and the authenticator app (with recovery codes). Every change needs a recent sign-in. */
export function FactorsSection() {
  const { t } = useTranslation();
  const list = useApi<Factors>('/v1/me/factors');
  const stepUp = useStepUp();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);

  // Served by the factors module; until a server has it, the section stays away.
  if (list.state === 'failed' && list.error instanceof ApiError && list.error.status === 404) return null;

  const change = (action: () => Promise<unknown>) =>
    stepUp.run(async () => {
      await action();
      list.reload();
    });

  return (
    <section className="card section-card" aria-labelledby="factors-title">
      <h2 id="factors-title">{t('cabinet.factors.title')}</h2>
      <p>{t('cabinet.factors.lead')}</p>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {stepUp.prompt}
      {Boolean(stepUp.failure) && <ErrorNotice error={stepUp.failure} />}
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
      {list.state === 'ready' && (
        <>
          {!list.data.totp && list.data.passkeys.length === 0 && (
            <p className="empty">{t('cabinet.factors.none')}</p>
          )}
          <div className="table-wrap" hidden={!list.data.totp && list.data.passkeys.length === 0}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('cabinet.factors.kind')}</th>
                  <th scope="col">{t('cabinet.factors.added')}</th>
                  <th scope="col">{t('cabinet.factors.lastUsed')}</th>
                  <th scope="col">{t('cabinet.common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.totp && (
                  <tr>
                    <th scope="row">{t('admin.factors.types.totp')}</th>
                    <td>—</td>
                    <td>—</td>
                    <td>
                      {t('cabinet.factors.codesLeft', { n: list.data.recoveryCodesLeft })}{' '}
                      {list.data.totpId && (
                        <button
                          type="button"
                          className="button button--secondary button--small"
                          disabled={stepUp.busy}
                          aria-label={t('cabinet.factors.removeNamed', {
                            name: t('admin.factors.types.totp'),
                          })}
                          onClick={() =>
                            change(() =>
                              api(`/v1/me/factors/${encodeURIComponent(list.data.totpId ?? '')}`, {
                                method: 'DELETE',
                              }),
                            )
                          }
                        >
                          {t('cabinet.factors.remove')}
                        </button>
                      )}
                    </td>
                  </tr>
                )}
                {list.data.passkeys.map((passkey) => (
                  <tr key={passkey.id}>
                    <th scope="row">
                      {t('admin.factors.types.passkey')} · {passkey.name}
                    </th>
                    <td>{formatDateTime(passkey.createdAt)}</td>
                    <td>
                      {passkey.lastUsedAt === null
                        ? t('cabinet.factors.never')
                        : formatDateTime(passkey.lastUsedAt)}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        disabled={stepUp.busy}
                        aria-label={t('cabinet.factors.removeNamed', { name: passkey.name })}
                        onClick={() =>
                          change(() =>
                            api(`/v1/me/factors/${encodeURIComponent(passkey.id)}`, { method: 'DELETE' }),
                          )
                        }
                      >
                        {t('cabinet.factors.remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button"
              disabled={stepUp.busy}
              onClick={() => change(addPasskey)}
            >
              {t('admin.factors.passkey.add')}
            </button>
            {list.data.totp ? (
              <button
                type="button"
                className="button button--secondary"
                disabled={stepUp.busy}
                onClick={() =>
                  change(async () =>
                    setCodes(
                      (
                        await api<{ recoveryCodes: string[] }>('/v1/me/factors/recovery-codes', {
                          method: 'POST',
                          body: {},
                        })
                      ).recoveryCodes,
                    ),
                  )
                }
              >
                {t('cabinet.factors.newCodes')}
              </button>
            ) : (
              <button
                type="button"
                className="button button--secondary"
                disabled={stepUp.busy || enrolment !== null}
                onClick={() =>
                  change(async () =>
                    setEnrolment(
                      await api<TotpEnrolment>('/v1/me/factors/totp/start', { method: 'POST', body: {} }),
                    ),
                  )
                }
              >
                {t('admin.factors.totp.title')}
              </button>
            )}
          </div>
        </>
      )}
      {enrolment && (
        <TotpConfirm
          enrolment={enrolment}
          onDone={(recoveryCodes) => {
            setEnrolment(null);
            setCodes(recoveryCodes);
            list.reload();
          }}
        />
      )}
    </section>
  );
}

/** The key as a QR code to scan, as text and as an otpauth link, then the first code. */
function TotpConfirm({
  enrolment,
  onDone,
}: {
  enrolment: TotpEnrolment;
  onDone: (recoveryCodes: string[]) => void;
}) {
  const { t } = useTranslation();
  const stepUp = useStepUp();
  const [code, setCode] = useState('');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void stepUp.run(async () => {
      const { recoveryCodes } = await api<{ recoveryCodes: string[] }>('/v1/me/factors/totp/finish', {
        method: 'POST',
        body: { enrolmentId: enrolment.enrolmentId, code: code.trim() },
      });
      onDone(recoveryCodes);
    });
  }

  return (
    <form className="form" noValidate onSubmit={submit} aria-busy={stepUp.busy}>
      <h3>{t('admin.factors.totp.title')}</h3>
      <p>{t('admin.factors.totp.lead')}</p>
      {stepUp.prompt}
      {Boolean(stepUp.failure) && <ErrorNotice error={stepUp.failure} />}
      <p>{t('admin.factors.totp.scan')}</p>
      <QrCode text={enrolment.otpauthUri} label={t('admin.factors.totp.qr')} />
      <dl className="facts">
        <div className="facts-wide">
          <dt>{t('admin.factors.totp.secret')}</dt>
          <dd className="mono break" data-testid="totp-secret">
            {enrolment.secret}
          </dd>
        </div>
        <div className="facts-wide">
          <dt>{t('admin.factors.totp.uri')}</dt>
          <dd className="mono break">
            <a href={enrolment.otpauthUri}>{enrolment.otpauthUri}</a>
          </dd>
        </div>
      </dl>
      <Field
        label={t('admin.factors.totp.code')}
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => setCode(event.target.value)}
      />
      <button type="submit" className="button" disabled={stepUp.busy}>
        {t('admin.factors.totp.confirm')}
      </button>
    </form>
  );
}
