import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from './router';

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · maxfiy`;
  }, [title]);
}

/** The page's one h1, its lead paragraph and the document title. */
export function PageHeader({
  title,
  lead,
  children,
}: {
  title: string;
  lead?: string;
  children?: ReactNode;
}) {
  useDocumentTitle(title);
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {lead && <p className="lead">{lead}</p>}
      {children}
    </div>
  );
}

export function NotFound({ home = '/' }: { home?: string }) {
  const { t } = useTranslation();
  return (
    <div className="container narrow page">
      <PageHeader title={t('common.notFoundTitle')} lead={t('common.notFoundText')} />
      <Link className="button" to={home}>
        {t('common.backHome')}
      </Link>
    </div>
  );
}
