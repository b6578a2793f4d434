import './cabinet.css';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../ui/api';
import { NotFound } from '../ui/Page';
import { Link, type Route, Router, Routes, useRouter } from '../ui/router';
import { Shell } from '../ui/Shell';
import { AccessPage } from './AccessPage';
import { AgreementBanner, AgreementPage } from './AgreementPage';
import { AppsPage } from './AppsPage';
import { CabinetDataPage } from './CabinetDataPage';
import { CompromisePage } from './CompromisePage';
import { DataPage } from './DataPage';
import { HomePage } from './HomePage';
import { PrivacyPage } from './PrivacyPage';
import { ProfilePage } from './ProfilePage';
import { SecurityPage } from './SecurityPage';
import { SignInPage } from './SignInPage';
import { ResetPage, SignUpPage } from './SignUpPage';
import { RequireCustomer, SessionProvider, useSession } from './session';

/** Sign-in, sign-up, reset and the "this wasn't me" link stand alone in a narrow card. */
const auth = (page: ReactNode) => () => <div className="container auth-page">{page}</div>;

/** Pages of the signed-in cabinet, each under the new-agreement banner when one is due. */
const mine = (page: ReactNode) => () => (
  <RequireCustomer>
    <AgreementBanner />
    {page}
  </RequireCustomer>
);

const routes: Route[] = [
  { path: '/', render: () => <HomePage /> },
  { path: '/privacy', render: () => <PrivacyPage /> },
  { path: '/signin', render: auth(<SignInPage />) },
  { path: '/signup', render: auth(<SignUpPage />) },
  { path: '/reset', render: auth(<ResetPage />) },
  { path: '/compromise', render: auth(<CompromisePage />) },
  { path: '/profile', render: mine(<ProfilePage />) },
  { path: '/security', render: mine(<SecurityPage />) },
  { path: '/agreement', render: mine(<AgreementPage />) },
  { path: '/data', render: mine(<DataPage />) },
  { path: '/cabinet', render: mine(<CabinetDataPage />) },
  { path: '/access', render: mine(<AccessPage />) },
  { path: '/apps', render: mine(<AppsPage />) },
];

const PUBLIC_NAV = [
  { to: '/', key: 'cabinet.nav.home' },
  { to: '/privacy', key: 'cabinet.nav.privacy' },
] as const;

const SIGNED_IN_NAV = [
  { to: '/profile', key: 'cabinet.nav.profile' },
  { to: '/security', key: 'cabinet.nav.security' },
  { to: '/agreement', key: 'cabinet.nav.agreement' },
  { to: '/data', key: 'cabinet.nav.data' },
  { to: '/cabinet', key: 'cabinet.nav.cabinet' },
  { to: '/access', key: 'cabinet.nav.access' },
  { to: '/apps', key: 'cabinet.nav.apps' },
] as const;

function Tools() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const { navigate, path } = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  if (session.status !== 'signed-in') {
    if (path === '/signin') return null;
    return (
      <Link to="/signin" className="button button--secondary button--small">
        {t('cabinet.nav.signin')}
      </Link>
    );
  }
  return (
    <>
      <button
        type="button"
        className="button button--secondary button--small"
        onClick={() =>
          signOut().then(
            () => navigate('/signin', { replace: true }),
            (error: unknown) => setProblem(messageOf(error)),
          )
        }
      >
        {t('cabinet.nav.signout')}
      </button>
      {problem && <span role="alert">{problem}</span>}
    </>
  );
}

function CabinetShell() {
  const { t } = useTranslation();
  const { session } = useSession();
  const items = session.status === 'signed-in' ? [...PUBLIC_NAV.slice(0, 1), ...SIGNED_IN_NAV] : PUBLIC_NAV;
  return (
    <Shell
      variant="cabinet"
      surface={t('cabinet.name')}
      nav={{
        label: t('cabinet.navLabel'),
        items: items.map((item) => ({ to: item.to, label: t(item.key) })),
      }}
      tools={<Tools />}
    >
      <Routes routes={routes} fallback={<NotFound />} />
    </Shell>
  );
}

export function CabinetApp() {
  return (
    <Router>
      <SessionProvider>
        <CabinetShell />
      </SessionProvider>
    </Router>
  );
}
