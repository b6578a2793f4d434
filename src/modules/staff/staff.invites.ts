import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId, newToken } from '../../ids.js';
import { queueMail } from '../../mail/mail.service.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import { normaliseEmail, sha256 } from './staff.crypto.js';
import type { OpaqueServer } from './staff.opaque.js';
import type { StaffPrincipal, StaffSessions } from './staff.sessions.js';
import * as store from './staff.store.js';
import type { StaffRole } from './staff.table.js';
import type { TellPublishers } from './staff.watch.js';

/** How long an invitation link works. */
export const INVITE_TTL_MS = 72 * 60 * 60_000;

/** A pending invitation as administrators see it. */
export interface StaffInvite {
  id: string;
  email: string;
  displayName: string;
  roles: StaffRole[];
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
}

export interface StaffInvitations {
  /** Queues the invitation mail and returns the link once, for the administrator to hand over. */
  invite(
    actorId: string,
    input: { email: string; displayName: string; roles: StaffRole[]; language: Language },
  ): Promise<{ invite: StaffInvite; link: string }>;
  listInvites(): Promise<StaffInvite[]>;
  revokeInvite(actorId: string, inviteId: string): Promise<void>;
  /** What the link's holder is invited as; refuses unusable links like the other steps. */
  checkInvite(token: string): Promise<{ email: string; displayName: string; roles: StaffRole[] }>;
  /** Answers the OPAQUE registration request, bound to the staff id the invitee will get; uses nothing up. */
  startAccept(input: {
    token: string;
    registrationRequest: string;
  }): Promise<{ registrationResponse: string }>;
  /** Creates the member and signs them in, limited to enrolling a factor; the link works once. */
  finishAccept(input: {
    token: string;
    registrationRecord: string;
  }): Promise<{ staff: StaffPrincipal; sessionToken: string }>;
  /** Disables the member and ends their sessions; not oneself, not the last administrator. */
  deactivate(actorId: string, staffId: string): Promise<void>;
  /**
   * Lets a deactivated member sign in again, with the password and factors they
   * had: no session comes back, so they sign in afresh with their second factor.
   */
  reactivate(actorId: string, staffId: string): Promise<void>;
}

export interface InvitationDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  outbox: Outbox;
  publicUrl: string;
  opaque: OpaqueServer;
  sessions: StaffSessions;
  emailIndex: (normalisedEmail: string) => Buffer;
  /** Tells the DPOs, legal members and auditors of a new or returning account that can publish. */
  tellPublishers: TellPublishers;
}

const MAIL: Record<Language, (name: string, link: string) => { subject: string; text: string }> = {
  'uz-Cyrl': (name, link) => ({
    subject: 'maxfiy: бошқарув пултига таклиф',
    text: `${name}, сизни maxfiy бошқарув пултига таклиф қилишди.\n\nПаролни белгилаш учун ҳаволани очинг (72 соат амал қилади, бир марта ишлатилади):\n${link}\n\nПаролингиз серверга юборилмайди. Кейин аутентификатор иловасини уланг.`,
  }),
  'uz-Latn': (name, link) => ({
    subject: 'maxfiy: boshqaruv pultiga taklif',
    text: `${name}, sizni maxfiy boshqaruv pultiga taklif qilishdi.\n\nParolni belgilash uchun havolani oching (72 soat amal qiladi, bir marta ishlatiladi):\n${link}\n\nParolingiz serverga yuborilmaydi. Keyin autentifikator ilovasini ulang.`,
  }),
  ru: (name, link) => ({
    subject: 'maxfiy: приглашение в консоль',
    text: `${name}, вас пригласили в консоль maxfiy.\n\nЧтобы задать пароль, откройте ссылку (действует 72 часа, один раз):\n${link}\n\nПароль не отправляется на сервер. Затем подключите приложение-аутентификатор.`,
  }),
  en: (name, link) => ({
    subject: 'maxfiy: invitation to the console',
    text: `${name}, you have been invited to the maxfiy console.\n\nOpen the link to set your password (valid for 72 hours, once):\n${link}\n\nYour password is never sent to the server. You will then set up an authenticator app.`,
  }),
};

