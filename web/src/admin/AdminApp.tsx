import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { messageOf } from '../ui/api';
import { NotFound } from '../ui/Page';
import { Redirect, type Route, Router, Routes, useRouter } from '../ui/router';
import { Shell } from '../ui/Shell';
import { AgreementPage } from './AgreementPage';
import { AgreementVersionPage } from './AgreementVersionPage';
import { APPS_ROLES, AppsPage } from './AppsPage';
import { AuditPage } from './AuditPage';
import { CUSTOMER_ROLES, CustomerDetailPage, CustomersPage, mayUse } from './CustomersPage';
import { EnrolPage } from './EnrolPage';
import { GRANTS_ROLES, GrantedPage, GrantedRecordsPage, GrantsPage } from './GrantsPage';
import { InboxPage } from './InboxPage';
import { IncidentsPage } from './IncidentsPage';
import { InvitePage } from './InvitePage';
import { MessagePage } from './MessagePage';
import { OidcClientsPage, SSO_ROLES } from './OidcClientsPage';
import { OrgPage } from './OrgPage';
import { PurposePage } from './PurposePage';
import { PurposesPage } from './PurposesPage';
import { RopaPage } from './RopaPage';
import { SecurityPage } from './SecurityPage';
import { SetupPage } from './SetupPage';
import { SignInPage } from './SignInPage';
import { STAFF_ROLES, StaffPage } from './StaffPage';
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
  { path: '/incidents', render: () => <IncidentsPage /> },
  { path: '/customers', render: () => <CustomersPage /> },
  { path: '/customers/:id', render: ({ id = '' }) => <CustomerDetailPage id={id} /> },
  { path: '/grants', render: () => <GrantsPage /> },
  { path: '/granted', render: () => <GrantedPage /> },
  { path: '/granted/:grantId', render: ({ grantId = '' }) => <GrantedRecordsPage grantId={grantId} /> },
  { path: '/apps', render: () => <AppsPage /> },
  { path: '/sso', render: () => <OidcClientsPage /> },
  { path: '/agreement', render: () => <AgreementPage /> },
  { path: '/agreement/:n', render: ({ n = '' }) => <AgreementVersionPage n={n} /> },
  { path: '/purposes', render: () => <PurposesPage /> },
  { path: '/purposes/:id', render: ({ id = '' }) => <PurposePage id={id} /> },
  { path: '/ropa', render: () => <RopaPage /> },
  { path: '/staff', render: () => <StaffPage /> },
];

const NAV = [
  { to: '/org', key: 'admin.nav.org' },
  { to: '/inbox', key: 'admin.nav.inbox' },
  { to: '/audit', key: 'admin.nav.audit' },
  { to: '/security', key: 'admin.nav.security' },
  // Shown only to roles that may use them (the server refuses the rest anyway).
  { to: '/incidents', key: 'people.nav.incidents', roles: ['security', 'admin'] },
  { to: '/customers', key: 'people.nav.customers', roles: CUSTOMER_ROLES },
  { to: '/grants', key: 'people.nav.grants', roles: GRANTS_ROLES },
  { to: '/granted', key: 'people.nav.granted' },
  { to: '/apps', key: 'people.nav.apps', roles: APPS_ROLES },
  { to: '/sso', key: 'console.nav.sso', roles: SSO_ROLES },
  { to: '/agreement', key: 'console.nav.agreement' },
  { to: '/purposes', key: 'console.nav.purposes' },
  { to: '/ropa', key: 'console.nav.ropa' },
  { to: '/staff', key: 'staff.nav', roles: STAFF_ROLES },
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

  // An invitation or a sign-in reset link stands alone too: its holder is not signed in.
  if (path === '/invite' || path === '/reset') {
    return (
      <Shell variant="console" surface={t('admin.name')}>
        <div className="container auth-page">
          <InvitePage key={path} kind={path === '/reset' ? 'reset' : 'invite'} />
        </div>
      </Shell>
    );
  }

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
            items: NAV.filter((item) => !('roles' in item) || mayUse(staff, item.roles)).map((item) => ({
              to: item.to,
              label: t(item.key),
            })),
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
