import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../ui/i18n';
import { Icon } from '../ui/icons';
import { ErrorNotice, Loading } from '../ui/Notice';
import type { Site } from '../ui/org';
import { PageHeader } from '../ui/Page';
import { useApi } from '../ui/useApi';

/** The agreement as published on each site, served by maxfiy itself (server-rendered, no JS needed). */
function agreementHref(site: Site): string {
  return `/sites/${encodeURIComponent(site.id)}/agreement?lang=${currentLanguage()}`;
}

export function PrivacyPage() {
  const { t } = useTranslation();
  const sites = useApi<{ sites: Site[] }>('/v1/org/sites');
  return (
    <div className="container page">
      <PageHeader title={t('cabinet.privacy.title')} lead={t('cabinet.privacy.lead')} />
      {sites.state === 'loading' && <Loading />}
      {sites.state === 'failed' && <ErrorNotice error={sites.error} onRetry={sites.reload} />}
      {sites.state === 'ready' &&
        (sites.data.sites.length === 0 ? (
          <p>{t('cabinet.privacy.empty')}</p>
        ) : (
          <ul className="site-list" aria-label={t('cabinet.privacy.sitesLabel')}>
            {sites.data.sites.map((site) => (
              <li key={site.id} className="card site-card">
                <div>
                  <h2 className="site-name">{site.name}</h2>
                  <p className="site-origin">{site.origin.replace(/^https?:\/\//, '')}</p>
                </div>
                <a className="button button--secondary" href={agreementHref(site)}>
                  {t('cabinet.privacy.read', { site: site.id })}
                  <Icon name="arrow" size={18} />
                </a>
              </li>
            ))}
          </ul>
        ))}
    </div>
  );
}
