/**
 * What AWS cannot change in place once a cluster is applied, refused as kops's CheckChanges refuses
 * it (`CannotChangeField` in kops's awstasks vpc.go and subnet.go): the VPC's CIDR, and a subnet's
 * CIDR and zone. The task engine would plan them as replacements, and a replacement deletes the VPC
 * or subnet first, which AWS refuses (DependencyViolation) while the cluster's instances, load
 * balancers and NAT gateways use it: a plan that promised what the apply cannot do. Checked against
 * the last applied (completed) spec; a shared VPC or subnet (`networkID`, a subnet's `id`) is read
 * from AWS and never changed, so it is not checked here.
 */
import type { ClusterSpec } from './api/types.js';
import type { Reporter } from './validation-util.js';

export function validateAwsUpdate(r: Reporter, spec: ClusterSpec, previous: ClusterSpec): void {
  const was = previous.networkCIDR;
  if (!spec.networkID && !previous.networkID && was && spec.networkCIDR && spec.networkCIDR !== was) {
    r.err(
      'CannotChangeField',
      'spec.networkCIDR',
      `the VPC's CIDR cannot change once the cluster is applied: it is ${was} (AWS cannot change it in place, nor delete the VPC while the cluster uses it)`,
      `set it back to ${was}; more addresses go in spec.additionalNetworkCIDRs`,
    );
  }
  const before = new Map((previous.subnets ?? []).filter((s) => !s.id).map((s) => [s.name, s]));
  (spec.subnets ?? []).forEach((s, i) => {
    const old = before.get(s.name);
    if (!old || s.id) return;
    const why = 'AWS cannot change it in place, nor delete the subnet while instances use it';
    const move = 'for another range or zone, add a subnet with a new name and move the instance groups to it';
    if (old.cidr && s.cidr && old.cidr !== s.cidr) {
      r.err('CannotChangeField', `spec.subnets[${i}].cidr`, `subnet ${s.name}'s CIDR cannot change once the cluster is applied: it is ${old.cidr} (${why})`, `set it back to ${old.cidr}; ${move}`);
    }
    if (old.zone && s.zone && old.zone !== s.zone) {
      r.err('CannotChangeField', `spec.subnets[${i}].zone`, `subnet ${s.name}'s zone cannot change once the cluster is applied: it is ${old.zone} (${why})`, `set it back to ${old.zone}; ${move}`);
    }
  });
}