export function createStaffInvitations(deps: InvitationDeps): StaffInvitations {
  const { database, keyring, audit, clock, outbox, opaque, sessions, emailIndex } = deps;
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function viewOf(row: store.StaffInviteRow): Promise<StaffInvite> {
    return {
      id: row.id,
      email: await keyring.decryptString(database.db, row.id, 'staff.email', row.email_enc),
      displayName: row.display_name,
      roles: store.parseRoles(row.roles),
      invitedBy: row.invited_by,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  /** The pending invitation of a token; expired, used, revoked and unknown are one answer. */
  async function usable(token: string): Promise<store.StaffInviteRow> {
    const row = await store.findInviteByToken(database.db, sha256(token));
    const ok = row && row.accepted_at === null && row.revoked_at === null && row.expires_at > clock.now();
    assertThat(ok, 'MXF_STAFF_INVITE_INVALID');
    return row;
  }

  return {
    async invite(actorId, input) {
      const email = normaliseEmail(input.email);
      const index = emailIndex(email);
      const roles = [...new Set(input.roles)].sort();
      const displayName = input.displayName.trim();
      const token = newToken();
      const link = `${base}/admin/invite?token=${token}`;
      const row = await database.write(async (trx) => {
        const now = clock.now();
        if (await store.findStaffByEmailIndex(trx, index)) throw new MaxfiyError('MXF_STAFF_EMAIL_TAKEN');
        if (await store.findPendingInviteByEmail(trx, index, now))
          throw new MaxfiyError('MXF_STAFF_ALREADY_INVITED');
        const id = newId(now);
        const invite: store.StaffInviteRow = {
          id,
          token_hash: sha256(token),
          email_index: index,
          // Under the data key of the staff id to be: the member's row takes it over as it is.
          email_enc: await keyring.encrypt(trx, id, 'staff.email', email),
          display_name: displayName,
          roles: JSON.stringify(roles),
          invited_by: actorId,
          created_at: now,
          expires_at: now + INVITE_TTL_MS,
          accepted_at: null,
          revoked_at: null,
        };
        await store.insertInvite(trx, invite);
        await queueMail(trx, outbox, {
          to: email,
          ...MAIL[input.language](displayName, link),
          idempotencyKey: `staff-invite:${id}`,
        });
        await audit.append(trx, {
          actor: `staff:${actorId}`,
          action: 'staff.invited',
          target: `staff:${id}`,
          details: { roles, expiresAt: invite.expires_at },
        });
        return invite;
      });
      return { invite: await viewOf(row), link };
    },

    async listInvites() {
      const rows = await store.listPendingInvites(database.db, clock.now());
      return Promise.all(rows.map(viewOf));
    },

    async revokeInvite(actorId, inviteId) {
      await database.write(async (trx) => {
        assertThat(await store.revokeInvite(trx, inviteId, clock.now()), 'MXF_STAFF_INVITE_NOT_FOUND');
        await audit.append(trx, {
          actor: `staff:${actorId}`,
          action: 'staff.invite.revoked',
          target: `staff:${inviteId}`,
        });
      });
    },

    async checkInvite(token) {
      const { email, displayName, roles } = await viewOf(await usable(token));
      return { email, displayName, roles };
    },

    async startAccept({ token, registrationRequest }) {
      const row = await usable(token);
      return { registrationResponse: await opaque.registrationResponse(row.id, registrationRequest) };
    },

    async finishAccept({ token, registrationRecord }) {
      await opaque.checkRegistrationRecord(registrationRecord);
      return database.write(async (trx) => {
        const now = clock.now();
        // Taken first: a second, concurrent finish finds it used; a failure below
        // rolls the acceptance back with everything else.
        const invite = await store.acceptInvite(trx, sha256(token), now);
        assertThat(invite, 'MXF_STAFF_INVITE_INVALID');
        if (await store.findStaffByEmailIndex(trx, invite.email_index))
          throw new MaxfiyError('MXF_STAFF_EMAIL_TAKEN');
        const roles = store.parseRoles(invite.roles);
        await store.insertStaff(trx, {
          id: invite.id,
          email_index: invite.email_index,
          email_enc: invite.email_enc,
          display_name: invite.display_name,
          roles: invite.roles,
          opaque_record: registrationRecord,
          status: 'active',
          created_at: now,
          updated_at: now,
        });
        const publishersTold = await deps.tellPublishers(trx, {
          staffId: invite.id,
          displayName: invite.display_name,
          roles,
          change: 'joined',
          actorId: invite.invited_by,
          at: now,
        });
        await audit.append(trx, {
          actor: `staff:${invite.id}`,
          action: 'staff.created',
          target: `staff:${invite.id}`,
          details: {
            roles,
            via: 'invitation',
            invitedBy: `staff:${invite.invited_by}`,
            ...(publishersTold !== undefined && { publishersTold }),
          },
        });
        // Limited to enrolling a factor, as for the first administrator.
        const sessionToken = await sessions.open(trx, invite.id, { factorRequired: true });
        const staff: StaffPrincipal = { id: invite.id, displayName: invite.display_name, roles };
        return { staff, sessionToken };
      });
    },

    async deactivate(actorId, staffId) {
      assertThat(actorId !== staffId, 'MXF_STAFF_SELF_DEACTIVATE');
      await database.write(async (trx) => {
        await store.lockActiveAdmins(trx);
        const target = await store.findStaffById(trx, staffId);
        assertThat(target, 'MXF_STAFF_NOT_FOUND');
        const now = clock.now();
        // A member locked out by a pending sign-in reset is `disabled` too, but the
        // link would let them (or whoever holds it) back in: deactivating ends it.
        const resetsEnded = await store.revokePendingResets(trx, staffId, now);
        if (target.status !== 'active' && resetsEnded === 0) return; // already deactivated: nothing to do
        if (target.status === 'active' && store.parseRoles(target.roles).includes('admin'))
          assertThat(await store.otherActiveAdminExists(trx, staffId), 'MXF_STAFF_LAST_ADMIN');
        // Changes nothing for a member already disabled (locked out by the reset just ended).
        await store.changeStaffStatus(trx, staffId, { from: 'active', to: 'disabled' }, now);
        const sessionsEnded = await store.revokeSessionsOf(trx, staffId, now);
        // Invitations and resets they issued die with their standing.
        const linksEnded = await store.revokeLinksIssuedBy(trx, staffId, now);
        await audit.append(trx, {
          actor: `staff:${actorId}`,
          action: 'staff.deactivated',
          target: `staff:${staffId}`,
          details: {
            sessionsEnded,
            ...(resetsEnded > 0 && { resetsEnded }),
            ...(linksEnded > 0 && { linksEnded }),
          },
        });
      });
    },

    async reactivate(actorId, staffId) {
      await database.write(async (trx) => {
        const target = await store.findStaffById(trx, staffId);
        assertThat(target, 'MXF_STAFF_NOT_FOUND');
        // Already active: nothing to do, nothing to audit.
        const now = clock.now();
        // Locked out by a reset, the old password and factors are what is in doubt:
        // the member comes back through the link, with new ones, not by reactivation.
        if (await store.hasPendingReset(trx, staffId)) throw new MaxfiyError('MXF_STAFF_RESET_PENDING');
        const changed = await store.changeStaffStatus(trx, staffId, { from: 'disabled', to: 'active' }, now);
        if (!changed) return;
        const roles = store.parseRoles(target.roles);
        const publishersTold = await deps.tellPublishers(trx, {
          staffId,
          displayName: target.display_name,
          roles,
          change: 'reactivated',
          actorId,
          at: now,
        });
        await audit.append(trx, {
          actor: `staff:${actorId}`,
          action: 'staff.reactivated',
          target: `staff:${staffId}`,
          details: { roles, ...(publishersTold !== undefined && { publishersTold }) },
        });
      });
    },
  };
}
