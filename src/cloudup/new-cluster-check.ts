/**
 * Checks of `create cluster` options that only make sense as flags (the spec they produce is
 * validated by the model afterwards): every problem is returned at once, each naming its flag in
 * `path` (e.g. `--control-plane-count`) with a hint saying what to pass instead.
 */
import { error, type Diagnostic } from '../diagnostics.js';
import { cidrProblem } from '../model/cidr.js';
import type { NewClusterOptions } from './new-cluster.js';
import { KNOWN_NETWORKING, RETIRED_NETWORKING } from './new-cluster-networking.js';
import { guessCloudForStore, guessCloudForZone } from './new-cluster-parse.js';

const SUPPORTED_CLOUDS = ['aws', 'gce'];

/** `--cloud`, else the zones' cloud (all must agree), else the state store's (kops's fallback). */
export function resolveCloud(o: NewClusterOptions): string | undefined {
  if (o.cloud) return o.cloud.toLowerCase();
  const zones = [...o.zones, ...(o.controlPlaneZones ?? [])];
  const guesses = new Set(zones.map(guessCloudForZone));
  if (guesses.size === 1) {
    const only = [...guesses][0];
    if (only) return only;
  }
  if (guesses.size > 1) return undefined;
  return guessCloudForStore(o.configBase);
}

function oneOf(value: string | undefined, allowed: readonly string[]): boolean {
  return value === undefined || allowed.includes(value.toLowerCase());
}

type Add = (code: string, flag: string, summary: string, hint: string) => void;

function checkZones(o: NewClusterOptions, cloud: string | undefined, add: Add): void {
  if (!o.name) add('MissingClusterName', '--name', 'no cluster name given', 'pass --name <cluster>, e.g. --name my.example.com');
  if (o.zones.length === 0) add('MissingZones', '--zones', 'no zones given', 'pass --zones, e.g. --zones us-east-1a,us-east-1b,us-east-1c');
  if (!cloud && o.zones.length > 0) {
    add('UnknownCloud', '--cloud', `cannot tell the cloud from the zones ${[...o.zones, ...(o.controlPlaneZones ?? [])].join(',')}`, 'pass --cloud aws or --cloud gce');
  } else if (cloud && !SUPPORTED_CLOUDS.includes(cloud)) {
    add('UnsupportedCloud', '--cloud', `cloud ${cloud} is not supported by kops-ts`, 'use --cloud aws or --cloud gce');
  }
  const cpZones = o.controlPlaneZones ?? [];
  const count = o.controlPlaneCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    add('InvalidControlPlaneCount', '--control-plane-count', `${count} is not a positive whole number`, 'use 1, 3 or 5');
  } else if (cpZones.length > 0 && count !== undefined && count < cpZones.length) {
    add('InvalidControlPlaneCount', '--control-plane-count', `${cpZones.length} control-plane zones but only ${count} control planes requested`, 'if you give both, the count must be at least the number of zones');
  } else {
    const effective = count ?? (cpZones.length > 0 ? cpZones.length : 1);
    if (effective % 2 === 0) {
      add('InvalidControlPlaneCount', cpZones.length > 0 && count === undefined ? '--control-plane-zones' : '--control-plane-count', `${effective} control planes: etcd needs an odd number`, 'use 1, 3 or 5');
    }
  }
  if (o.nodeCount !== undefined && (!Number.isInteger(o.nodeCount) || o.nodeCount < 0)) add('InvalidNodeCount', '--node-count', `${o.nodeCount} is not a whole number`, 'pass a number of nodes, e.g. --node-count 3');
  if (cloud === 'gce' && !o.project) add('MissingProject', '--project', 'a GCE cluster needs a project', 'pass --project <gcp-project-id>, or set CLOUDSDK_CORE_PROJECT');
}

