/**
 * A `metav1.LabelSelector` matched against an object's labels as the API server matches it
 * (apimachinery's `LabelSelectorAsSelector`): `matchLabels` and every `matchExpressions`
 * requirement ANDed; `In` (the key is set to one of the values), `NotIn` (the key is unset or set
 * to none of the values), `Exists`, `DoesNotExist`. An empty selector (`{}`) matches everything; a
 * null (absent) selector matches nothing, which is how policy/v1 reads a PodDisruptionBudget's
 * `spec.selector` ("A null selector will match no pods, while an empty ({}) selector will select
 * all pods within the namespace"). An operator the API does not define matches nothing (the API
 * server refuses such a selector when it is written; `LabelSelectorAsSelector` errs on it). Pure.
 */

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export type Labels = Readonly<Record<string, string>>;

/** Whether `selector` selects an object with `labels` (see the file's comment for null and `{}`). */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Labels | undefined): boolean {
  if (selector === null || selector === undefined) return false;
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(have, k) || have[k] !== v) return false;
  }
  return (selector.matchExpressions ?? []).every((r) => requirementMatches(r, have));
}

function requirementMatches(r: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(labels[r.key] ?? '');
    case 'NotIn':
      return !has || !values.includes(labels[r.key] ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}
