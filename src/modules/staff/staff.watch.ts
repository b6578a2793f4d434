import type { Keyring } from '../../crypto/keyring.js';
import type { Trx } from '../../db/database.js';
import { MaxfiyError } from '../../errors.js';
import { queueMail } from '../../mail/mail.service.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import * as store from './staff.store.js';
import type { StaffRole } from './staff.table.js';

/** The roles that publish a version of the agreement together (a DPO and a legal member). */
const PUBLISHING: readonly StaffRole[] = ['dpo', 'legal'];
/** Who hears when an account that can publish changes hands or appears. */
const WATCHERS: readonly StaffRole[] = ['dpo', 'legal', 'auditor'];

/** What happened to the account. */
export type PublisherChange = 'joined' | 'role-given' | 'reset' | 'reactivated';

export interface PublisherEvent {
  staffId: string;
  displayName: string;
  /** The account's roles after the change. */
  roles: readonly StaffRole[];
  change: PublisherChange;
  /** Who made it: the administrator, or the member for an invitation or reset they completed. */
  actorId: string;
  at: number;
}

const CHANGE: Record<PublisherChange, { uzCyrl: string; uzLatn: string; ru: string; en: string }> = {
  joined: {
    uzCyrl: 'таклиф орқали янги ходим сифатида қўшилди',
    uzLatn: 'taklif orqali yangi xodim sifatida qoʻshildi',
    ru: 'присоединился(-ась) по приглашению как новый сотрудник',
    en: 'joined as a new member through an invitation',
  },
  'role-given': {
    uzCyrl: 'янги рол олди',
    uzLatn: 'yangi rol oldi',
    ru: 'получил(а) новую роль',
    en: 'was given a new role',
  },
  reset: {
    uzCyrl: 'кириш қайта ўрнатилгандан кейин янги парол белгиланди',
    uzLatn: 'kirish qayta oʻrnatilgandan keyin yangi parol belgilandi',
    ru: 'после сброса входа был задан новый пароль',
    en: 'had a new password set after a sign-in reset',
  },
  reactivated: {
    uzCyrl: 'қайта фаоллаштирилди',
    uzLatn: 'qayta faollashtirildi',
    ru: 'снова активирован(а)',
    en: 'was reactivated',
  },
};

/** One mail in the four languages: members of the console have no language on record. */
function mail(e: PublisherEvent, publicUrl: string): { subject: string; text: string } {
  const c = CHANGE[e.change];
  const roles = e.roles.filter((r) => PUBLISHING.includes(r)).join(', ');
  const when = `${new Date(e.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const audit = `${publicUrl.replace(/\/+$/, '')}/admin/audit`;
  return {
    subject: 'maxfiy: битимни эълон қилувчи ҳисоб ўзгарди / an account that publishes the agreement changed',
    text: [
      `${e.displayName} (${roles}) ${c.uzCyrl}: ${when}. Бу ҳисоб бир ҳафтадан кейингина битимнинг янги таҳририни эълон қила олади. Агар бу ўзгариш келишилмаган бўлса, хавфсизлик бўлимига хабар беринг ва аудит журналини текширинг: ${audit}`,
      `${e.displayName} (${roles}) ${c.uzLatn}: ${when}. Bu hisob bir haftadan keyingina bitimning yangi tahririni eʼlon qila oladi. Agar bu oʻzgarish kelishilmagan boʻlsa, xavfsizlik boʻlimiga xabar bering va audit jurnalini tekshiring: ${audit}`,
      `${e.displayName} (${roles}) ${c.ru}: ${when}. Эта учётная запись сможет участвовать в публикации новой редакции соглашения только через неделю. Если изменение не согласовано, сообщите службе безопасности и проверьте журнал аудита: ${audit}`,
      `${e.displayName} (${roles}) ${c.en}: ${when}. This account can take part in publishing a new version of the agreement only after a week. If the change was not agreed, tell the security team and check the audit log: ${audit}`,
    ].join('\n\n'),
  };
}

/**
 * Tells every other active DPO, legal member and auditor, by mail through the
 * outbox in the same transaction, when an account that can publish the
 * agreement appears or may have changed hands: one administrator can invite a
 * DPO and a legal address of their own, give a role, or reset a member's
 * sign-in and take the link. With the standing period before such an account
 * may publish (`agreementPublishStandingDays`), the people whose signatures the
 * two-person rule stands for hear of it in time. Returns how many were told,
 * or undefined for an account that cannot publish (nobody is told).
 */
export function createPublisherWatch(deps: { keyring: Keyring; outbox: Outbox; publicUrl: string }) {
  return async function tellPublishers(trx: Trx, e: PublisherEvent): Promise<number | undefined> {
    if (!e.roles.some((r) => PUBLISHING.includes(r))) return undefined;
    const watchers = (await store.listStaff(trx)).filter(
      (s) =>
        s.status === 'active' &&
        s.id !== e.staffId &&
        store.parseRoles(s.roles).some((r) => WATCHERS.includes(r)),
    );
    const message = mail(e, deps.publicUrl);
    let told = 0;
    for (const w of watchers) {
      try {
        await queueMail(trx, deps.outbox, {
          to: await deps.keyring.decryptString(trx, w.id, 'staff.email', w.email_enc),
          ...message,
          idempotencyKey: `publisher-watch:${e.staffId}:${e.change}:${e.at}:${w.id}`,
        });
        told += 1;
      } catch (err) {
        // One address stored before addresses were checked as mail is, never the change itself.
        if (!(err instanceof MaxfiyError && err.code === 'MXF_MAIL_ADDRESS_INVALID')) throw err;
      }
    }
    return told;
  };
}

export type TellPublishers = ReturnType<typeof createPublisherWatch>;
