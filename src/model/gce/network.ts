/**
 * kops's gcemodel NetworkModelBuilder: the cluster's custom-mode network (named like the cluster)
 * or the user's (`spec.networkID`, shared: found, never changed), and one regional subnetwork per
 * cluster subnet, with the pods' and services' secondary ranges under IP-alias networking.
 * With private subnets, the Cloud Router and Cloud NAT that give their instances (which have no
 * external IP) a way out, as kops builds them.
 */
import { GCE_KINDS, type GceNetworkDesired, type GceRouterDesired, type GceSubnetDesired } from '../../tasks/gce/types.js';
import type { ClusterSubnetSpec } from '../api/types.js';
import { ref, type Ref } from '../../tasks/types.js';
import type { GceModelContext } from './context.js';
import { ipAliasRangeName, routerName, subnetName } from './names.js';

export function buildNetwork(m: GceModelContext): void {
  m.add<GceNetworkDesired>({
    kind: GCE_KINDS.network,
    name: m.networkName,
    ...(m.sharedNetwork ? { shared: true } : {}),
    // A shared network's mode is the user's; a shared task's fields are never acted on.
    desired: { name: m.networkName, mode: 'custom' },
  });
  const spec = m.cluster.spec;
  for (const s of m.subnets) {
    const name = subnetName(s, m.name);
    const secondary = m.ipAlias && spec.podCIDR && spec.serviceClusterIPRange
      ? { secondaryRanges: { [ipAliasRangeName('pods', m.name)]: spec.podCIDR, [ipAliasRangeName('services', m.name)]: spec.serviceClusterIPRange } }
      : {};
    m.add<GceSubnetDesired>({
      kind: GCE_KINDS.subnet,
      name,
      ...(s.id ? { shared: true } : {}),
      desired: { name, region: s.region ?? m.region, network: m.networkRef, ipCidrRange: s.cidr ?? '', ...secondary },
    });
  }
  buildCloudNat(m);
}

/** A subnet the cluster's Cloud NAT serves: Private or DualStack, kops-ts's own (no `id`), not `egress: External`. */
function nattedSubnet(s: ClusterSubnetSpec): boolean {
  return (s.type === 'Private' || s.type === 'DualStack') && !s.id && s.egress !== 'External';
}

/**
 * The Cloud NAT router serving `subnet`, if any: the instances of a group in that subnet have no
 * external IP and need it to reach the internet (package and image downloads at boot), so their
 * managed instance groups are created after it (kops does not order them).
 */
export function natRouterFor(m: GceModelContext, subnet: ClusterSubnetSpec): Ref | undefined {
  return nattedSubnet(subnet) ? ref(GCE_KINDS.router, routerName(m.name), 'id') : undefined;
}

/**
 * kops's Cloud NAT for private topology: one Cloud Router `nat-<safe cluster>` in the cluster's
 * network and region, with one NAT (named like the router, Google-allocated IPs `AUTO_ONLY`) for
 * the listed subnetworks (`LIST_OF_SUBNETWORKS`, each `ALL_IP_RANGES`): the Private (and
 * DualStack) subnets kops-ts creates. As kops: a subnet given by `id` (the user's) is skipped, its
 * egress assumed configured; `egress: External` opts a subnet out; no subnet left, no router. In a
 * shared network (`spec.networkID`) with subnets kops-ts creates, the router is created in the
 * user's network all the same (and deleted with the cluster).
 */
export function buildCloudNat(m: GceModelContext): void {
  const natted = m.subnets.filter(nattedSubnet);
  if (natted.length === 0) return;
  const name = routerName(m.name);
  m.add<GceRouterDesired>({
    kind: GCE_KINDS.router,
    name,
    desired: {
      name,
      region: m.region,
      network: m.networkRef,
      nat: { name, natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: natted.map((s) => m.subnetRef(s)) },
    },
  });
}
