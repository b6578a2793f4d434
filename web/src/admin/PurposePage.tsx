import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { Field } from '../ui/Field';
import { formatDateTime } from '../ui/format';
import { ErrorNotice, Loading, Notice } from '../ui/Notice';
import { PageHeader } from '../ui/Page';
import { Link } from '../ui/router';
import { useApi } from '../ui/useApi';
import { hasRole, useRoles } from './AgreementShared';
import './Agreement.css';
import {
  type DataCategory,
  LEGAL_BASES,
  type LegalBasis,
  type Purpose,
  type PurposeDefinition,
  type PurposeVersion,
  Retention,
  YesNo,
} from './PurposeShared';

/** One purpose: what it says now, the editor that writes the next version, and every version. */
export function PurposePage({ id }: { id: string }) {
  const { t } = useTranslation();
  const roles = useRoles();
  const data = useApi<{ purpose: Purpose; versions: PurposeVersion[] }>(
    `/v1/purposes/${encodeURIComponent(id)}`,
  );
  const [saved, setSaved] = useState<number | null>(null);
  const canEdit = hasRole(roles, 'dpo', 'admin');
  return (
    <div className="page">
      <p>
        <Link to="/purposes" className="back-link">
          {t('console.purposes.back')}
        </Link>
      </p>
      <PageHeader title={data.state === 'ready' ? data.data.purpose.name : id} />
      {data.state === 'loading' && <Loading />}
      {data.state === 'failed' && <ErrorNotice error={data.error} onRetry={data.reload} />}
      {saved !== null && (
        <Notice tone="success">
          <p>{t('console.purposes.saved', { version: saved })}</p>
        </Notice>
      )}
      {data.state === 'ready' && (
        <>
          {canEdit && (
            <PurposeEditor
              key={data.data.purpose.version}
              purpose={data.data.purpose}
              onSaved={(version) => {
                setSaved(version);
                data.reload();
              }}
            />
          )}
          <Versions versions={data.data.versions} />
        </>
      )}
    </div>
  );
}

