/** GCE-only checks: the project, one subnet per instance group, IP alias's single subnet, the API load balancer. */
import { normalizeRole, type ClusterSpec, type InstanceGroup } from './api/types.js';
import { gceUsesIPAliases } from './completion-gce.js';
import { igPath, type Reporter } from './validation-util.js';

export function validateGce(r: Reporter, spec: ClusterSpec, igs: readonly InstanceGroup[]): void {
  if (spec.project == null || spec.project === '') {
    r.err('MissingField', 'spec.project', 'a GCE cluster needs spec.project: the GCP project its resources are created in', 'set spec.project to the project id, e.g. my-project-123 (create cluster --project)');
  }
  if (gceUsesIPAliases(spec) && (spec.subnets ?? []).length !== 1) {
    r.err('InvalidSubnets', 'spec.subnets', `GCE IP-alias networking takes exactly one subnet, found ${(spec.subnets ?? []).length}`, 'keep one regional subnet, or use another networking');
  }
  const legacy = typeof spec.cloudProvider === 'object' ? spec.cloudProvider.gce?.['serviceAccount'] : undefined;
  if (legacy !== undefined && legacy !== '' && legacy !== 'default' && (typeof legacy !== 'string' || !/^[^@\s]+@[a-z][-a-z0-9.:]*\.iam\.gserviceaccount\.com$/.test(legacy))) {
    // kops splits it into the account id and its project (SplitServiceAccountEmail).
    r.err('InvalidServiceAccount', 'spec.cloudProvider.gce.serviceAccount', `${JSON.stringify(legacy)} is not a service account email`, 'use <account id>@<project>.iam.gserviceaccount.com, or default (GCE\'s default compute account), or remove the field to let kops-ts create one account per role');
  }
  const lb = spec.api?.loadBalancer;
  if (lb?.type === 'Internal') {
    r.err('UnsupportedLoadBalancer', 'spec.api.loadBalancer.type', 'an internal API load balancer is not built on GCE by kops-ts yet', 'set type: Public, or use api.dns');
  }
  const dnsType = spec.topology?.dns?.type;
  if ((dnsType === 'Public' || dnsType === 'Private') && spec.dnsZone && lb == null) {
    r.err(
      'APINotReachable',
      'spec.api.loadBalancer',
      `with topology.dns.type ${dnsType} on GCE, kops-ts publishes api.<cluster> in Cloud DNS as an A record to the API load balancer's address (it runs no dns-controller to point it at the control planes), and no load balancer is set`,
      'set api.loadBalancer: {type: Public} (and remove api.dns), or use topology.dns.type: None',
    );
  }
  for (const ig of igs) {
    if (ig.spec == null) continue;
    const subnets = ig.spec.subnets ?? [];
    // A control plane without a subnet is reported as MissingSubnets already.
    if (subnets.length > 1 || (subnets.length === 0 && normalizeRole(ig.spec.role) !== 'ControlPlane')) {
      r.err('InvalidSubnets', igPath(ig.metadata?.name ?? '', 'spec.subnets'), `a GCE instance group runs in exactly one subnet, found ${subnets.length}`, `set subnets to one of ${(spec.subnets ?? []).map((s) => s.name).join(', ') || 'the cluster\'s subnets'}`);
    }
    if (normalizeRole(ig.spec.role) === 'ControlPlane' && (ig.spec.zones ?? []).length > 1) {
      r.err('InvalidZones', igPath(ig.metadata?.name ?? '', 'spec.zones'), 'a GCE control-plane group runs in one zone: its etcd disks are zonal', 'make one control-plane group per zone');
    }
  }
}
