import { useTranslation } from 'react-i18next';
import { NotFound } from '../ui/Page';
import { type Route, Router, Routes } from '../ui/router';
import { Shell } from '../ui/Shell';
import { HomePage } from './HomePage';
import { PrivacyPage } from './PrivacyPage';

/** The cabinet's pages. Later issues add sign-in, the cabinet itself, consents and requests here. */
const routes: Route[] = [
  { path: '/', render: () => <HomePage /> },
  { path: '/privacy', render: () => <PrivacyPage /> },
];

function CabinetShell() {
  const { t } = useTranslation();
  return (
    <Shell
      variant="cabinet"
      surface={t('cabinet.name')}
      nav={{
        label: t('cabinet.navLabel'),
        items: [
          { to: '/', label: t('cabinet.nav.home') },
          { to: '/privacy', label: t('cabinet.nav.privacy') },
        ],
      }}
    >
      <Routes routes={routes} fallback={<NotFound />} />
    </Shell>
  );
}

export function CabinetApp() {
  return (
    <Router>
      <CabinetShell />
    </Router>
  );
}
