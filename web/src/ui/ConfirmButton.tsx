import { useEffect, useRef, useState } from 'react';
import { ErrorNotice } from './Notice';

/** A button that asks once more before it acts, and shows the error if the act fails. */
export function ConfirmButton({
  label,
  name,
  question,
  yes,
  cancel,
  act,
}: {
  label: string;
  /** What a screen reader says for the first button, when `label` alone does not name what it acts on. */
  name?: string;
  question: string;
  yes: string;
  cancel: string;
  act: () => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  // Focus follows the question, and comes back to the first button when the question is cancelled.
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (asked.current) start.current?.focus();
    asked.current = asking;
  }, [asking]);

  async function run() {
    setBusy(true);
    setFailure(null);
    try {
      await act();
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  if (!asking) {
    return (
      <button
        ref={start}
        type="button"
        className="button button--secondary button--small"
        aria-label={name}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <div className="cell-actions">
      <span role="alert">{question}</span>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <button ref={confirm} type="button" className="button button--small" disabled={busy} onClick={run}>
        {yes}
      </button>
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() => setAsking(false)}
      >
        {cancel}
      </button>
    </div>
  );
}
