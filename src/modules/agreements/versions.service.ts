/**
 * Agreement versions: drafts are edited by the DPO or legal; publishing takes
 * two people (one asks, the other approves, one DPO and one legal); a
 * published version never changes. Version 1 is the seed text from config/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditAppender } from '../../audit/appender.js';
import type { Clock } from '../../clock.js';
import { ConfigError } from '../../config/options.js';
import { type Database, type Trx, writeInTurn } from '../../db/database.js';
import { assertThat, MaxfiyError } from '../../errors.js';
import type { Outbox } from '../../outbox/outbox.service.js';
import * as staffStore from '../staff/staff.store.js';
import {
  AGREEMENT_LANGUAGES,
  type AgreementLanguage,
  type DraftCreate,
  type DraftPatch,
  type VersionDetail,
  type VersionSummary,
} from './agreements.schemas.js';
import { DAY_MS } from './agreements.stats.js';
import * as store from './agreements.store.js';
import type { AgreementTextTable, AgreementVersionTable, TextStatus } from './agreements.table.js';
import { VERSION_MAIL_TOPIC, versionMailKeys } from './notice-mail.js';
import { type ClauseDiff, diffClauses } from './text/diff.js';
import { generateUzLatnText } from './text/generate.js';
import { contentHash } from './text/hash.js';
import { AgreementTextError, parseAgreement, renderPlainText } from './text/paragraphs.js';

export const VERSION_PUBLISHED_TOPIC = 'agreement.version-published';

export interface StaffMember {
  id: string;
  roles: readonly string[];
}

export interface VersionInForce {
  version: AgreementVersionTable;
  texts: Map<AgreementLanguage, AgreementTextTable>;
}

export interface VersionsDeps {
  database: Database;
  audit: AuditAppender;
  outbox: Pick<Outbox, 'enqueue'>;
  clock: Clock;
  siteIds(): Promise<string[]>;
  /** Days both people who publish must have held their account unchanged (`agreementPublishStandingDays`). */
  publishStandingDays: number;
}

/** Parses and re-renders: the stored text is canonical, so its hash names the words, not the layout. */
export function canonicalText(raw: string): string {
  try {
    return renderPlainText(parseAgreement(raw));
  } catch (err) {
    if (err instanceof AgreementTextError) throw new MaxfiyError('MXF_AGREEMENT_TEXT_INVALID');
    throw err;
  }
}

function textRow(
  version: number,
  lang: AgreementLanguage,
  body: string,
  status: TextStatus,
): AgreementTextTable {
  return { version, lang, body, text_status: status, content_hash: contentHash(body) };
}

/**
 * The texts of a draft: the authoritative uz-Cyrl as given, uz-Latn generated from
 * it (marked as a transliteration to review) unless a hand-made one is given, and
 * every hand-made text an unofficial translation.
 */
function buildTexts(
  version: number,
  given: Partial<Record<AgreementLanguage, string>>,
  authoritative: AgreementLanguage,
): AgreementTextTable[] {
  const rows: AgreementTextTable[] = [];
  const cyrl = given['uz-Cyrl'];
  for (const lang of AGREEMENT_LANGUAGES) {
    const raw = given[lang];
    if (lang === authoritative) {
      assertThat(raw, 'MXF_AGREEMENT_TEXT_INVALID');
      rows.push(textRow(version, lang, canonicalText(raw), 'authoritative'));
    } else if (lang === 'uz-Latn' && raw === undefined && cyrl !== undefined) {
      rows.push(textRow(version, lang, generateUzLatnText(cyrl), 'transliteration-to-review'));
    } else if (raw !== undefined) {
      rows.push(textRow(version, lang, canonicalText(raw), 'unofficial-translation'));
    }
  }
  return rows;
}

/**
 * The texts a draft starts from: those it had (or its predecessor had) and those
 * given now. A generated transliteration is generated again. When the
 * authoritative text changes, a hand-made text not given again is dropped: it
 * says what the old text said, and a customer reading it would accept terms
 * that are not the version's (the page then falls back, and says so).
 */
