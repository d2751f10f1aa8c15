/**
 * `toolbox dump`'s cloud sections for a GCE cluster, in the dump's (kops's AWS-shaped) sections:
 * subnetworks as `subnets` (their region as the zone: GCE subnets are regional), the API's
 * forwarding rule as `loadBalancers` (its address as the DNS name), firewall rules as
 * `securityGroups`, managed instance groups as `autoscalingGroups` (the template as the launch
 * template) and the etcd persistent disks as `etcdVolumes`. A field GCE has no counterpart for
 * is empty (`''`, `[]`), never invented. No metadata (the startup script) is copied out.
 */
import type { DumpDetails, FoundResource } from '../provider.js';
import { GCE_LABEL_ETCD_PREFIX } from '../../model/gce/labels.js';
import type { GceDiskActual } from '../../tasks/gce/disk.js';
import type { GceFirewallRuleActual } from '../../tasks/gce/firewall-rule.js';
import type { GceForwardingRuleActual } from '../../tasks/gce/forwarding-rule.js';
import type { GceInstanceGroupManagerActual } from '../../tasks/gce/instance-group-manager.js';
import type { GceSubnetActual } from '../../tasks/gce/subnet.js';
import { lastSegment } from '../../tasks/gce/common.js';

/** kops's `EncodeGCELabel` reversed: `-2f` → `/`. */
export function decodeGceLabel(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const m = s[i] === '-' ? /^[0-9a-f]{2}$/.exec(s.slice(i + 1, i + 3)) : null;
    if (m) {
      bytes.push(parseInt(m[0], 16));
      i += 2;
    } else bytes.push(s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function gceDumpDetails(found: readonly FoundResource[]): DumpDetails {
  const of = <A>(kind: string): { f: FoundResource; a: A }[] => found.filter((f) => f.kind === kind).map((f) => ({ f, a: f.actual as A }));
  const byName = (x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name);
  return {
    subnets: of<GceSubnetActual>('Subnet')
      .map(({ f, a }) => ({ id: a.id, name: a.name, zone: a.region, cidr: a.ipCidrRange, ...(f.shared || a.shared ? { shared: true as const } : {}) }))
      .sort(byName),
    loadBalancers: of<GceForwardingRuleActual>('ForwardingRule')
      .map(({ a }) => ({ name: a.name, dnsName: a.ipAddress, type: 'network', scheme: 'EXTERNAL', state: '', subnets: [], securityGroups: [] }))
      .sort(byName),
    securityGroups: of<GceFirewallRuleActual>('FirewallRule')
      .map(({ a }) => ({
        id: a.id,
        name: a.name,
        description: `allow ${a.allowed.join(',')} from ${[...a.sourceRanges, ...a.sourceTags].join(',') || 'nowhere'} to ${a.targetTags.join(',') || 'every instance'}`,
        vpcId: lastSegment(a.network),
      }))
      .sort(byName),
    autoscalingGroups: of<GceInstanceGroupManagerActual>('InstanceGroupManager')
      .map(({ a }) => ({
        name: a.name,
        instanceGroup: a.baseInstanceName,
        minSize: a.targetSize,
        maxSize: a.targetSize,
        desiredCapacity: a.targetSize,
        launchTemplate: lastSegment(a.instanceTemplate),
        launchTemplateVersion: '',
        subnets: [],
      }))
      .sort(byName),
    etcdVolumes: of<GceDiskActual>('Disk')
      .map(({ a }) => {
        const key = Object.keys(a.labels).find((k) => k.startsWith(GCE_LABEL_ETCD_PREFIX));
        const member = key ? decodeGceLabel(a.labels[key] ?? '').split('/')[0] : undefined;
        return {
          id: a.id,
          name: a.name,
          zone: a.zone,
          sizeGb: a.sizeGb,
          volumeType: a.type,
          // Compute Engine encrypts every persistent disk at rest.
          encrypted: true,
          state: '',
          ...(key ? { etcdCluster: key.slice(GCE_LABEL_ETCD_PREFIX.length) } : {}),
          ...(member ? { etcdMember: member } : {}),
        };
      })
      .sort(byName),
  };
}
