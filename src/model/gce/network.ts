/**
 * kops's gcemodel NetworkModelBuilder: the cluster's custom-mode network (named like the cluster)
 * or the user's (`spec.networkID`, shared: found, never changed), and one regional subnetwork per
 * cluster subnet, with the pods' and services' secondary ranges under IP-alias networking.
 * (kops's Cloud NAT router for private subnets is not modelled: kops-ts has no Router kind yet.)
 */
import { GCE_KINDS, type GceNetworkDesired, type GceSubnetDesired } from '../../tasks/gce/types.js';
import type { GceModelContext } from './context.js';
import { ipAliasRangeName, subnetName } from './names.js';

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
}
