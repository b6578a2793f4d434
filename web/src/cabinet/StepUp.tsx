import { type FormEvent, type ReactNode, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../ui/api';
import { Field } from '../ui/Field';
import { ErrorNotice, Notice } from '../ui/Notice';
import { reauthenticate, reauthenticateWithPasskey } from './auth';

const STEP_UP = 'MXF_IDENTITY_STEP_UP_REQUIRED';

/**
 * Runs a change that needs a recent sign-in. When the server asks for one, the
 * password is asked for again (checked by OPAQUE, never sent), and the change
 * is repeated.
 */
export function useStepUp(): {
  run: (action: () => Promise<unknown>) => Promise<void>;
  busy: boolean;
  failure: unknown;
  prompt: ReactNode;
} {
  const [pending, setPending] = useState<(() => Promise<unknown>) | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setFailure(null);
    try {
      await action();
    } catch (error) {
      if (error instanceof ApiError && error.code === STEP_UP) setPending(() => action);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }, []);

  const prompt = pending && (
    <Reauth
      onDone={() => {
        setPending(null);
        void run(pending);
      }}
      onCancel={() => setPending(null)}
    />
  );
  return { run, busy, failure, prompt };
}

function Reauth({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [wrong, setWrong] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setWrong(false);
    setFailure(null);
    try {
      const ok = await reauthenticate(password);
      setPassword('');
      if (ok) onDone();
      else setWrong(true);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  async function withPasskey() {
    setBusy(true);
    setWrong(false);
    setFailure(null);
    try {
      await reauthenticateWithPasskey();
      onDone();
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card section-card" aria-labelledby="stepup-title">
      <h2 id="stepup-title">{t('cabinet.stepUp.title')}</h2>
      <p>{t('cabinet.stepUp.lead')}</p>
      <form className="form" noValidate onSubmit={submit} aria-busy={busy}>
        {wrong && (
          <Notice tone="error">
            <p>{t('cabinet.signin.wrong')}</p>
          </Notice>
        )}
        {Boolean(failure) && <ErrorNotice error={failure} />}
        <Field
          label={t('cabinet.fields.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {t('cabinet.stepUp.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={withPasskey} disabled={busy}>
            {t('cabinet.stepUp.passkey')}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('cabinet.common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
