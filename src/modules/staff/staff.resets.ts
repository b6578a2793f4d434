import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Database } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import type { Language } from '../../i18n/errors-define.js';
import { newId, newToken } from '../../ids.js';
import { queueMail } from '../../mail/mail.service.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import * as factorStore from '../factors/factors.store.js';
import { sha256 } from './staff.crypto.js';
import type { OpaqueServer } from './staff.opaque.js';
import type { StaffPrincipal, StaffSessions } from './staff.sessions.js';
import * as store from './staff.store.js';
import type { TellPublishers } from './staff.watch.js';

/** How long a sign-in reset link works. */
export const RESET_TTL_MS = 24 * 60 * 60_000;

export interface StaffResets {
  /**
   * For a member who forgot their password or lost their device: ends their
   * sessions and their sign-in at once, and returns the one-time link (also
   * mailed) with which they set a new password and enrol a new factor. Not
   * oneself: another administrator must.
   */
  issueReset(
    actorId: string,
    staffId: string,
    language: Language,
  ): Promise<{ link: string; expiresAt: number }>;
  /** Whom the link resets; refuses unusable links like the other steps. */
  checkReset(token: string): Promise<{ displayName: string }>;
  /** Answers the OPAQUE registration request for the member's id; uses nothing up. */
  startReset(input: {
    token: string;
    registrationRequest: string;
  }): Promise<{ registrationResponse: string }>;
  /**
   * The new password replaces the old, every factor and recovery code of the
   * member is removed, and they are signed in, limited to enrolling a factor.
   * The link works once.
   */
  finishReset(input: {
    token: string;
    registrationRecord: string;
  }): Promise<{ staff: StaffPrincipal; sessionToken: string }>;
}

export interface ResetDeps {
  database: Database;
  keyring: Keyring;
  audit: AuditAppender;
  clock: Clock;
  outbox: Outbox;
  publicUrl: string;
  opaque: OpaqueServer;
  sessions: StaffSessions;
  /** Tells the DPOs, legal members and auditors when an account that can publish gets a new password. */
  tellPublishers: TellPublishers;
}

const MAIL: Record<Language, (name: string, link: string) => { subject: string; text: string }> = {
  'uz-Cyrl': (name, link) => ({
    subject: 'maxfiy: пултга киришни тиклаш',
    text: `${name}, администратор пултга киришингизни қайта ўрнатди. Эски паролингиз ва иккинчи омилингиз энди ишламайди.\n\nЯнги паролни белгилаш учун ҳаволани очинг (24 соат амал қилади, бир марта ишлатилади):\n${link}\n\nПаролингиз серверга юборилмайди. Кейин янги иккинчи омилни уланг.`,
  }),
  'uz-Latn': (name, link) => ({
    subject: 'maxfiy: pultga kirishni tiklash',
    text: `${name}, administrator pultga kirishingizni qayta oʻrnatdi. Eski parolingiz va ikkinchi omilingiz endi ishlamaydi.\n\nYangi parolni belgilash uchun havolani oching (24 soat amal qiladi, bir marta ishlatiladi):\n${link}\n\nParolingiz serverga yuborilmaydi. Keyin yangi ikkinchi omilni ulang.`,
  }),
  ru: (name, link) => ({
    subject: 'maxfiy: восстановление входа в консоль',
    text: `${name}, администратор сбросил ваш вход в консоль. Прежний пароль и второй фактор больше не действуют.\n\nЧтобы задать новый пароль, откройте ссылку (действует 24 часа, один раз):\n${link}\n\nПароль не отправляется на сервер. Затем подключите новый второй фактор.`,
  }),
  en: (name, link) => ({
    subject: 'maxfiy: reset of your console sign-in',
    text: `${name}, an administrator has reset your console sign-in. Your old password and second factor no longer work.\n\nOpen the link to set a new password (valid for 24 hours, once):\n${link}\n\nYour password is never sent to the server. You will then set up a new second factor.`,
  }),
};

