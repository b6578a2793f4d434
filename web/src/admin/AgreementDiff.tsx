import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../ui/Notice';
import { useApi } from '../ui/useApi';
import { type AgreementLanguage, LanguageSelect } from './AgreementShared';

/** One clause of `GET /v1/agreements/versions/{a}/diff/{b}` (src/modules/agreements/text/diff.ts). */
type ClauseDiff =
  | { number: number; status: 'unchanged'; paragraphs: string[] }
  | { number: number; status: 'added'; after: string[] }
  | { number: number; status: 'removed'; before: string[] }
  | {
      number: number;
      status: 'changed';
      before: string[];
      after: string[];
      words: { op: 'equal' | 'insert' | 'delete'; text: string }[];
    };

/** Compares any two versions in one language, clause by clause; inside a changed clause, word by word. */
export function AgreementDiff({ versions, current }: { versions: number[]; current: number }) {
  const { t } = useTranslation();
  const others = versions.filter((v) => v !== current);
  const [from, setFrom] = useState(others.filter((v) => v < current).at(-1) ?? others[0] ?? current);
  const [to, setTo] = useState(current);
  const [lang, setLang] = useState<AgreementLanguage>('uz-Cyrl');
  const [showUnchanged, setShowUnchanged] = useState(false);

  const pick = (label: string, value: number, onChange: (n: number) => void, id: string) => (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="input select"
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      >
        {versions.map((v) => (
          <option key={v} value={v}>
            {t('console.agreement.versionN', { n: v })}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <section className="card section-card" aria-labelledby="diff-title">
      <h2 id="diff-title">{t('console.agreement.diff')}</h2>
      <div className="diff-controls">
        {pick(t('console.agreement.diffFrom'), from, setFrom, 'diff-from')}
        {pick(t('console.agreement.diffTo'), to, setTo, 'diff-to')}
        <LanguageSelect
          value={lang}
          onChange={setLang}
          label={t('console.agreement.textLanguage')}
          id="diff-lang"
        />
        <label className="choice">
          <input
            type="checkbox"
            checked={showUnchanged}
            onChange={(e) => setShowUnchanged(e.target.checked)}
          />{' '}
          {t('console.agreement.showUnchanged')}
        </label>
      </div>
      <DiffResult from={from} to={to} lang={lang} showUnchanged={showUnchanged} />
    </section>
  );
}

function DiffResult({
  from,
  to,
  lang,
  showUnchanged,
}: {
  from: number;
  to: number;
  lang: AgreementLanguage;
  showUnchanged: boolean;
}) {
  const { t } = useTranslation();
  const diff = useApi<{ clauses: ClauseDiff[] }>(`/v1/agreements/versions/${from}/diff/${to}?lang=${lang}`);
  if (diff.state === 'loading') return <Loading />;
  if (diff.state === 'failed') return <ErrorNotice error={diff.error} onRetry={diff.reload} />;
  const changed = diff.data.clauses.filter((c) => c.status !== 'unchanged').length;
  const shown = diff.data.clauses.filter((c) => showUnchanged || c.status !== 'unchanged');
  return (
    <div className="diff" lang={lang} data-testid="diff">
      <p role="status">{t('console.agreement.diffSummary', { changed, total: diff.data.clauses.length })}</p>
      {shown.map((c) => (
        <article key={c.number} className={`diff-clause diff-clause--${c.status}`}>
          <h3>
            {t('console.agreement.clauseN', { n: c.number })}{' '}
            <span className="muted">— {t(`console.agreement.diffStatus.${c.status}`)}</span>
          </h3>
          {c.status === 'unchanged' && c.paragraphs.map((p, i) => <p key={`${c.number}-${i}`}>{p}</p>)}
          {c.status === 'added' && (
            <ins>
              {c.after.map((p, i) => (
                <p key={`${c.number}-${i}`}>{p}</p>
              ))}
            </ins>
          )}
          {c.status === 'removed' && (
            <del>
              {c.before.map((p, i) => (
                <p key={`${c.number}-${i}`}>{p}</p>
              ))}
            </del>
          )}
          {c.status === 'changed' && (
            <p className="diff-words">
              {c.words.map((w, i) =>
                w.op === 'insert' ? (
                  <ins key={`${c.number}-${i}`}>
                    <span className="visually-hidden">{t('console.agreement.inserted')} </span>
                    {w.text}
                  </ins>
                ) : w.op === 'delete' ? (
                  <del key={`${c.number}-${i}`}>
                    <span className="visually-hidden">{t('console.agreement.deleted')} </span>
                    {w.text}
                  </del>
                ) : (
                  <span key={`${c.number}-${i}`}>{w.text}</span>
                ),
              )}
            </p>
          )}
        </article>
      ))}
    </div>
  );
}
