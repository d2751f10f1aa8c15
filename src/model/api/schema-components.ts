/**
 * The shapes of kops's `kubeAPIServer`, `kubeControllerManager` and `kubeScheduler` in the field
 * table (schema.ts): the fields kops-ts acts on (src/model/control-plane-components.ts) typed,
 * `featureGates` a map of strings, the fields whose flag kubeadm or kops-ts sets kept with a warning
 * that says so, the ones kops refuses refused, and kops's others kept with the usual warning.
 */
import {
  COMPONENT_ARGS,
  KUBEADM_OWNED,
  KUBEADM_OWNED_REASON,
  REFUSED_BY_KOPS,
  type ArgKind,
  type ComponentName,
} from '../control-plane-components.js';
import type { FieldShape, ObjectShape } from './schema.js';

const str: FieldShape = { t: 'string' };

function shapeOf(kind: ArgKind): FieldShape {
  switch (kind.t) {
    case 'enum':
      return { t: 'enum', values: kind.values };
    case 'boolean':
      return { t: 'boolean' };
    case 'int32':
    case 'int64':
      return { t: 'int', type: kind.t };
    case 'quantity':
      return { t: 'quantity' };
    case 'list':
    case 'keyValues':
      return { t: 'array', of: str };
    case 'map':
      return { t: 'map', of: str };
    default:
      return str;
  }
}

/** The object shape of `component`; `kopsFields` are all of kops's field names of its struct. */
export function componentShape(component: ComponentName, kopsFields: readonly string[]): ObjectShape {
  const fields: Record<string, FieldShape> = {};
  for (const f of kopsFields) fields[f] = { t: 'kops' };
  for (const f of KUBEADM_OWNED[component]) fields[f] = { t: 'kops', reason: KUBEADM_OWNED_REASON };
  for (const [f, r] of Object.entries(REFUSED_BY_KOPS[component])) fields[f] = { t: 'removed', reason: r.reason, hint: r.hint };
  for (const arg of COMPONENT_ARGS[component]) fields[arg.field] = shapeOf(arg.kind);
  fields.featureGates = { t: 'map', of: str };
  return { t: 'object', fields };
}