function checkNetwork(o: NewClusterOptions, cloud: string | undefined, add: Add): void {
  const topology = o.topology?.toLowerCase() ?? 'public';
  const networking = o.networking ?? 'cilium';
  if (!oneOf(o.topology, ['public', 'private'])) add('InvalidTopology', '--topology', `unknown topology ${JSON.stringify(o.topology)}`, 'use --topology public or --topology private');
  if (!oneOf(o.dns, ['public', 'private', 'none'])) add('InvalidDNSType', '--dns', `unknown DNS type ${JSON.stringify(o.dns)}`, 'use --dns public, private or none');
  if (!oneOf(o.apiLoadBalancerType, ['public', 'internal'])) add('InvalidLoadBalancerType', '--api-loadbalancer-type', `unknown load balancer type ${JSON.stringify(o.apiLoadBalancerType)}`, 'use public or internal');
  if (!oneOf(o.authorization, ['rbac', 'alwaysallow'])) add('InvalidAuthorization', '--authorization', `unknown authorization mode ${JSON.stringify(o.authorization)}`, 'use RBAC or AlwaysAllow');
  const retired = RETIRED_NETWORKING[networking];
  if (retired) add('UnsupportedNetworking', '--networking', `${networking}: ${retired}`, 'use --networking calico or cilium (the default)');
  else if (!(KNOWN_NETWORKING as readonly string[]).includes(networking)) add('UnknownNetworking', '--networking', `unknown networking ${networking}`, `use one of ${KNOWN_NETWORKING.join(', ')}`);
  if (networking === 'kubenet' && topology === 'private') add('KubenetPrivateTopology', '--networking', 'kubenet does not support private topology', 'use --networking cilium (the default) or calico');
  if (o.bastion && topology !== 'private') add('BastionNeedsPrivate', '--bastion', 'a bastion needs --topology private', 'add --topology private, or drop --bastion');
  if (o.ipv6) add('UnsupportedIPv6', '--ipv6', 'IPv6 clusters are not supported by kops-ts yet', 'create an IPv4 cluster (drop --ipv6)');
  const cidrs = o.networkCIDRs ?? [];
  // kops refuses spec.networkCIDR on GCE: it allocates the subnets' ranges in the network itself.
  if (cidrs.length > 0 && cloud === 'gce') add('UnsupportedNetworkCIDRs', '--network-cidr', 'a GCE network takes no network CIDR: kops allocates the subnet ranges in it (from 10.0.16.0/20 on)', 'drop --network-cidr');
  else if (cidrs.length > 1 && cloud !== 'aws') add('UnsupportedNetworkCIDRs', '--network-cidr', `${cidrs.length} network CIDRs given; additional network CIDRs are AWS VPC ranges`, 'pass a single --network-cidr');
  for (const c of cidrs) {
    const why = cidrProblem(c);
    if (why) add('InvalidCIDR', '--network-cidr', `${c} ${why}`, 'pass an IPv4 network such as 10.0.0.0/16');
    else if (c.includes(':')) add('InvalidCIDR', '--network-cidr', `${c} is not an IPv4 network`, 'pass an IPv4 network such as 10.0.0.0/16');
  }
  const ids = o.subnetIDs ?? [];
  if (ids.length > 0 && cloud !== 'gce' && ids.length !== o.zones.length) add('InvalidSubnets', '--subnets', `${ids.length} subnet ids for ${o.zones.length} zones`, 'give one existing subnet id per zone');
  if (ids.length > 0 && !o.networkID && !o.sharedSubnets) add('MissingNetworkID', '--subnets', 'shared subnets need their VPC', 'pass --network-id <vpc-id> with --subnets');
  const utility = o.utilitySubnetIDs ?? [];
  if (utility.length > 0 && topology !== 'private') add('UtilitySubnetsNeedPrivateTopology', '--utility-subnets', 'utility subnets are only used in private topology', 'add --topology private');
  else if (utility.length > 0 && utility.length !== o.zones.length) add('InvalidSubnets', '--utility-subnets', `${utility.length} utility subnet ids for ${o.zones.length} zones`, 'give one existing utility subnet id per zone');
  if (o.sharedSubnets) {
    const zones = new Set([...o.zones, ...(o.controlPlaneZones ?? [])]);
    for (const [flag, list] of [['--subnets', ids], ['--utility-subnets', utility]] as const) {
      const seen = new Map<string, string>();
      for (const id of list) {
        const zone = o.sharedSubnets[id]?.zone;
        if (zone === undefined) continue;
        if (!zones.has(zone)) add('InvalidSubnets', flag, `subnet ${id} is in ${zone}, which is not one of --zones (${[...zones].join(',')})`, `add ${zone} to --zones, or give a subnet of one of those zones`);
        const other = seen.get(zone);
        if (other !== undefined) add('InvalidSubnets', flag, `subnets ${other} and ${id} are both in ${zone}`, 'give one subnet per zone');
        seen.set(zone, id);
      }
    }
  }
  for (const [flag, list] of [['--ssh-access', o.sshAccess], ['--admin-access', o.adminAccess]] as const) {
    for (const c of list ?? []) {
      const why = cidrProblem(c);
      if (why) add('InvalidCIDR', flag, `${c} ${why}`, 'pass CIDRs such as 203.0.113.0/24');
    }
  }
}

/** Every problem of the options, each naming its flag. */
export function checkNewClusterOptions(o: NewClusterOptions, cloud: string | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add: Add = (code, flag, summary, hint) => out.push(error(code, summary, { path: flag, hint }));
  checkZones(o, cloud, add);
  checkNetwork(o, cloud, add);
  for (const [flag, v] of [['--control-plane-volume-size', o.controlPlaneVolumeSize], ['--node-volume-size', o.nodeVolumeSize]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) add('InvalidVolumeSize', flag, `${v} is not a size in GiB`, 'pass a whole number of GiB, e.g. 64');
  }
  return out;
}