function carriedOver(
  had: AgreementTextTable[],
  authoritative: AgreementLanguage,
  texts: Partial<Record<AgreementLanguage, string>> | undefined,
): Partial<Record<AgreementLanguage, string>> {
  const before = had.find((t) => t.lang === authoritative)?.body;
  const next = texts?.[authoritative];
  const changed = next !== undefined && (before === undefined || canonicalText(next) !== before);
  const given: Partial<Record<AgreementLanguage, string>> = {};
  for (const t of had) {
    const lang = t.lang as AgreementLanguage;
    if (t.text_status === 'transliteration-to-review') continue;
    if (changed && lang !== authoritative) continue;
    given[lang] = t.body;
  }
  return Object.assign(given, texts ?? {});
}

/** Whether `v` was published for `siteId`. */
export function versionCovers(v: AgreementVersionTable, siteId: string): boolean {
  return (JSON.parse(v.site_ids) as string[]).includes(siteId);
}

export function summarise(v: AgreementVersionTable, texts: AgreementTextTable[]): VersionSummary {
  const byLang = new Map(texts.map((t) => [t.lang, t]));
  return {
    number: Number(v.number),
    status: v.status,
    authoritativeLanguage: v.authoritative_lang as AgreementLanguage,
    reasons: JSON.parse(v.reasons),
    siteIds: JSON.parse(v.site_ids),
    effectiveAt: v.effective_at === null ? null : Number(v.effective_at),
    publishedAt: v.published_at === null ? null : Number(v.published_at),
    languages: AGREEMENT_LANGUAGES.map((lang) => {
      const t = byLang.get(lang);
      return { lang, status: t ? t.text_status : 'missing', contentHash: t ? t.content_hash : null };
    }),
    publicationRequestedBy: v.requested_by ? (JSON.parse(v.requested_by) as { actor: string }).actor : null,
  };
}

