/**
 * Publication check (§22): fetch each site's configured agreement URL and see
 * that it shows the version in force, by the `data-maxfiy-agreement="<n>:<hash>"`
 * marker or by the content hash of any of the version's texts appearing on the
 * page. Every check is stored; a mismatch is a finding the console lists.
 */
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { outboundRequest, type PrivateAddressPolicy } from '../../http/outbound.js';
import { newId } from '../../ids.js';
import * as orgStore from '../org/org.store.js';
import * as store from './agreements.store.js';
import { versionCovers } from './versions.service.js';

export type CheckOutcome = 'ok' | 'mismatch' | 'unreachable' | 'no-version';

export interface SiteCheckResult {
  siteId: string;
  url: string;
  checkedAt: number;
  expectedVersion: number | null;
  outcome: CheckOutcome;
  found: string | null;
}

const MAX_BYTES = 2 * 1024 * 1024;
const MARKER = /data-maxfiy-agreement="(\d+):(sha256:[0-9a-f]{64})"/;
/** Digits of a page's version number kept in a finding: what a page shows is stored, so it is bounded. */
const FOUND_DIGITS = 9;

/**
 * The hosts a site's agreement page may redirect to: the site's domain (its id)
 * and its subdomains, the hosts of its origin and agreement URL, and maxfiy's
 * own, which serves every site's page. A page another host serves is not the
 * site showing the agreement, whatever it holds.
 */
function siteHosts(site: { id: string; origin: string; agreementUrl: string }, publicUrl?: string) {
  const exact = new Set<string>();
  for (const url of [site.origin, site.agreementUrl, publicUrl]) {
    try {
      if (url) exact.add(new URL(url).hostname);
    } catch {
      // a malformed URL names no host
    }
  }
  return (host: string) => exact.has(host) || host === site.id || host.endsWith(`.${site.id}`);
}

/** The page's text, or null when it cannot be had: an error status, a refused address or host, a timeout. */
async function fetchPage(
  url: string,
  timeoutMs: number,
  privateAddresses: PrivateAddressPolicy,
  hostAllowed: (host: string) => boolean,
): Promise<string | null> {
  // A site may redirect (to https, to a language page), within its own hosts; each
  // hop is checked, so a compromised site can send the checker neither to an
  // internal address nor to a page it does not serve.
  const res = await outboundRequest({
    url,
    maxRedirects: 5,
    redirectAllowed: (next) => hostAllowed(next.hostname),
    timeoutMs,
    maxBytes: MAX_BYTES,
    privateAddresses,
  });
  if (res.kind !== 'response' || res.status < 200 || res.status > 299) return null;
  return res.body;
}

export async function checkSites(deps: {
  database: Database;
  clock: Clock;
  timeoutMs?: number;
  /** Whether a site's URL may reach internal addresses (the `outboundPrivateAddresses` option). */
  privateAddresses: PrivateAddressPolicy;
  /** maxfiy's public URL: a site's page may redirect to the copy maxfiy serves. */
  publicUrl?: string;
}): Promise<SiteCheckResult[]> {
  const { database, clock } = deps;
  const db = database.db;
  const sites = await orgStore.listSites(db);
  const versions = await store.publishedInForce(db, clock.now());
  const results: SiteCheckResult[] = [];
  for (const site of sites) {
    const v = versions.find((x) => versionCovers(x, site.id));
    const base = { siteId: site.id, url: site.agreementUrl, checkedAt: clock.now() };
    if (!v) {
      results.push({ ...base, expectedVersion: null, outcome: 'no-version', found: null });
      continue;
    }
    const n = Number(v.number);
    const hashes = (await store.listTexts(db, n)).map((t) => t.content_hash);
    const page = await fetchPage(
      site.agreementUrl,
      deps.timeoutMs ?? 10_000,
      deps.privateAddresses,
      siteHosts(site, deps.publicUrl),
    );
    if (page === null) {
      results.push({ ...base, expectedVersion: n, outcome: 'unreachable', found: null });
      continue;
    }
    const marker = MARKER.exec(page);
    const shown = marker?.[1] ?? '';
    const found = marker
      ? `${shown.length > FOUND_DIGITS ? `${shown.slice(0, FOUND_DIGITS)}…` : shown}:${marker[2]}`
      : null;
    const ok = marker
      ? Number(marker[1]) === n && hashes.includes(marker[2] as string)
      : hashes.some((h) => page.includes(h));
    results.push({ ...base, expectedVersion: n, outcome: ok ? 'ok' : 'mismatch', found });
  }
  await database.write(async (trx) => {
    for (const r of results) {
      await store.insertSiteCheck(trx, {
        id: newId(r.checkedAt),
        site_id: r.siteId,
        url: r.url,
        checked_at: r.checkedAt,
        expected_version: r.expectedVersion,
        outcome: r.outcome,
        found: r.found,
      });
    }
  });
  return results;
}

export async function recentSiteChecks(database: Database, limit = 200): Promise<SiteCheckResult[]> {
  return (await store.listSiteChecks(database.db, limit)).map((r) => ({
    siteId: r.site_id,
    url: r.url,
    checkedAt: Number(r.checked_at),
    expectedVersion: r.expected_version === null ? null : Number(r.expected_version),
    outcome: r.outcome as CheckOutcome,
    found: r.found,
  }));
}

/** Runs the check every `everyMs` (the first run after one interval, not at start); returns a stop function. */
export function scheduleSiteChecks(
  deps: {
    database: Database;
    clock: Clock;
    privateAddresses: PrivateAddressPolicy;
    publicUrl?: string;
    onError(err: unknown): void;
  },
  everyMs: number,
): () => void {
  const timer = setInterval(() => {
    checkSites(deps).catch(deps.onError);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
