/**
 * kops's GCE labels (upup/pkg/fi/cloudup/gce/labels.go, pkg/model/context.go
 * `CloudTagsForInstanceGroup`, pkg/model/master_volumes.go). GCE label keys and values are
 * `[a-z0-9_-]{0,63}`.
 */
import { normalizeRole, type InstanceGroup } from '../api/types.js';
import { GCE_LABEL_CLUSTER, GCE_LABEL_INSTANCE_GROUP, type Labels } from '../../tasks/gce/types.js';
import { gceClusterLabel } from '../../tasks/gce/context.js';
import { roleLower } from './names.js';

export const GCE_LABEL_ROLE_PREFIX = 'k8s-io-role-';
export const GCE_LABEL_ETCD_PREFIX = 'k8s-io-etcd-';
/** A valid GCE label key or value (keys also start with a letter). */
export const GCE_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

/**
 * The ownership label's value: the safe cluster name (kops's `LabelForCluster`), cut with a hash
 * past 63 characters (kops does not cut it, and GCE refuses the label then).
 */
export function clusterLabelValue(cluster: string): string {
  return gceClusterLabel(cluster);
}

/** `k8s-io-cluster-name=<safe cluster>`. */
export function clusterLabels(cluster: string): Labels {
  return { [GCE_LABEL_CLUSTER]: clusterLabelValue(cluster) };
}

/**
 * kops's `EncodeGCELabel`: lowercase letters and digits as they are, every other byte as `-` and
 * two hex digits (`a/a` → `a-2fa`).
 */
export function encodeGceLabel(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[0-9a-z]/.test(c) ? c : `-${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * A user label (spec.cloudLabels / ig cloudLabels) made valid for GCE: lower case, other
 * characters as `_`, cut to 63. kops passes them as they are and lets GCE refuse them.
 */
function gceLabel(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}

/**
 * An instance's labels, kops's order: the cluster's cloudLabels, the group's, then ownership, role
 * (`k8s-io-role-<role>=<role>`, plus `k8s-io-role-master=master` on control planes) and group.
 */
export function instanceGroupLabels(cluster: string, clusterCloudLabels: Readonly<Record<string, string>> | undefined, ig: InstanceGroup): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...(clusterCloudLabels ?? {}), ...(ig.spec.cloudLabels ?? {}) })) out[gceLabel(k)] = gceLabel(v);
  const role = normalizeRole(ig.spec.role);
  const lower = roleLower(role);
  Object.assign(out, clusterLabels(cluster), { [GCE_LABEL_ROLE_PREFIX + lower]: lower, [GCE_LABEL_INSTANCE_GROUP]: ig.metadata.name });
  if (role === 'ControlPlane') out[`${GCE_LABEL_ROLE_PREFIX}master`] = 'master';
  return out;
}

/**
 * An etcd member's disk: ownership, `k8s-io-role-master=master` and
 * `k8s-io-etcd-<etcd cluster>=<EncodeGCELabel("<member>/<member>")>` (kops#17630: the member
 * alone, the old `<member>/<all members>` overflowed 63 characters; etcd-manager reads the first token).
 */
export function etcdDiskLabels(cluster: string, etcdCluster: string, member: string): Labels {
  return {
    ...clusterLabels(cluster),
    [`${GCE_LABEL_ROLE_PREFIX}master`]: 'master',
    [GCE_LABEL_ETCD_PREFIX + etcdCluster]: encodeGceLabel(`${member}/${member}`),
  };
}