export function createVersionsService(deps: VersionsDeps) {
  const { database, audit, outbox, clock } = deps;
  const db = database.db;

  /**
   * A write that changes versions: one at a time. Concurrent ones would each pass
   * the checks: an edit could land after the approval it raced and turn the
   * published version back into a draft with text nobody approved.
   */
  const versionWrite = <T>(fn: (trx: Trx) => Promise<T>) => writeInTurn(database, store.VERSIONS_LOCK, fn);

  /** Every site a version names must exist: a version for a site that does not is refused. */
  async function checkSites(siteIds: readonly string[] | undefined): Promise<void> {
    if (!siteIds) return;
    const known = new Set(await deps.siteIds());
    const unknown = siteIds.find((id) => !known.has(id));
    if (unknown !== undefined) throw new MaxfiyError('MXF_ORG_SITE_NOT_FOUND');
  }

  /**
   * The texts version 1 is made of, from `<dir>/agreement.v1.<lang>.txt`, when
   * no version exists yet; undefined when one does. A missing authoritative
   * text refuses the start, before anything is written.
   */
  async function seedTexts(dir: string): Promise<{ cyrl: string; en?: string } | undefined> {
    if ((await store.latestVersionNumber(db)) > 0) return undefined;
    const read = (lang: string) => {
      const file = path.join(dir, `agreement.v1.${lang}.txt`);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    };
    const cyrl = read('uz-Cyrl');
    if (!cyrl)
      throw new ConfigError(
        `agreement text ${path.join(dir, 'agreement.v1.uz-Cyrl.txt')} is missing: version 1 is made from it on first start`,
      );
    return { cyrl, en: read('en') };
  }

  /** Loads version 1 from `<dir>/agreement.v1.<lang>.txt` into an empty table; false when versions exist. */
  async function seed(dir: string): Promise<boolean> {
    const texts = await seedTexts(dir);
    if (!texts) return false;
    const { cyrl, en } = texts;
    const sites = await deps.siteIds();
    // Two nodes starting at once on one PostgreSQL: the second finds version 1 and leaves it.
    return versionWrite(async (trx) => {
      if ((await store.latestVersionNumber(trx)) > 0) return false;
      const now = clock.now();
      await store.insertVersion(trx, {
        number: 1,
        status: 'published',
        authoritative_lang: 'uz-Cyrl',
        reasons: '[]',
        site_ids: JSON.stringify(sites),
        effective_at: now,
        published_at: now,
        created_by: 'system',
        requested_by: null,
        approved_by: 'system',
        created_at: now,
        updated_at: now,
      });
      // uz-Latn is generated from the seed, so it cannot drift from it (text/generate.test.ts checks the file).
      await store.replaceTexts(trx, 1, buildTexts(1, { 'uz-Cyrl': cyrl, ...(en ? { en } : {}) }, 'uz-Cyrl'));
      await audit.append(trx, {
        actor: 'system',
        action: 'agreement.version.seeded',
        target: 'agreement-version:1',
        details: { sites },
      });
      inForceList = undefined;
      return true;
    });
  }

  async function detail(n: number, handle: Database['db'] | Trx = db): Promise<VersionDetail> {
    const v = await store.findVersion(handle, n);
    assertThat(v, 'MXF_AGREEMENT_VERSION_NOT_FOUND');
    const texts = await store.listTexts(handle, n);
    return { ...summarise(v, texts), texts: Object.fromEntries(texts.map((t) => [t.lang, t.body])) };
  }

  async function list(): Promise<VersionSummary[]> {
    const versions = await store.listVersions(db);
    return Promise.all(versions.map(async (v) => summarise(v, await store.listTexts(db, v.number))));
  }

  function checkEffective(effectiveAt: number | null | undefined): void {
    if (effectiveAt !== null && effectiveAt !== undefined && effectiveAt < clock.now())
      throw new MaxfiyError('MXF_AGREEMENT_EFFECTIVE_DATE_PAST');
  }

  async function createDraft(actor: string, input: DraftCreate): Promise<VersionDetail> {
    checkEffective(input.effectiveAt);
    await checkSites(input.siteIds);
    return versionWrite(async (trx) => {
      if (await store.findUnpublished(trx)) throw new MaxfiyError('MXF_AGREEMENT_DRAFT_EXISTS');
      const latest = await store.latestVersionNumber(trx);
      const previous = latest > 0 ? await store.listTexts(trx, latest) : [];
      const prevVersion = latest > 0 ? await store.findVersion(trx, latest) : undefined;
      const n = latest + 1;
      const given = carriedOver(previous, 'uz-Cyrl', input.texts);
      const now = clock.now();
      await store.insertVersion(trx, {
        number: n,
        status: 'draft',
        authoritative_lang: 'uz-Cyrl',
        reasons: JSON.stringify(input.reasons),
        site_ids: JSON.stringify(input.siteIds ?? JSON.parse(prevVersion?.site_ids ?? '[]')),
        effective_at: input.effectiveAt ?? null,
        published_at: null,
        created_by: actor,
        requested_by: null,
        approved_by: null,
        created_at: now,
        updated_at: now,
      });
      await store.replaceTexts(trx, n, buildTexts(n, given, 'uz-Cyrl'));
      await audit.append(trx, { actor, action: 'agreement.draft.created', target: `agreement-version:${n}` });
      return detail(n, trx);
    });
  }

  async function updateDraft(actor: string, n: number, patch: DraftPatch): Promise<VersionDetail> {
    checkEffective(patch.effectiveAt);
    await checkSites(patch.siteIds);
    return versionWrite(async (trx) => {
      const v = await store.findVersion(trx, n);
      assertThat(v, 'MXF_AGREEMENT_VERSION_NOT_FOUND');
      if (v.status === 'published') throw new MaxfiyError('MXF_AGREEMENT_VERSION_PUBLISHED');
      if (patch.texts) {
        const authoritative = v.authoritative_lang as AgreementLanguage;
        const given = carriedOver(await store.listTexts(trx, n), authoritative, patch.texts);
        await store.replaceTexts(trx, n, buildTexts(n, given, authoritative));
      }
      // An edit withdraws a pending request: the approver approves the text that was asked for.
      await store.updateVersion(trx, n, {
        status: 'draft',
        requested_by: null,
        ...(patch.reasons ? { reasons: JSON.stringify(patch.reasons) } : {}),
        ...(patch.siteIds ? { site_ids: JSON.stringify(patch.siteIds) } : {}),
        ...(patch.effectiveAt !== undefined ? { effective_at: patch.effectiveAt } : {}),
        updated_at: clock.now(),
      });
      await audit.append(trx, {
        actor,
        action: 'agreement.draft.updated',
        target: `agreement-version:${n}`,
        details: { fields: Object.keys(patch).sort() },
      });
      return detail(n, trx);
    });
  }

  async function requestPublication(member: StaffMember, n: number): Promise<VersionDetail> {
    return versionWrite(async (trx) => {
      const v = await store.findVersion(trx, n);
      assertThat(v, 'MXF_AGREEMENT_VERSION_NOT_FOUND');
      if (v.status === 'published') throw new MaxfiyError('MXF_AGREEMENT_VERSION_PUBLISHED');
      checkEffective(v.effective_at === null ? null : Number(v.effective_at));
      const roles = member.roles.filter((r) => r === 'dpo' || r === 'legal');
      const actor = `staff:${member.id}`;
      await store.updateVersion(trx, n, {
        status: 'pending',
        requested_by: JSON.stringify({ actor, roles }),
        updated_at: clock.now(),
      });
      await audit.append(trx, {
        actor,
        action: 'agreement.publication.requested',
        target: `agreement-version:${n}`,
      });
      return detail(n, trx);
    });
  }

  async function approvePublication(member: StaffMember, n: number): Promise<VersionDetail> {
    const published = await publish(member, n);
    inForceList = undefined;
    return published;
  }

  /**
   * Both people must have held their account as it is (roles, status, sign-in)
   * for the standing period: a pair one administrator made of addresses of
   * their own, or took over by resetting a member's sign-in, cannot publish
   * before the audit log has shown it that long.
   */
  async function checkStanding(trx: Trx, ids: (string | undefined)[], now: number): Promise<void> {
    const days = deps.publishStandingDays;
    if (days === 0) return;
    const since = now - days * DAY_MS;
    for (const id of ids) {
      const standing = id === undefined ? undefined : await staffStore.staffStanding(trx, id);
      const settled =
        standing !== undefined && standing.changedAt <= since && (standing.lastResetAt ?? 0) <= since;
      if (!settled) throw new MaxfiyError('MXF_AGREEMENT_PUBLISHER_UNSETTLED', { days });
    }
  }

  async function publish(member: StaffMember, n: number): Promise<VersionDetail> {
    return versionWrite(async (trx) => {
      const v = await store.findVersion(trx, n);
      assertThat(v, 'MXF_AGREEMENT_VERSION_NOT_FOUND');
      if (v.status === 'published') throw new MaxfiyError('MXF_AGREEMENT_VERSION_PUBLISHED');
      if (v.status !== 'pending' || !v.requested_by) throw new MaxfiyError('MXF_AGREEMENT_NOT_PENDING');
      const requester = JSON.parse(v.requested_by) as { actor: string; roles: string[] };
      const actor = `staff:${member.id}`;
      // The two people as they are now, not as they were when asked: a requester who has
      // since lost the role, or left, no longer makes a pair.
      const [asker, approver] = await Promise.all([
        staffStore.findStaffById(trx, requester.actor.replace(/^staff:/, '')),
        staffStore.findStaffById(trx, member.id),
      ]);
      const rolesNow = (row: typeof asker) =>
        row?.status === 'active' ? staffStore.parseRoles(row.roles) : [];
      const [asked, approving] = [rolesNow(asker), rolesNow(approver)];
      const pairs =
        (requester.roles.includes('dpo') && asked.includes('dpo') && approving.includes('legal')) ||
        (requester.roles.includes('legal') && asked.includes('legal') && approving.includes('dpo'));
      if (requester.actor === actor || !pairs) throw new MaxfiyError('MXF_AGREEMENT_SECOND_PERSON_REQUIRED');
      const now = clock.now();
      await checkStanding(trx, [asker?.id, member.id], now);
      const requested = v.effective_at === null ? null : Number(v.effective_at);
      checkEffective(requested);
      const effectiveAt = requested ?? now;
      await store.updateVersion(trx, n, {
        status: 'published',
        approved_by: actor,
        published_at: now,
        effective_at: effectiveAt,
        updated_at: now,
      });
      const texts = await store.listTexts(trx, n);
      await audit.append(trx, {
        actor,
        action: 'agreement.version.published',
        target: `agreement-version:${n}`,
        details: {
          requestedBy: requester.actor,
          effectiveAt,
          hashes: Object.fromEntries(texts.map((t) => [t.lang, t.content_hash])),
        },
      });
      await store.insertNotification(trx, {
        version: n,
        total: await store.countSubjectsToNotify(trx, n),
        notified: 0,
        started_at: now,
        finished_at: null,
        mail_total: await store.countCustomersToMail(trx),
        mail_done: 0,
        mail_sent: 0,
        mail_finished_at: null,
      });
      await outbox.enqueue(trx, {
        topic: VERSION_PUBLISHED_TOPIC,
        // Walks every customer: in the bulk lane, behind no code a customer waits for.
        lane: 'bulk',
        payload: { version: n, after: '' },
        idempotencyKey: `${VERSION_PUBLISHED_TOPIC}:${n}:`,
      });
      await outbox.enqueue(trx, {
        topic: VERSION_MAIL_TOPIC,
        lane: 'bulk',
        payload: { version: n, after: '', effectiveAt },
        idempotencyKey: versionMailKeys.page(n, ''),
      });
      return detail(n, trx);
    });
  }

  async function withTexts(v: AgreementVersionTable): Promise<VersionInForce> {
    const texts = await store.listTexts(db, v.number);
    return { version: v, texts: new Map(texts.map((t) => [t.lang as AgreementLanguage, t])) };
  }

  /**
   * Published versions are immutable, so they are cached; the list of them is
   * re-read at most every IN_FORCE_TTL_MS (another node's publication shows
   * within that) and at once after a publication on this node. The list holds
   * versions still to take effect too, so one takes effect at its very date.
   */
  const IN_FORCE_TTL_MS = 1000;
  const published = new Map<number, Promise<VersionInForce>>();
  /** Each row with its site list parsed once, at reload: this is read on every public request. */
  let inForceList: { at: number; rows: { v: AgreementVersionTable; sites: Set<string> }[] } | undefined;

  async function publishedVersion(n: number): Promise<VersionInForce | null> {
    let cached = published.get(n);
    if (!cached) {
      const v = await store.findVersion(db, n);
      if (!v || v.status !== 'published') return null;
      cached = withTexts(v);
      published.set(n, cached);
      cached.catch(() => published.delete(n));
    }
    return cached;
  }

  /** Published versions on `siteId` (all when none is given), newest first. */
  async function publishedOn(now: number, siteId?: string): Promise<AgreementVersionTable[]> {
    if (!inForceList || now - inForceList.at > IN_FORCE_TTL_MS || now < inForceList.at) {
      const rows = await store.publishedVersions(db);
      inForceList = {
        at: now,
        rows: rows.map((v) => ({ v, sites: new Set(JSON.parse(v.site_ids) as string[]) })),
      };
    }
    return inForceList.rows.filter((x) => siteId === undefined || x.sites.has(siteId)).map((x) => x.v);
  }

  /** The numbers of the versions published for `siteId`, those still to take effect included. */
  async function numbersOn(siteId: string): Promise<Set<number>> {
    return new Set((await publishedOn(clock.now(), siteId)).map((v) => Number(v.number)));
  }

  const effective = (x: AgreementVersionTable) => (x.effective_at === null ? null : Number(x.effective_at));

  /** The newest published version in effect now (on `siteId` when given), with its texts. */
  async function inForce(siteId?: string): Promise<VersionInForce | null> {
    const now = clock.now();
    const v = (await publishedOn(now, siteId)).find((x) => (effective(x) ?? Infinity) <= now);
    return v ? publishedVersion(Number(v.number)) : null;
  }

  /**
   * When the version in force (on `siteId` when given) next changes: the
   * earliest effective date still to come, or null. Public caches of the
   * agreement must not outlive it.
   */
  async function nextChange(siteId?: string): Promise<number | null> {
    const now = clock.now();
    let next: number | null = null;
    for (const x of await publishedOn(now, siteId)) {
      const at = effective(x);
      if (at !== null && at > now && (next === null || at < next)) next = at;
    }
    return next;
  }

  async function diff(a: number, b: number, lang: AgreementLanguage): Promise<ClauseDiff[]> {
    const [va, vb] = await Promise.all([store.findVersion(db, a), store.findVersion(db, b)]);
    assertThat(va && vb, 'MXF_AGREEMENT_VERSION_NOT_FOUND');
    const [ta, tb] = await Promise.all([store.findText(db, a, lang), store.findText(db, b, lang)]);
    assertThat(ta && tb, 'MXF_AGREEMENT_LANGUAGE_MISSING');
    return diffClauses(parseAgreement(ta.body), parseAgreement(tb.body));
  }

  return {
    seedTexts,
    seed,
    list,
    detail,
    createDraft,
    updateDraft,
    requestPublication,
    approvePublication,
    inForce,
    nextChange,
    numbersOn,
    published: publishedVersion,
    exists: async (n: number) => Boolean(await store.findVersion(db, n)),
    diff,
  };
}

export type VersionsService = ReturnType<typeof createVersionsService>;
