/**
 * The instance groups of a new cluster, as kops's new_cluster.go lays them out: control planes
 * round-robin over the control-plane zones (`control-plane-<zone>`, suffixed `-1`, `-2`, ... only
 * when there are more control planes than zones), one node group per zone (`nodes-<zone>`)
 * sharing `--node-count`, and an optional `bastions` group. Their etcd members (one per control
 * plane, named after its zone with the common prefix trimmed: `a`, `b`, `c`; `a-1`, `b-1`, `a-2`)
 * are built by src/model/completion-etcd.ts, which completion shares.
 */
import {
  API_VERSION,
  KIND_INSTANCE_GROUP,
  LABEL_CLUSTER_NAME,
  type InstanceGroup,
  type InstanceGroupRole,
  type InstanceGroupSpec,
} from '../model/api/types.js';

/** The label kops puts in every new group's `nodeLabels` (AddInstanceGroupNodeLabel). */
export const NODE_LABEL_INSTANCE_GROUP = 'kops.k8s.io/instancegroup';

export function instanceGroup(cluster: string, name: string, role: InstanceGroupRole, spec: Omit<InstanceGroupSpec, 'role'>): InstanceGroup {
  return {
    apiVersion: API_VERSION,
    kind: KIND_INSTANCE_GROUP,
    metadata: { name, labels: { [LABEL_CLUSTER_NAME]: cluster } },
    spec: { ...spec, role, nodeLabels: { ...spec.nodeLabels, [NODE_LABEL_INSTANCE_GROUP]: name } },
  };
}

/** Spreads `total` over `n` groups as kops does: the first `total % n` groups get one more. */
export function spread(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

export interface ControlPlanePlacement {
  readonly name: string;
  readonly zone: string;
}

/**
 * kops: control plane `i` goes to zone `i mod zones`; names get `-<round>` only when there are
 * more control planes than zones (5 over a,b → a-1, b-1, a-2, b-2, a-3).
 */
export function placeControlPlanes(count: number, zones: readonly string[]): ControlPlanePlacement[] {
  const out: ControlPlanePlacement[] = [];
  for (let i = 0; i < count; i++) {
    const zone = zones[i % zones.length]!;
    const name = count > zones.length ? `${zone}-${1 + Math.floor(i / zones.length)}` : zone;
    out.push({ name: `control-plane-${name}`, zone });
  }
  return out;
}

