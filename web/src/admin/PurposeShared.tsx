import { useTranslation } from 'react-i18next';
import { formatNumber } from '../ui/format';

/** What the purpose register answers (src/modules/purposes/purposes.schemas.ts). */
export const LEGAL_BASES = ['contract', 'consent', 'legitimate-interest', 'legal-obligation'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface PurposeDefinition {
  name: string;
  legalBasis: LegalBasis;
  rationale: string;
  categories: string[];
  retentionDays: number | null;
  automated: boolean;
  depersonalisedOnly: boolean;
}

export interface Purpose extends PurposeDefinition {
  id: string;
  version: number;
}

export interface PurposeVersion {
  version: number;
  createdAt: number;
  createdBy: string;
  definition: PurposeDefinition;
}

export interface DataCategory {
  id: string;
  name: string;
  class: 'cabinet' | 'personal' | 'usage' | 'depersonalised';
  storeId: string;
  mustStayInUz: boolean;
}

export interface DataStore {
  id: string;
  country: string;
  description: string;
}

/** Days (the column says so), or "for the term of the contract" when the register says null. */
export function Retention({ days }: { days: number | null }) {
  const { t } = useTranslation();
  return <>{days === null ? t('console.purposes.contractTerm') : formatNumber(days)}</>;
}

export function YesNo({ value }: { value: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={value ? 'badge badge--yes' : 'badge'}>{value ? t('console.yes') : t('console.no')}</span>
  );
}
