import { useTranslation } from 'react-i18next';
import { useSession } from './session';
import './Agreement.css';

/** What the agreement API answers (src/modules/agreements/agreements.schemas.ts). */
export const AGREEMENT_LANGUAGES = ['uz-Cyrl', 'uz-Latn', 'ru', 'en'] as const;
export type AgreementLanguage = (typeof AGREEMENT_LANGUAGES)[number];

/** §20's reasons for a change, in the order the agreement lists them. */
export const CHANGE_REASONS = [
  'change-of-law',
  'management-decision',
  'change-of-purposes',
  'change-of-structure-or-it-systems',
  'change-of-processing',
] as const;
export type ChangeReason = (typeof CHANGE_REASONS)[number];

export interface VersionSummary {
  number: number;
  status: 'draft' | 'pending' | 'published';
  authoritativeLanguage: AgreementLanguage;
  reasons: ChangeReason[];
  siteIds: string[];
  effectiveAt: number | null;
  publishedAt: number | null;
  languages: { lang: AgreementLanguage; status: string; contentHash: string | null }[];
  publicationRequestedBy: string | null;
}

export interface VersionDetail extends VersionSummary {
  texts: Partial<Record<AgreementLanguage, string>>;
}

/** The roles of the signed-in member (empty while the session loads). */
export function useRoles(): string[] {
  const { session } = useSession();
  return session.status === 'signed-in' ? session.staff.roles : [];
}

export function useStaffId(): string | null {
  const { session } = useSession();
  return session.status === 'signed-in' ? session.staff.id : null;
}

export const hasRole = (roles: string[], ...wanted: string[]) => wanted.some((r) => roles.includes(r));

/** A version's status as a small label. */
export function StatusBadge({ status }: { status: VersionSummary['status'] }) {
  const { t } = useTranslation();
  return <span className={`badge badge--${status}`}>{t(`console.agreement.status.${status}`)}</span>;
}

/**
 * A canonical agreement text as the public page lays it out: the title, then
 * each paragraph, a numbered clause with its number set apart.
 */
export function AgreementPreview({ text, lang }: { text: string; lang: string }) {
  const { t } = useTranslation();
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  if (blocks.length === 0) return <p className="muted">{t('console.agreement.noText')}</p>;
  const [title, ...rest] = blocks;
  return (
    <article className="agreement-preview" lang={lang}>
      <h3>{title}</h3>
      {rest.map((block, i) => {
        const clause = /^(\d+)\.\s+([\s\S]*)$/.exec(block);
        return clause ? (
          <p key={i}>
            <strong className="clause-number">{clause[1]}.</strong> {clause[2]}
          </p>
        ) : (
          <p key={i}>{block}</p>
        );
      })}
    </article>
  );
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function ReasonsField({
  value,
  onChange,
  error,
}: {
  value: ChangeReason[];
  onChange: (next: ChangeReason[]) => void;
  error: boolean;
}) {
  const { t } = useTranslation();
  return (
    <fieldset
      className="choices"
      aria-invalid={error || undefined}
      aria-describedby={error ? 'reasons-error' : undefined}
    >
      <legend className="field-label">{t('console.agreement.reasons')}</legend>
      {CHANGE_REASONS.map((r) => (
        <label key={r} className="choice">
          <input
            type="checkbox"
            checked={value.includes(r)}
            onChange={(e) => onChange(e.target.checked ? [...value, r] : value.filter((x) => x !== r))}
          />{' '}
          {t(`console.agreement.reason.${r}`)}
        </label>
      ))}
      {error && (
        <p className="field-error" id="reasons-error">
          {t('console.agreement.reasonsRequired')}
        </p>
      )}
    </fieldset>
  );
}

export function LanguageSelect({
  value,
  onChange,
  languages = AGREEMENT_LANGUAGES,
  label,
  id,
}: {
  value: AgreementLanguage;
  onChange: (lang: AgreementLanguage) => void;
  languages?: readonly AgreementLanguage[];
  label: string;
  id?: string;
}) {
  const { t } = useTranslation();
  const selectId = id ?? 'agreement-language';
  return (
    <div className="field">
      <label className="field-label" htmlFor={selectId}>
        {label}
      </label>
      <select
        id={selectId}
        className="input select"
        value={value}
        onChange={(e) => onChange(e.target.value as AgreementLanguage)}
      >
        {languages.map((l) => (
          <option key={l} value={l}>
            {t(`console.lang.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
