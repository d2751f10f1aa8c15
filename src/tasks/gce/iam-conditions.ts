/**
 * A member in a conditional binding of an IAM policy (policy version 3): the binding is the
 * role's with exactly the same condition (title, description and expression). Adding puts the
 * member in that binding, or a new binding with the condition; removing takes it out of that
 * binding only (dropped once empty). Every other binding, unconditional or with another
 * condition, is written back as read. The caller writes the policy as version 3
 * (`modifyIamPolicy` does when any binding has a condition).
 */
import type { IamBinding, IamCondition, IamPolicy } from '../../cloud/gce/iam-api.js';
import type { GceIamCondition } from './types.js';

/** The same condition: title, description (absent = empty) and expression. */
export function sameCondition(a: IamCondition | undefined, b: GceIamCondition): boolean {
  return a !== undefined && (a.title ?? '') === b.title && (a.description ?? '') === (b.description ?? '') && (a.expression ?? '') === b.expression;
}

/** The binding of `role` with `condition` lists `member`. */
export function hasConditionalMember(policy: IamPolicy, role: string, member: string, condition: GceIamCondition): boolean {
  return (policy.bindings ?? []).some((b) => b.role === role && sameCondition(b.condition, condition) && (b.members ?? []).includes(member));
}

export function addConditionalMember(policy: IamPolicy, role: string, member: string, condition: GceIamCondition): { policy: IamPolicy; changed: boolean } {
  const bindings = [...(policy.bindings ?? [])];
  const i = bindings.findIndex((b) => b.role === role && sameCondition(b.condition, condition));
  if (i >= 0) {
    const b = bindings[i] as IamBinding;
    if ((b.members ?? []).includes(member)) return { policy, changed: false };
    bindings[i] = { ...b, members: [...(b.members ?? []), member] };
  } else {
    const { title, description, expression } = condition;
    bindings.push({ role, members: [member], condition: { title, ...(description ? { description } : {}), expression } });
  }
  return { policy: { ...policy, bindings }, changed: true };
}

export function removeConditionalMember(policy: IamPolicy, role: string, member: string, condition: GceIamCondition): { policy: IamPolicy; changed: boolean } {
  let changed = false;
  const bindings: IamBinding[] = [];
  for (const b of policy.bindings ?? []) {
    if (b.role !== role || !sameCondition(b.condition, condition)) {
      bindings.push(b);
      continue;
    }
    const kept = (b.members ?? []).filter((m) => m !== member);
    if (kept.length !== (b.members ?? []).length) changed = true;
    if (kept.length > 0) bindings.push({ ...b, members: kept });
  }
  return { policy: { ...policy, bindings }, changed };
}

/** A condition as the task's type holds it (an absent title or expression is empty). */
export function asGceCondition(c: IamCondition): GceIamCondition {
  return { title: c.title ?? '', ...(c.description ? { description: c.description } : {}), expression: c.expression ?? '' };
}
