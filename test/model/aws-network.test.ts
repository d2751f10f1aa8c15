/** The network tasks the AWS model builds from a spec (pure: no cloud). */
import { describe, expect, it } from 'vitest';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import type { Cluster } from '../../src/model/api/types.js';
import { isRef, type Task } from '../../src/tasks/types.js';

function tasksOf(o: NewClusterOptions, edit: (c: Cluster) => void = () => {}): Task[] {
  const built = newCluster(o);
  edit(built.cluster);
  const done = completeCluster(built.cluster, built.instanceGroups);
  return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups });
}

const key = (t: Task) => `${t.kind}/${t.name}`;
const find = (ts: Task[], k: string) => ts.find((t) => key(t) === k);
const desired = (ts: Task[], k: string) => find(ts, k)?.desired as Record<string, unknown> | undefined;
const show = (v: unknown) => (isRef(v) ? `ref:${v.kind}/${v.name}` : v);

describe('AWS network model', () => {
  it('an owned VPC: the Amazon IPv6 block, one task per additional range, and subnets in a range after it', () => {
    const ts = tasksOf({ name: 'n.example.com', zones: ['us-east-1a'], networkCIDRs: ['10.0.0.0/16', '10.1.0.0/16'] });
    expect(find(ts, 'VPCAmazonIPv6CIDRBlock/AmazonIPv6')).toBeDefined();
    expect(desired(ts, 'VPCCIDRBlock/10.1.0.0/16')).toMatchObject({ cidr: '10.1.0.0/16' });
    expect(find(ts, 'Subnet/us-east-1a-1.n.example.com')?.dependsOn?.map((r) => `${r.kind}/${r.name}`)).toEqual(['VPCCIDRBlock/10.1.0.0/16']);
    expect(find(ts, 'Subnet/us-east-1a.n.example.com')?.dependsOn).toBeUndefined();
    expect(desired(ts, 'Route/::/0')).toMatchObject({ cidr: '::/0' });
    expect(find(ts, 'Route/::/0')?.dependsOn?.map((r) => `${r.kind}/${r.name}`)).toEqual(['VPCAmazonIPv6CIDRBlock/AmazonIPv6']);
  });

  it('a shared VPC: no IPv6 block, no ranges, no DHCP options; all subnets shared: no route table', () => {
    const ts = tasksOf({ name: 's.example.com', zones: ['us-east-1a'], networkID: 'vpc-1', subnetIDs: ['subnet-1'] }, (c) => (c.spec.additionalNetworkCIDRs = ['10.1.0.0/16']));
    expect(ts.filter((t) => ['VPCAmazonIPv6CIDRBlock', 'VPCCIDRBlock', 'DHCPOptions', 'RouteTable', 'Route', 'RouteTableAssociation'].includes(t.kind))).toEqual([]);
    const subnet = find(ts, 'Subnet/us-east-1a.s.example.com');
    expect(subnet?.shared).toBe(true);
    expect(subnet?.desired).toMatchObject({ id: 'subnet-1', tags: { 'kubernetes.io/cluster/s.example.com': 'shared', SubnetType: 'Public', 'kubernetes.io/role/elb': '1' } });
  });

  it('DisableSubnetTags: true leaves shared subnets untagged and owned subnets without role tags', () => {
    const shared = tasksOf({ name: 's.example.com', zones: ['us-east-1a'], networkID: 'vpc-1', subnetIDs: ['subnet-1'] }, (c) => (c.spec.DisableSubnetTags = true));
    expect(desired(shared, 'Subnet/us-east-1a.s.example.com')?.tags).toBeUndefined();
    const owned = tasksOf({ name: 'o.example.com', zones: ['us-east-1a'] }, (c) => (c.spec.DisableSubnetTags = true));
    expect(Object.keys((desired(owned, 'Subnet/us-east-1a.o.example.com')?.tags ?? {}) as object).sort()).toEqual(['KubernetesCluster', 'Name', 'kubernetes.io/cluster/o.example.com']);
  });

  it('builds each egress form\u2019s default route; External subnets are not routed', () => {
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'];
    const egress: Record<string, string> = { 'us-east-1b': 'nat-0b', 'us-east-1c': 'eipalloc-0c', 'us-east-1d': 'i-0d', 'us-east-1f': 'tgw-0f' };
    const ts = tasksOf({ name: 'e.example.com', zones, topology: 'private' }, (c) => {
      for (const s of c.spec.subnets ?? []) if (s.type === 'Private' && egress[s.zone ?? '']) s.egress = egress[s.zone ?? ''];
      c.spec.subnets!.push({ name: 'ext', zone: 'us-east-1a', type: 'Private', cidr: '172.20.240.0/24', egress: 'External' });
    });
    const route = (zone: string) => {
      const d = desired(ts, `Route/private-${zone}-0.0.0.0/0`) ?? {};
      return Object.fromEntries(Object.entries(d).filter(([k]) => k.endsWith('Id') && k !== 'routeTableId').map(([k, v]) => [k, show(v)]));
    };
    expect(route('us-east-1a')).toEqual({ natGatewayId: 'ref:NatGateway/us-east-1a.e.example.com' });
    expect(route('us-east-1b')).toEqual({ natGatewayId: 'ref:NatGateway/us-east-1b.e.example.com' });
    expect(find(ts, 'NatGateway/us-east-1b.e.example.com')).toMatchObject({ shared: true, desired: { id: 'nat-0b' } });
    expect(find(ts, 'ElasticIP/us-east-1b.e.example.com')).toBeUndefined();
    expect(route('us-east-1c')).toEqual({ natGatewayId: 'ref:NatGateway/us-east-1c.e.example.com' });
    expect(find(ts, 'ElasticIP/us-east-1c.e.example.com')).toMatchObject({ shared: true, desired: { id: 'eipalloc-0c' } });
    expect(show(desired(ts, 'NatGateway/us-east-1c.e.example.com')?.allocationId)).toBe('ref:ElasticIP/us-east-1c.e.example.com');
    expect(route('us-east-1d')).toEqual({ instanceId: 'ref:Instance/i-0d' });
    expect(find(ts, 'Instance/i-0d')).toMatchObject({ shared: true, desired: { id: 'i-0d' } });
    expect(route('us-east-1f')).toEqual({ transitGatewayId: 'tgw-0f' });
    expect(ts.filter((t) => t.kind === 'RouteTableAssociation' && t.name.includes('ext.e.example.com'))).toEqual([]);
    expect(find(ts, 'Subnet/ext.e.example.com')).toBeDefined();
  });

  it('routes DualStack subnets through their zone\u2019s private table, as kops does', () => {
    const ts = tasksOf({ name: 'd.example.com', zones: ['us-east-1a'], topology: 'private' }, (c) => {
      c.spec.subnets!.push({ name: 'dualstack-us-east-1a', zone: 'us-east-1a', type: 'DualStack', cidr: '172.20.240.0/24' });
    });
    expect(show(desired(ts, 'RouteTableAssociation/private-dualstack-us-east-1a.d.example.com')?.routeTableId)).toBe('ref:RouteTable/private-us-east-1a.d.example.com');
    // kops: the private subnet yields internal load balancers to the DualStack one in its zone.
    expect(desired(ts, 'Subnet/us-east-1a.d.example.com')?.tags).not.toHaveProperty('kubernetes.io/role/internal-elb');
    expect(desired(ts, 'Subnet/dualstack-us-east-1a.d.example.com')?.tags).toHaveProperty('kubernetes.io/role/internal-elb', '1');
  });
});