export function createStaffResets(deps: ResetDeps): StaffResets {
  const { database, keyring, audit, clock, outbox, opaque, sessions } = deps;
  const base = deps.publicUrl.replace(/\/+$/, '');

  /** The member a usable link resets; unknown, expired, used and replaced links are one answer. */
  async function usable(token: string): Promise<store.StaffRow> {
    const reset = await store.findUsableReset(database.db, sha256(token), clock.now());
    assertThat(reset, 'MXF_STAFF_RESET_INVALID');
    const staff = await store.findStaffById(database.db, reset.staff_id);
    assertThat(staff, 'MXF_STAFF_RESET_INVALID');
    return staff;
  }

  return {
    async issueReset(actorId, staffId, language) {
      assertThat(actorId !== staffId, 'MXF_STAFF_SELF_RESET');
      const token = newToken();
      const link = `${base}/admin/reset?token=${token}`;
      const expiresAt = await database.write(async (trx) => {
        await store.lockActiveAdmins(trx);
        const target = await store.findStaffById(trx, staffId);
        assertThat(target, 'MXF_STAFF_NOT_FOUND');
        const now = clock.now();
        // Active, or already locked out by a reset (a newer link replaces the older);
        // a deactivated member comes back by reactivation, never by a reset link.
        const pending = await store.revokePendingResets(trx, staffId, now);
        if (target.status !== 'active' && pending === 0) throw new MaxfiyError('MXF_STAFF_DEACTIVATED');
        // Two administrators resetting each other at once must leave one standing.
        if (target.status === 'active' && store.parseRoles(target.roles).includes('admin'))
          assertThat(await store.otherActiveAdminExists(trx, staffId), 'MXF_STAFF_LAST_ADMIN');
        // An administrator whose sign-in is reset may be in someone else's hands: their links end.
        const linksEnded = await store.revokeLinksIssuedBy(trx, staffId, now);
        const reset: store.StaffResetRow = {
          id: newId(now),
          staff_id: staffId,
          token_hash: sha256(token),
          issued_by: actorId,
          created_at: now,
          expires_at: now + RESET_TTL_MS,
          used_at: null,
          revoked_at: null,
        };
        await store.insertReset(trx, reset);
        // Whoever may hold the old password or device is out from this moment.
        // Changes nothing for a member already locked out by an earlier link.
        await store.changeStaffStatus(trx, staffId, { from: 'active', to: 'disabled' }, now);
        const sessionsEnded = await store.revokeSessionsOf(trx, staffId, now);
        const email = await keyring.decryptString(trx, staffId, 'staff.email', target.email_enc);
        await queueMail(trx, outbox, {
          to: email,
          ...MAIL[language](target.display_name, link),
          idempotencyKey: `staff-reset:${reset.id}`,
        });
        await audit.append(trx, {
          actor: `staff:${actorId}`,
          action: 'staff.reset.issued',
          target: `staff:${staffId}`,
          details: { sessionsEnded, expiresAt: reset.expires_at, ...(linksEnded > 0 && { linksEnded }) },
        });
        return reset.expires_at;
      });
      return { link, expiresAt };
    },

    async checkReset(token) {
      return { displayName: (await usable(token)).display_name };
    },

    async startReset({ token, registrationRequest }) {
      const staff = await usable(token);
      return { registrationResponse: await opaque.registrationResponse(staff.id, registrationRequest) };
    },

    async finishReset({ token, registrationRecord }) {
      await opaque.checkRegistrationRecord(registrationRecord);
      return database.write(async (trx) => {
        const now = clock.now();
        // Taken first: a second, concurrent finish finds it used; a failure below rolls it back.
        const reset = await store.useReset(trx, sha256(token), now);
        assertThat(reset, 'MXF_STAFF_RESET_INVALID');
        const staff = await store.findStaffById(trx, reset.staff_id);
        assertThat(staff, 'MXF_STAFF_RESET_INVALID');
        await store.replaceCredentials(trx, staff.id, registrationRecord, now);
        const who = { kind: 'staff', id: staff.id } as const;
        // Every factor and recovery code: a new factor must be enrolled.
        const factorsRemoved = await factorStore.deleteFactorsSince(trx, who, 0);
        await store.revokeSessionsOf(trx, staff.id, now);
        // The link was shown to the administrator who issued it: whoever set this password may not be the member.
        const publishersTold = await deps.tellPublishers(trx, {
          staffId: staff.id,
          displayName: staff.display_name,
          roles: store.parseRoles(staff.roles),
          change: 'reset',
          actorId: reset.issued_by,
          at: now,
        });
        await audit.append(trx, {
          actor: `staff:${staff.id}`,
          action: 'staff.reset.completed',
          target: `staff:${staff.id}`,
          details: {
            factorsRemoved,
            issuedBy: `staff:${reset.issued_by}`,
            ...(publishersTold !== undefined && { publishersTold }),
          },
        });
        const sessionToken = await sessions.open(trx, staff.id, { factorRequired: true });
        const principal: StaffPrincipal = {
          id: staff.id,
          displayName: staff.display_name,
          roles: store.parseRoles(staff.roles),
        };
        return { staff: principal, sessionToken };
      });
    },
  };
}
