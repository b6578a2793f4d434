/**
 * The decision benchmark's workload (issue 5): 100,000 customers, the twelve
 * shipped purposes, four categories, random consents and objections, 200,000
 * random questions, from a seeded generator so every run asks the same.
 */
import type { SubjectState } from '../../src/modules/decisions/engine.js';
import type { RegisterSnapshot } from '../../src/modules/purposes/purposes.service.js';

export const CATEGORIES = ['contact', 'device', 'interests', 'account'] as const;

export interface Question {
  subjectId: string;
  purpose: string;
  category: string;
}

/** mulberry32: small, fast, good enough to spread a workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID-shaped id: what identity's subject ids look like, so the index is measured at its real key size. */
export function subjectId(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 4; i++)
    hex += Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  // Flat, as ids parsed from a request are: a rope of slices would make every engine slower to read it.
  return Buffer.from(id, 'latin1').toString('latin1');
}

/** One customer: each consent purpose given with p=1/2, each legitimate-interest purpose objected to with p=1/5, 1% blocked. */
export function randomSubject(register: RegisterSnapshot, id: string, random: () => number): SubjectState {
  const rows: SubjectState['rows'] = [];
  for (const p of register.purposes) {
    if (p.legalBasis === 'consent')
      rows.push({
        purposeId: p.id,
        scope: '',
        kind: 'consent',
        state: random() < 0.5 ? 'given' : 'withdrawn',
        expiresAt: null,
      });
    else if (p.legalBasis === 'legitimate-interest' && random() < 0.2)
      rows.push({ purposeId: p.id, scope: '', kind: 'objection', state: 'given', expiresAt: null });
  }
  return { subjectId: id, status: random() < 0.01 ? 'blocked' : 'active', rev: 1, rows };
}

export function workload(register: RegisterSnapshot, customers: number, questions: number, seed = 5) {
  const random = prng(seed);
  const subjects: SubjectState[] = [];
  for (let i = 0; i < customers; i++) subjects.push(randomSubject(register, subjectId(random), random));
  const asked: Question[] = [];
  for (let i = 0; i < questions; i++) {
    asked.push({
      subjectId: (subjects[Math.floor(random() * customers)] as SubjectState).subjectId,
      purpose: (register.purposes[Math.floor(random() * register.purposes.length)] as { id: string }).id,
      category: CATEGORIES[Math.floor(random() * CATEGORIES.length)] as string,
    });
  }
  return { subjects, questions: asked };
}
