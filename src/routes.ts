import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './audit/audit.routes.js';
import type { Services } from './container.js';
import { requireStaff, staffActor } from './http/auth.js';
import { mailRoutes } from './mail/mail.routes.js';
import { orgRoutes } from './modules/org/org.routes.js';
import { staffRoutes } from './modules/staff/staff.routes.js';

/** Every module's routes, with the guards each needs. */
export async function registerRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { staff } = services;
  await app.register(auditRoutes(services.audit));
  await app.register(staffRoutes({ staff }));
  await app.register(
    orgRoutes({
      org: services.org,
      requireAdmin: requireStaff(staff, 'admin'),
      requireStaff: requireStaff(staff),
      actorOf: staffActor,
    }),
  );
  if (services.mail.devInbox) {
    await app.register(
      mailRoutes({ database: services.database, preHandler: requireStaff(staff, 'admin', 'security') }),
    );
  }
}
