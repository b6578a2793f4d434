/**
 * The same rules as maxfiy's engine, written for casbin (an ABAC model) and for
 * Cedar (`statefulIsAuthorized` on a preparsed policy set), for the benchmark's
 * comparison. Subjects' attributes come from the same workload. The rules cover
 * the workload's questions: known subjects, categories of class personal/usage,
 * no grant, no retention context.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import type { SubjectState } from '../../src/modules/decisions/engine.js';
import type { RegisterSnapshot } from '../../src/modules/purposes/purposes.service.js';

interface Attributes {
  blocked: boolean;
  consents: Set<string>;
  objections: Set<string>;
}

function attributes(s: SubjectState): Attributes {
  const given = (kind: string) =>
    new Set(
      s.rows.filter((r) => r.kind === kind && r.state === 'given' && r.scope === '').map((r) => r.purposeId),
    );
  return { blocked: s.status === 'blocked', consents: given('consent'), objections: given('objection') };
}

const CASBIN_MODEL = `
[request_definition]
r = sub, pur, cat
[policy_definition]
p = pur, cat, basis
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.pur == p.pur && r.cat == p.cat && r.sub.blocked == false && (p.basis == "contract" || p.basis == "legal-obligation" || (p.basis == "consent" && has(r.sub.consents, r.pur)) || (p.basis == "legitimate-interest" && !has(r.sub.objections, r.pur)))
`;

export async function casbinDecider(register: RegisterSnapshot, subjects: SubjectState[]) {
  const lines = register.purposes.flatMap((p) =>
    p.depersonalisedOnly ? [] : p.categories.map((c) => `p, ${p.id}, ${c}, ${p.legalBasis}`),
  );
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(lines.join('\n')));
  await enforcer.addFunction('has', (set: Set<string>, x: string) => set.has(x));
  const attrs = new Map(subjects.map((s) => [s.subjectId, attributes(s)]));
  return (subjectId: string, purpose: string, category: string): boolean =>
    enforcer.enforceSync(attrs.get(subjectId), purpose, category);
}

const CEDAR_POLICIES = `
permit(principal, action == Action::"decide", resource)
when {
  resource.categories.contains(context.category) && !principal.blocked && !resource.depersonalisedOnly &&
  (resource.basis == "contract" || resource.basis == "legal-obligation" ||
   (resource.basis == "consent" && principal.consents.contains(resource.name)) ||
   (resource.basis == "legitimate-interest" && !principal.objections.contains(resource.name)))
};`;

export function cedarDecider(register: RegisterSnapshot, subjects: SubjectState[]) {
  const parsed = cedar.preparsePolicySet('maxfiy-decisions', { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== 'success') throw new Error(`cedar policies: ${JSON.stringify(parsed.errors)}`);
  const purposes = new Map(
    register.purposes.map((p) => [
      p.id,
      {
        uid: { type: 'Purpose', id: p.id },
        attrs: {
          name: p.id,
          basis: p.legalBasis,
          categories: p.categories,
          depersonalisedOnly: p.depersonalisedOnly,
        },
        parents: [],
      },
    ]),
  );
  const entities = new Map(
    subjects.map((s) => {
      const a = attributes(s);
      return [
        s.subjectId,
        {
          uid: { type: 'Subject', id: s.subjectId },
          attrs: { blocked: a.blocked, consents: [...a.consents], objections: [...a.objections] },
          parents: [],
        },
      ];
    }),
  );
  const action = { type: 'Action', id: 'decide' };
  return (subjectId: string, purpose: string, category: string): boolean => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'Subject', id: subjectId },
      action,
      resource: { type: 'Purpose', id: purpose },
      context: { category },
      preparsedPolicySetId: 'maxfiy-decisions',
      entities: [entities.get(subjectId), purposes.get(purpose)].filter((e) => e !== undefined),
    });
    if (answer.type !== 'success') throw new Error('cedar failed');
    return answer.response.decision === 'allow';
  };
}