function PurposeEditor({ purpose, onSaved }: { purpose: Purpose; onSaved: (version: number) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const categories = useApi<{ categories: DataCategory[] }>('/v1/data-categories');
  const [values, setValues] = useState<PurposeDefinition>({
    name: purpose.name,
    legalBasis: purpose.legalBasis,
    rationale: purpose.rationale,
    categories: purpose.categories,
    retentionDays: purpose.retentionDays,
    automated: purpose.automated,
    depersonalisedOnly: purpose.depersonalisedOnly,
  });
  const [retention, setRetention] = useState(
    purpose.retentionDays === null ? '' : String(purpose.retentionDays),
  );
  const [errors, setErrors] = useState<{
    name?: boolean;
    rationale?: boolean;
    retention?: boolean;
    categories?: boolean;
  }>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const set = <K extends keyof PurposeDefinition>(key: K, value: PurposeDefinition[K]) =>
    setValues((v) => ({ ...v, [key]: value }));

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const days = retention.trim() === '' ? null : Number(retention);
    const found = {
      name: !values.name.trim(),
      rationale: !values.rationale.trim(),
      retention: days !== null && !(Number.isInteger(days) && days >= 1 && days <= 36500),
      categories: values.categories.length === 0,
    };
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    setFailure(null);
    try {
      const answer = await api<{ purpose: Purpose }>(`/v1/purposes/${encodeURIComponent(purpose.id)}`, {
        method: 'PUT',
        body: {
          ...values,
          name: values.name.trim(),
          rationale: values.rationale.trim(),
          retentionDays: days,
        },
      });
      onSaved(answer.purpose.version);
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  return (
    <form
      className="form editor card section-card"
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`}>{t('console.purposes.edit', { version: purpose.version + 1 })}</h2>
      <p className="hint">{t('console.purposes.editHint')}</p>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <Field
        label={t('console.purposes.name')}
        value={values.name}
        onChange={(e) => set('name', e.target.value)}
        error={errors.name ? t('common.required') : undefined}
      />
      <div className="field">
        <label className="field-label" htmlFor={`${id}-basis`}>
          {t('console.purposes.legalBasis')}
        </label>
        <select
          id={`${id}-basis`}
          className="input select"
          value={values.legalBasis}
          onChange={(e) => set('legalBasis', e.target.value as LegalBasis)}
        >
          {LEGAL_BASES.map((b) => (
            <option key={b} value={b}>
              {t(`console.purposes.basis.${b}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={`${id}-rationale`}>
          {t('console.purposes.rationale')}
        </label>
        <textarea
          id={`${id}-rationale`}
          className="input textarea textarea--short"
          rows={4}
          value={values.rationale}
          aria-invalid={errors.rationale || undefined}
          aria-describedby={errors.rationale ? `${id}-rationale-error` : undefined}
          onChange={(e) => set('rationale', e.target.value)}
        />
        {errors.rationale && (
          <p className="field-error" id={`${id}-rationale-error`}>
            {t('common.required')}
          </p>
        )}
      </div>
      {categories.state === 'ready' && (
        <fieldset className="choices" aria-invalid={errors.categories || undefined}>
          <legend className="field-label">{t('console.purposes.categories')}</legend>
          {categories.data.categories.map((c) => (
            <label key={c.id} className="choice">
              <input
                type="checkbox"
                checked={values.categories.includes(c.id)}
                onChange={(e) =>
                  set(
                    'categories',
                    e.target.checked
                      ? [...values.categories, c.id]
                      : values.categories.filter((x) => x !== c.id),
                  )
                }
              />{' '}
              {c.name} <span className="muted mono">{c.id}</span>
            </label>
          ))}
          {errors.categories && <p className="field-error">{t('console.purposes.categoriesRequired')}</p>}
        </fieldset>
      )}
      <Field
        label={t('console.purposes.retentionDays')}
        hint={t('console.purposes.retentionHint')}
        inputMode="numeric"
        value={retention}
        onChange={(e) => setRetention(e.target.value)}
        error={errors.retention ? t('console.purposes.retentionInvalid') : undefined}
      />
      <label className="choice">
        <input
          type="checkbox"
          checked={values.automated}
          onChange={(e) => set('automated', e.target.checked)}
        />{' '}
        {t('console.purposes.automated')}
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={values.depersonalisedOnly}
          onChange={(e) => set('depersonalisedOnly', e.target.checked)}
        />{' '}
        {t('console.purposes.depersonalisedOnly')}
      </label>
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('console.purposes.saveVersion')}
        </button>
      </div>
    </form>
  );
}

function Versions({ versions }: { versions: PurposeVersion[] }) {
  const { t } = useTranslation();
  return (
    <section className="card section-card" aria-labelledby="purpose-versions-title">
      <h2 id="purpose-versions-title">{t('console.purposes.versions')}</h2>
      <div className="table-wrap">
        <table className="table" data-testid="purpose-versions">
          <thead>
            <tr>
              <th scope="col">{t('console.purposes.version')}</th>
              <th scope="col">{t('console.purposes.createdAt')}</th>
              <th scope="col">{t('console.purposes.name')}</th>
              <th scope="col">{t('console.purposes.legalBasis')}</th>
              <th scope="col">{t('console.purposes.categories')}</th>
              <th scope="col">{t('console.purposes.retentionDays')}</th>
              <th scope="col">{t('console.purposes.automated')}</th>
              <th scope="col">{t('console.purposes.depersonalisedOnly')}</th>
            </tr>
          </thead>
          <tbody>
            {[...versions].reverse().map((v) => (
              <tr key={v.version}>
                <th scope="row">{v.version}</th>
                <td>{formatDateTime(v.createdAt)}</td>
                <td>{v.definition.name}</td>
                <td>{t(`console.purposes.basis.${v.definition.legalBasis}`)}</td>
                <td className="mono">{v.definition.categories.join(', ')}</td>
                <td>
                  <Retention days={v.definition.retentionDays} />
                </td>
                <td>
                  <YesNo value={v.definition.automated} />
                </td>
                <td>
                  <YesNo value={v.definition.depersonalisedOnly} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
