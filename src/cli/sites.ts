/**
 * `maxfiy sites check`: fetches each site's configured agreement URL and checks
 * that it shows the version in force (§22). Each result is stored, so the
 * console lists the findings; the exit code is 1 when any site is not "ok".
 */
import { systemClock } from '../clock.js';
import type { Options } from '../config/options.js';
import { checkSites } from '../modules/agreements/site-checks.js';
import { withCurrentDatabase } from './existing-database.js';

export async function runSitesCheck(opts: {
  options: Options;
  stdout: { write(text: string): unknown };
  timeoutMs?: number;
}): Promise<number> {
  return withCurrentDatabase(opts.options, async (database) => {
    const results = await checkSites({
      database,
      clock: systemClock,
      privateAddresses: opts.options.outboundPrivateAddresses,
      publicUrl: opts.options.publicUrl,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    for (const r of results) {
      const expected = r.expectedVersion === null ? 'no version in force' : `version ${r.expectedVersion}`;
      opts.stdout.write(
        `${r.outcome.padEnd(11)} ${r.siteId}  ${r.url}  (expected ${expected}${r.found ? `, found ${r.found}` : ''})\n`,
      );
    }
    return results.every((r) => r.outcome === 'ok') ? 0 : 1;
  });
}
