'use strict';
/**
 * The acceptance benchmark's requests, built in autocannon's worker thread
 * (a worker takes a file it can require, not a function). What to send comes
 * from MAXFIY_BENCH_LOAD, set by acceptance.bench.ts before each run:
 * { kind, prefix, count, batch }. Every request is different: a new subject per
 * acceptance, and reads cycling over the `count` subjects written under `prefix`.
 */
const load = JSON.parse(process.env.MAXFIY_BENCH_LOAD || '{}');
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** c15t takes subject ids in base58 only (`sub_` + [1-9A-HJ-NP-Za-km-z]+). */
function base58(n) {
  let s = '';
  do {
    s = ALPHABET[n % 58] + s;
    n = Math.floor(n / 58);
  } while (n > 0);
  return s;
}
let n = 0;
const accept = () => ({ subjectId: `cust-${load.prefix}-${n++}`, version: 1, language: 'uz-Cyrl' });
const build = {
  accept: () => ({ method: 'POST', path: '/v1/agreements/acceptances', body: JSON.stringify(accept()) }),
  'accept-batch': () => ({
    method: 'POST',
    path: '/v1/agreements/acceptances/batch',
    body: JSON.stringify({ acceptances: Array.from({ length: load.batch }, accept) }),
  }),
  state: () => ({
    method: 'GET',
    path: `/v1/agreements/acceptance-state?subjectId=cust-${load.prefix}-${n++ % load.count}`,
  }),
  'c15t-record': () => ({
    method: 'POST',
    path: '/api/c15t/subjects',
    body: JSON.stringify({
      type: 'privacy_policy',
      subjectId: `sub_${load.prefix}${base58(n++)}`,
      domain: 'cdti.uz',
      givenAt: Date.now(),
      policyId: 'pol_v1',
    }),
  }),
  'c15t-read': () => ({
    method: 'GET',
    path: `/api/c15t/subjects/sub_${load.prefix}${base58(n++ % load.count)}`,
  }),
};
const next = build[load.kind];
if (!next) throw new Error(`MAXFIY_BENCH_LOAD names no known request kind: ${load.kind}`);
module.exports = (req) => ({ ...req, ...next() });
