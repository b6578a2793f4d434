import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './audit/audit.routes.js';
import type { Services } from './container.js';
import { appOf, callerActor, requireApp, staffOrApp } from './http/app-auth.js';
import { requireStaff, staffActor } from './http/auth.js';
import { requireCustomer, requireRecentSignIn } from './http/customer-auth.js';
import { mailRoutes } from './mail/mail.routes.js';
import { agreementCabinetRoutes } from './modules/agreements/agreements.cabinet.js';
import { agreementRoutes } from './modules/agreements/agreements.routes.js';
import { agreementStatsRoutes } from './modules/agreements/agreements.stats.js';
import { sitesRoutes } from './modules/agreements/sites.routes.js';
import { appRoutes } from './modules/apps/apps.routes.js';
import { cabinetRoutes } from './modules/cabinet/cabinet.routes.js';
import { consentCabinetRoutes } from './modules/consents/consents.cabinet.js';
import { consentRoutes } from './modules/consents/consents.routes.js';
import { consentStatsRoutes } from './modules/consents/consents.stats.js';
import { decisionRoutes } from './modules/decisions/decisions.routes.js';
import { customersRoutes } from './modules/identity/customers.routes.js';
import { customerFactorRoutes } from './modules/identity/factors.routes.js';
import { identityRoutes } from './modules/identity/identity.routes.js';
import { meRoutes } from './modules/identity/me.routes.js';
import { appGrantRoutes } from './modules/oidc/oidc.apps.routes.js';
import { oidcRoutes } from './modules/oidc/oidc.routes.js';
import { orgRoutes } from './modules/org/org.routes.js';
import { purposeRoutes } from './modules/purposes/purposes.routes.js';
import { staffRoutes } from './modules/staff/staff.routes.js';

/** Every module's routes, with the guards each needs. */
export async function registerRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { staff } = services;
  await app.register(auditRoutes(services.audit));
  await app.register(staffRoutes({ staff }));
  await app.register(identityRoutes({ identity: services.identity }));
  await app.register(
    meRoutes({ identity: services.identity, requireSecurity: requireStaff(staff, 'security', 'admin') }),
  );
  await app.register(customerFactorRoutes({ identity: services.identity }));
  await app.register(
    customersRoutes({
      identity: services.identity,
      requireStaff: requireStaff(staff, 'support', 'admin', 'dpo', 'security'),
      actorOf: staffActor,
    }),
  );
  await app.register(
    orgRoutes({
      org: services.org,
      requireAdmin: requireStaff(staff, 'admin'),
      requireStaff: requireStaff(staff),
      actorOf: staffActor,
    }),
  );
  const { apps } = services;
  await app.register(
    appRoutes({
      apps,
      requireAdmin: requireStaff(staff, 'admin'),
      requireViewer: requireStaff(staff, 'admin', 'security'),
      actorOf: staffActor,
    }),
  );
  // Consents, decisions and acceptances: the company's apps with their credentials, or staff in the console.
  await app.register(
    purposeRoutes({
      purposes: services.purposes,
      clock: services.clock,
      company: async () => (await services.org.get().catch(() => undefined))?.company,
      requireStaff: requireStaff(staff),
      requireEditor: requireStaff(staff, 'dpo', 'admin'),
      actorOf: staffActor,
    }),
  );
  await app.register(
    consentRoutes({
      consents: services.consents,
      webhooks: services.webhooks,
      requireConsentStaff: staffOrApp(
        requireStaff(staff, 'dpo', 'admin', 'support'),
        requireApp(apps, 'consents'),
      ),
      requireAdmin: requireStaff(staff, 'dpo', 'admin', 'security'),
      actorOf: callerActor,
    }),
  );
  await app.register(
    decisionRoutes({
      decisions: services.decisions,
      requireCaller: staffOrApp(requireStaff(staff), requireApp(apps, 'decisions')),
    }),
  );
  await app.register(
    agreementRoutes({
      versions: services.agreements.versions,
      acceptances: services.agreements.acceptances,
      siteChecks: services.agreements.siteChecks,
      requireStaff: requireStaff(staff),
      requireEditor: requireStaff(staff, 'dpo', 'legal'),
      requireApp: staffOrApp(requireStaff(staff, 'support', 'admin'), requireApp(apps, 'agreements')),
      requireChecker: requireStaff(staff, 'dpo', 'admin'),
      publicUrl: services.options.publicUrl,
    }),
  );
  await app.register(
    sitesRoutes({
      versions: services.agreements.versions,
      acceptances: services.agreements.acceptances,
      org: services.org,
      clock: services.clock,
      publicUrl: services.options.publicUrl,
    }),
  );
  // The agreement and consents in the cabinet, and their figures in the console (helper AC).
  await app.register(
    agreementCabinetRoutes({
      versions: services.agreements.versions,
      acceptances: services.agreements.acceptances,
      requireCustomer: requireCustomer(services.identity),
      publicUrl: services.options.publicUrl,
    }),
  );
  await app.register(
    consentCabinetRoutes({
      consents: services.consents,
      database: services.database,
      clock: services.clock,
      requireCustomer: requireCustomer(services.identity),
    }),
  );
  await app.register(
    agreementStatsRoutes({
      database: services.database,
      clock: services.clock,
      requireReader: requireStaff(staff, 'dpo', 'legal', 'admin', 'auditor'),
    }),
  );
  await app.register(
    consentStatsRoutes({
      database: services.database,
      clock: services.clock,
      requireReader: requireStaff(staff, 'dpo', 'admin', 'marketing', 'auditor'),
    }),
  );
  // The personal cabinet: staff read it only under the customer's grant (helper CABINET).
  await app.register(
    cabinetRoutes({
      cabinet: services.cabinet,
      requireCustomer: requireCustomer(services.identity),
      requireRecentSignIn: requireRecentSignIn(services.clock),
      requireApp: requireApp(apps, 'cabinet'),
      appOf,
      customerToken: (token) => services.oidc.customerToken(token),
      requireStaff: requireStaff(staff),
      requireOversight: requireStaff(staff, 'admin', 'dpo', 'security', 'auditor'),
    }),
  );
  // Single sign-on for the products: oidc-provider at /oidc, its interaction, and client registration.
  await app.register(
    oidcRoutes({
      oidc: services.oidc,
      identity: services.identity,
      audit: services.audit,
      database: services.database,
      publicUrl: services.options.publicUrl,
      requireAdmin: requireStaff(staff, 'admin'),
      actorOf: staffActor,
    }),
  );
  // The apps a customer allowed, and taking one back, in the cabinet.
  await app.register(
    appGrantRoutes({ oidc: services.oidc, requireCustomer: requireCustomer(services.identity) }),
  );
  if (services.mail.devInbox) {
    await app.register(
      mailRoutes({ database: services.database, guard: requireStaff(staff, 'admin', 'security') }),
    );
  }
}
