import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ui/api';
import { ErrorNotice } from '../ui/Notice';
import type { Organisation } from '../ui/org';
import { useApi } from '../ui/useApi';
import {
  AGREEMENT_LANGUAGES,
  type AgreementLanguage,
  AgreementPreview,
  type ChangeReason,
  LanguageSelect,
  ReasonsField,
  type VersionDetail,
} from './AgreementShared';

/** `datetime-local` speaks local wall time without a zone. */
function toLocalInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The draft's editor: a text per language with a live preview beside it, the
 * reasons for change, the effective date and the sites. Only what changed is
 * sent, so an untouched generated transliteration stays marked as one.
 */
export function AgreementEditor({ version, onSaved }: { version: VersionDetail; onSaved: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const org = useApi<Organisation>('/v1/org');
  const [lang, setLang] = useState<AgreementLanguage>(version.authoritativeLanguage);
  const [texts, setTexts] = useState(version.texts);
  const [reasons, setReasons] = useState<ChangeReason[]>(version.reasons);
  const [effective, setEffective] = useState(toLocalInput(version.effectiveAt));
  const [siteIds, setSiteIds] = useState(version.siteIds);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<{ reasons?: boolean; sites?: boolean }>({});

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = { reasons: reasons.length === 0, sites: siteIds.length === 0 };
    setInvalid(found);
    if (found.reasons || found.sites) return;
    const patch: Record<string, unknown> = {};
    const changedTexts = Object.fromEntries(
      AGREEMENT_LANGUAGES.filter(
        (l) => (texts[l] ?? '') !== (version.texts[l] ?? '') && texts[l]?.trim(),
      ).map((l) => [l, texts[l]]),
    );
    if (Object.keys(changedTexts).length > 0) patch.texts = changedTexts;
    if (reasons.join() !== version.reasons.join()) patch.reasons = reasons;
    if (siteIds.join() !== version.siteIds.join()) patch.siteIds = siteIds;
    const effectiveAt = effective ? new Date(effective).getTime() : null;
    if (effectiveAt !== version.effectiveAt) patch.effectiveAt = effectiveAt;
    if (Object.keys(patch).length === 0) return onSaved();
    setBusy(true);
    setFailure(null);
    try {
      await api(`/v1/agreements/versions/${version.number}`, { method: 'PATCH', body: patch });
      onSaved();
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  return (
    <form
      className="form editor card section-card agreement-editor"
      noValidate
      onSubmit={submit}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`}>{t('console.agreement.editDraft')}</h2>
      {Boolean(failure) && <ErrorNotice error={failure} />}
      <LanguageSelect
        value={lang}
        onChange={setLang}
        label={t('console.agreement.editLanguage')}
        id={`${id}-lang`}
      />
      <div className="editor-columns">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-text`}>
            {t('console.agreement.textIn', { lang: t(`console.lang.${lang}`) })}
          </label>
          <textarea
            id={`${id}-text`}
            className="input textarea"
            lang={lang}
            rows={18}
            value={texts[lang] ?? ''}
            onChange={(e) => setTexts((all) => ({ ...all, [lang]: e.target.value }))}
          />
          <p className="field-hint">{t('console.agreement.textHint')}</p>
        </div>
        <section className="preview" aria-labelledby={`${id}-preview`} aria-live="polite">
          <h3 id={`${id}-preview`} className="preview-title">
            {t('console.agreement.preview')}
          </h3>
          <AgreementPreview text={texts[lang] ?? ''} lang={lang} />
        </section>
      </div>
      <ReasonsField value={reasons} onChange={setReasons} error={Boolean(invalid.reasons)} />
      <div className="field">
        <label className="field-label" htmlFor={`${id}-effective`}>
          {t('console.agreement.effectiveAt')}
        </label>
        <input
          id={`${id}-effective`}
          className="input"
          type="datetime-local"
          value={effective}
          aria-describedby={`${id}-effective-hint`}
          onChange={(e) => setEffective(e.target.value)}
        />
        <p className="field-hint" id={`${id}-effective-hint`}>
          {t('console.agreement.effectiveHint')}
        </p>
      </div>
      {org.state === 'ready' && (
        <fieldset className="choices" aria-invalid={invalid.sites || undefined}>
          <legend className="field-label">{t('console.agreement.sites')}</legend>
          {org.data.sites.map((site) => (
            <label key={site.id} className="choice">
              <input
                type="checkbox"
                checked={siteIds.includes(site.id)}
                onChange={(e) =>
                  setSiteIds((ids) =>
                    e.target.checked ? [...ids, site.id] : ids.filter((x) => x !== site.id),
                  )
                }
              />{' '}
              {site.name} <span className="muted mono">{site.id}</span>
            </label>
          ))}
          {invalid.sites && <p className="field-error">{t('console.agreement.sitesRequired')}</p>}
        </fieldset>
      )}
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy}>
          {t('console.agreement.saveDraft')}
        </button>
      </div>
    </form>
  );
}
