import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../ui/api';
import { NotFound } from '../ui/Page';
import { Redirect, type Route, Router, Routes, useRouter } from '../ui/router';
import { Shell } from '../ui/Shell';
import { AuditPage } from './AuditPage';
import { EnrolPage } from './EnrolPage';
import { InboxPage } from './InboxPage';
import { MessagePage } from './MessagePage';
import { OrgPage } from './OrgPage';
import { SecurityPage } from './SecurityPage';
import { SetupPage } from './SetupPage';
import { SignInPage } from './SignInPage';
import { RequireStaff, SessionProvider, type Staff, useSession } from './session';

/** The console is served under /admin/; routes below are relative to it. */
const BASE = '/admin';

/** Pages for signed-in staff. Later issues add requests, claims, incidents, scans… here and in NAV. */
const consoleRoutes: Route[] = [
  { path: '/', render: () => <Redirect to="/org" /> },
  { path: '/org', render: () => <OrgPage /> },
  { path: '/inbox', render: () => <InboxPage /> },
  { path: '/inbox/:id', render: ({ id = '' }) => <MessagePage id={id} /> },
  { path: '/audit', render: () => <AuditPage /> },
  { path: '/security', render: () => <SecurityPage /> },
];

const NAV = [
  { to: '/org', key: 'admin.nav.org' },
  { to: '/inbox', key: 'admin.nav.inbox' },
  { to: '/audit', key: 'admin.nav.audit' },
  { to: '/security', key: 'admin.nav.security' },
] as const;

function SignedInTools({ staff }: { staff: Staff }) {
  const { t } = useTranslation();
  const { signOut } = useSession();
  const { navigate } = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div className="staff-tools">
      <span className="staff-name" title={t('admin.signedInAs', { name: staff.displayName })}>
        <span className="avatar" aria-hidden="true">
          {staff.displayName.trim().charAt(0).toUpperCase() || '·'}
        </span>
        <span className="visually-hidden">{t('admin.signedInAs', { name: staff.displayName })}</span>
        <span aria-hidden="true" className="staff-display-name">
          {staff.displayName}
        </span>
      </span>
      <button
        type="button"
        className="button button--ghost button--small"
        onClick={() =>
          signOut().then(
            () => navigate('/signin', { replace: true }),
            (error: unknown) => setProblem(messageOf(error)),
          )
        }
      >
        {t('admin.signOut')}
      </button>
      {problem && (
        <span role="alert" className="staff-problem">
          {problem}
        </span>
      )}
    </div>
  );
}

function AdminRoutes() {
  const { t } = useTranslation();
  const { path } = useRouter();

  // Setup and sign-in stand alone: no console menu before someone is signed in.
  if (path === '/setup' || path === '/signin') {
    return (
      <Shell variant="console" surface={t('admin.name')}>
        <div className="container auth-page">{path === '/setup' ? <SetupPage /> : <SignInPage />}</div>
      </Shell>
    );
  }

  return (
    <RequireStaff
      enrol={(staff) => (
        <Shell variant="console" surface={t('admin.name')} tools={<SignedInTools staff={staff} />}>
          <div className="container">
            <EnrolPage />
          </div>
        </Shell>
      )}
    >
      {(staff) => (
        <Shell
          variant="console"
          surface={t('admin.name')}
          nav={{
            label: t('admin.navLabel'),
            items: NAV.map((item) => ({ to: item.to, label: t(item.key) })),
          }}
          navPlacement="side"
          tools={<SignedInTools staff={staff} />}
        >
          <Routes routes={consoleRoutes} fallback={<NotFound home="/org" />} />
        </Shell>
      )}
    </RequireStaff>
  );
}

export function AdminApp() {
  return (
    <Router base={BASE}>
      <SessionProvider>
        <AdminRoutes />
      </SessionProvider>
    </Router>
  );
}
