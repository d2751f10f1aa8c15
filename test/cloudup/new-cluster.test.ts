import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { placeControlPlanes, spread } from '../../src/cloudup/new-cluster-groups.js';
import { trimCommonPrefix } from '../../src/model/completion-etcd.js';
import { guessCloudForZone, parseCloudLabels, parseFeatureGates } from '../../src/cloudup/new-cluster-parse.js';
import { checkObject } from '../../src/model/api/parse.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { OLDEST_SUPPORTED_KUBERNETES_VERSION } from '../../src/version.js';

const names = (igs: readonly InstanceGroup[]) => igs.map((g) => g.metadata.name);
const byName = (igs: readonly InstanceGroup[], name: string) => igs.find((g) => g.metadata.name === name)!;
const HA: NewClusterOptions = { name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] };

function codesOf(o: NewClusterOptions): string[] {
  try {
    newCluster(o);
  } catch (e) {
    if (KopsError.is(e, 'InvalidFlags')) return e.diagnostics.map((d) => d.code);
    throw e;
  }
  return [];
}

describe('newCluster: the layout kops writes', () => {
  it('HA over three zones: control-plane and node groups, etcd members a/b/c with kops requests, node labels', () => {
    const r = newCluster({ ...HA, nodeCount: 5, configBase: 's3://bucket/ha.example.com' });
    expect(names(r.instanceGroups)).toEqual(['control-plane-us-east-1a', 'control-plane-us-east-1b', 'control-plane-us-east-1c', 'nodes-us-east-1a', 'nodes-us-east-1b', 'nodes-us-east-1c']);
    expect(r.instanceGroups.slice(3).map((g) => [g.spec.minSize, g.spec.maxSize])).toEqual([[2, 2], [2, 2], [1, 1]]);
    const etcd = r.cluster.spec.etcdClusters!;
    // kops writes main and events; kops-ts runs one etcd (kubeadm's stacked etcd, which keeps the events).
    expect(etcd.map((e) => [e.name, e.cpuRequest, e.memoryRequest, e.manager?.backupRetentionDays])).toEqual([['main', '200m', '100Mi', 90]]);
    expect(etcd[0]!.etcdMembers).toEqual([
      { encryptedVolume: true, instanceGroup: 'control-plane-us-east-1a', name: 'a' },
      { encryptedVolume: true, instanceGroup: 'control-plane-us-east-1b', name: 'b' },
      { encryptedVolume: true, instanceGroup: 'control-plane-us-east-1c', name: 'c' },
    ]);
    const cp = byName(r.instanceGroups, 'control-plane-us-east-1b');
    expect(cp.spec).toMatchObject({ role: 'Master', minSize: 1, maxSize: 1, subnets: ['us-east-1b'], machineType: 't3.medium' });
    expect(cp.spec.nodeLabels).toEqual({ 'kops.k8s.io/instancegroup': 'control-plane-us-east-1b' });
    expect(cp.metadata.labels).toEqual({ 'kops.k8s.io/cluster': 'ha.example.com' });
    expect(r.cluster.spec.api).toEqual({ loadBalancer: { class: 'Network', type: 'Public' } });
    expect(r.cluster.spec.topology).toEqual({ dns: { type: 'None' } });
    expect(r.cluster.spec.configBase).toBe('s3://bucket/ha.example.com');
    expect(r.cluster.spec.subnets!.map((s) => s.cidr)).toEqual(['172.20.0.0/18', '172.20.64.0/18', '172.20.128.0/18']);
    expect(r.warnings).toEqual([]);
  });

  it('writes keys sorted, as kops does (its objects go through a map on the way to YAML)', () => {
    const r = newCluster(HA);
    const keys = Object.keys(r.cluster.spec);
    expect(keys).toEqual([...keys].sort());
    expect(Object.keys(r.instanceGroups[0]!.spec)).toEqual([...Object.keys(r.instanceGroups[0]!.spec)].sort());
  });

  it.each([
    [5, ['us-east-1a', 'us-east-1b'], undefined, ['control-plane-us-east-1a-1', 'control-plane-us-east-1b-1', 'control-plane-us-east-1a-2', 'control-plane-us-east-1b-2', 'control-plane-us-east-1a-3'], ['a-1', 'b-1', 'a-2', 'b-2', 'a-3']],
    [3, ['us-east-1a', 'us-east-1b', 'us-east-1c'], undefined, ['control-plane-us-east-1a', 'control-plane-us-east-1b', 'control-plane-us-east-1c'], ['a', 'b', 'c']],
    [undefined, ['us-east-1a', 'us-east-1b'], undefined, ['control-plane-us-east-1a'], ['a']],
    [undefined, ['us-east-1a'], ['us-east-1a', 'us-east-1b', 'us-east-1c'], ['control-plane-us-east-1a', 'control-plane-us-east-1b', 'control-plane-us-east-1c'], ['a', 'b', 'c']],
  ])('count %s over zones %j (control-plane zones %j): round-robin as kops', (count, zones, cpZones, groups, members) => {
    const r = newCluster({ name: 'x.example.com', zones, ...(count ? { controlPlaneCount: count } : {}), ...(cpZones ? { controlPlaneZones: cpZones } : {}) });
    const cps = r.instanceGroups.filter((g) => g.spec.role === 'Master');
    expect(names(cps)).toEqual(groups);
    expect(r.cluster.spec.etcdClusters![0]!.etcdMembers.map((m) => m.name)).toEqual(members);
    // Control-plane zones outside --zones still get their subnet (kops's allZones).
    for (const g of cps) expect(r.cluster.spec.subnets!.some((s) => s.name === g.spec.subnets![0])).toBe(true);
  });

  it('warns when control planes share a zone', () => {
    const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a', 'us-east-1b'], controlPlaneCount: 3 });
    expect(r.warnings.map((w) => w.code)).toEqual(['SharedControlPlaneZones']);
  });

  it('private topology: private + utility subnets, the API behind a load balancer, the bastion in the private subnets', () => {
    const r = newCluster({ name: 'p.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', bastion: true, dnsZone: 'example.com' });
    expect(r.cluster.spec.subnets!.map((s) => `${s.name}/${s.type}/${s.cidr}`)).toEqual([
      'us-east-1a/Private/172.20.64.0/18',
      'us-east-1b/Private/172.20.128.0/18',
      'utility-us-east-1a/Utility/172.20.0.0/21',
      'utility-us-east-1b/Utility/172.20.8.0/21',
    ]);
    expect(r.cluster.spec.api).toEqual({ loadBalancer: { class: 'Network', type: 'Public' } });
    const bastion = byName(r.instanceGroups, 'bastions');
    expect(bastion.spec).toMatchObject({ role: 'Bastion', subnets: ['us-east-1a', 'us-east-1b'], machineType: 't3.micro', minSize: 1, maxSize: 1 });
    expect(r.cluster.spec.topology).toEqual({ bastion: { bastionPublicName: 'bastion.p.example.com' }, dns: { type: 'Public' } });
  });

  it.each([
    [{}, { loadBalancer: { class: 'Network', type: 'Public' } }, undefined],
    [{ dnsZone: 'example.com' }, { dns: {} }, 'api.x.example.com'],
    [{ dns: 'private', dnsZone: 'example.com' }, { dns: {} }, 'api.x.example.com'],
    [{ dnsZone: 'example.com', apiLoadBalancerType: 'internal' }, { loadBalancer: { class: 'Network', type: 'Internal' } }, 'api.x.example.com'],
    [{ apiSSLCertificate: 'arn:aws:acm:x' }, { loadBalancer: { class: 'Network', sslCertificate: 'arn:aws:acm:x', type: 'Public' } }, undefined],
    [{ apiPublicName: 'k8s.example.org' }, { loadBalancer: { class: 'Network', type: 'Public' } }, 'k8s.example.org'],
  ])('API access for %j', (extra, api, publicName) => {
    const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], ...extra });
    expect(r.cluster.spec.api).toEqual(api);
    expect(r.cluster.spec.masterPublicName).toBe(publicName);
  });

  it('SSH access follows the admin access unless given', () => {
    expect(newCluster({ name: 'x.example.com', zones: ['us-east-1a'], adminAccess: ['10.0.0.0/8'] }).cluster.spec.sshAccess).toEqual(['10.0.0.0/8']);
    const both = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], adminAccess: ['10.0.0.0/8'], sshAccess: ['192.168.0.0/16'] }).cluster.spec;
    expect([both.kubernetesApiAccess, both.sshAccess]).toEqual([['10.0.0.0/8'], ['192.168.0.0/16']]);
    expect(newCluster({ name: 'x.example.com', zones: ['us-east-1a'] }).cluster.spec.sshAccess).toEqual(['0.0.0.0/0', '::/0']);
  });

  it.each([
    ['cilium', { cilium: { enableNodePort: true } }, { enabled: false }],
    ['cilium-eni', { cilium: { enableNodePort: true, ipam: 'eni' } }, { enabled: false }],
    ['kube-router', { kuberouter: {} }, { enabled: false }],
    ['flannel', { flannel: { backend: 'vxlan' } }, undefined],
    ['calico', { calico: {} }, undefined],
    ['amazon-vpc-routed-eni', { amazonvpc: {} }, undefined],
  ])('--networking %s', (mode, networking, kubeProxy) => {
    const spec = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], networking: mode }).cluster.spec as Record<string, unknown>;
    expect(spec.networking).toEqual(networking);
    expect(spec.kubeProxy).toEqual(kubeProxy);
  });

  it('cilium-etcd adds a second etcd cluster', () => {
    const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], networking: 'cilium-etcd' });
    expect(r.cluster.spec.etcdClusters!.map((e) => e.name)).toEqual(['main', 'cilium']);
  });

  it('feature gates go to every component, as strings', () => {
    const spec = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], networking: 'calico', featureGates: parseFeatureGates(['A', '+B', '-C']) }).cluster.spec as Record<string, { featureGates?: unknown }>;
    const gates = { A: 'true', B: 'true', C: 'false' };
    for (const c of ['kubelet', 'kubeAPIServer', 'kubeControllerManager', 'kubeProxy', 'kubeScheduler']) expect(spec[c]!.featureGates).toEqual(gates);
  });

  it.each<[string, Partial<NewClusterOptions>]>([
    ['the default (cilium)', {}],
    ['cilium-etcd', { networking: 'cilium-etcd' }],
    ['cilium-eni', { networking: 'cilium-eni' }],
    ['flannel', { networking: 'flannel-udp' }],
    ['kube-router with feature gates', { networking: 'kube-router', featureGates: parseFeatureGates(['A', '-B']) }],
    ['private calico with a bastion', { networking: 'calico', topology: 'private', bastion: true, dnsZone: 'example.com' }],
    ['amazonvpc', { networking: 'amazonvpc' }],
    ['GCE', { zones: ['us-central1-a'], cloud: 'gce', project: 'p' }],
  ])('writes nothing that warns when the spec is read back: %s', (_what, extra) => {
    const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a'], ...extra });
    const diags = [r.cluster, ...r.instanceGroups].flatMap((o) => checkObject(JSON.parse(JSON.stringify(o))).diagnostics);
    expect(diags.map((d) => `${d.severity} ${d.path}: ${d.summary}`)).toEqual([]);
  });

  it('per-role sizes, images, volumes, security groups and public IPs; several sizes give a mixed-instances policy', () => {
    const r = newCluster({
      name: 'x.example.com', zones: ['us-east-1a'], controlPlaneSizes: ['m5.large', 'm5a.large'], nodeSizes: ['c5.xlarge'], image: 'ami-all', nodeImage: 'ami-nodes',
      controlPlaneVolumeSize: 80, nodeVolumeType: 'gp2', nodeSecurityGroups: ['sg-1'], controlPlaneSecurityGroups: ['sg-2'], associatePublicIP: false,
    });
    const cp = r.instanceGroups[0]!.spec as unknown as Record<string, unknown>;
    const node = r.instanceGroups[1]!.spec as unknown as Record<string, unknown>;
    expect(cp).toMatchObject({ machineType: 'm5.large', mixedInstancesPolicy: { instances: ['m5.large', 'm5a.large'] }, image: 'ami-all', rootVolumeSize: 80, additionalSecurityGroups: ['sg-2'], associatePublicIp: false });
    expect(node).toMatchObject({ machineType: 'c5.xlarge', image: 'ami-nodes', rootVolumeType: 'gp2', additionalSecurityGroups: ['sg-1'], associatePublicIp: false });
    expect(node.mixedInstancesPolicy).toBeUndefined();
  });

  it('keeps every zone a node group, even with fewer nodes than zones', () => {
    const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], nodeCount: 1 });
    expect(r.instanceGroups.filter((g) => g.spec.role === 'Node').map((g) => [g.metadata.name, g.spec.minSize])).toEqual([
      ['nodes-us-east-1a', 1],
      ['nodes-us-east-1b', 0],
      ['nodes-us-east-1c', 0],
    ]);
  });

  it('a shared VPC keeps its own CIDR (looked up when applied); shared subnets carry their ids in zone order', () => {
    const r = newCluster({ name: 's.example.com', zones: ['us-east-1b', 'us-east-1a'], networkID: 'vpc-1', subnetIDs: ['subnet-b', 'subnet-a'] });
    expect(r.cluster.spec.networkID).toBe('vpc-1');
    expect(r.cluster.spec.networkCIDR).toBeUndefined();
    expect(r.cluster.spec.subnets).toEqual([
      { id: 'subnet-a', name: 'us-east-1a', type: 'Public', zone: 'us-east-1a' },
      { id: 'subnet-b', name: 'us-east-1b', type: 'Public', zone: 'us-east-1b' },
    ]);
  });

  it('shared subnets go to the zone AWS reports for them, whatever their order', () => {
    const sharedSubnets = {
      'subnet-x': { zone: 'us-east-1b', cidr: '10.9.16.0/20' },
      'subnet-y': { zone: 'us-east-1a', cidr: '10.9.0.0/20' },
      'subnet-u1': { zone: 'us-east-1a', cidr: '10.9.32.0/22' },
      'subnet-u2': { zone: 'us-east-1b', cidr: '10.9.36.0/22' },
    };
    const r = newCluster({
      name: 's.example.com',
      zones: ['us-east-1a', 'us-east-1b'],
      topology: 'private',
      networkID: 'vpc-1',
      subnetIDs: ['subnet-x', 'subnet-y'],
      utilitySubnetIDs: ['subnet-u2', 'subnet-u1'],
      networkCIDRs: ['10.9.0.0/16'],
      sharedSubnets,
    });
    // As kops writes them: the id, the zone and the CIDR AWS reports.
    expect(r.cluster.spec.subnets?.map((s) => `${s.name} ${s.id} ${s.cidr}`)).toEqual([
      'us-east-1a subnet-y 10.9.0.0/20',
      'us-east-1b subnet-x 10.9.16.0/20',
      'utility-us-east-1a subnet-u1 10.9.32.0/22',
      'utility-us-east-1b subnet-u2 10.9.36.0/22',
    ]);
  });

  it('several --network-cidr values: additional VPC ranges, each a subnet of its own that the zone\'s nodes use (kops)', () => {
    const r = newCluster({ name: 'n.example.com', zones: ['us-east-1a', 'us-east-1b'], topology: 'private', networkCIDRs: ['10.0.0.0/16', '10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'] });
    expect(r.cluster.spec.networkCIDR).toBe('10.0.0.0/16');
    expect(r.cluster.spec.additionalNetworkCIDRs).toEqual(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']);
    expect(r.cluster.spec.subnets?.map((s) => `${s.name} ${s.type} ${s.zone} ${s.cidr}`)).toEqual([
      'us-east-1a Private us-east-1a 10.0.64.0/18',
      'us-east-1b Private us-east-1b 10.0.128.0/18',
      'us-east-1a-1 Private us-east-1a 10.1.0.0/16',
      'us-east-1b-2 Private us-east-1b 10.2.0.0/16',
      'us-east-1a-3 Private us-east-1a 10.3.0.0/16',
      // kops: a utility subnet for every private subnet, carved from the network CIDR (eighths
      // of its lowest block, in zone order).
      'utility-us-east-1a Utility us-east-1a 10.0.0.0/21',
      'utility-us-east-1b Utility us-east-1b 10.0.24.0/21',
      'utility-us-east-1a-1 Utility us-east-1a 10.0.8.0/21',
      'utility-us-east-1b-2 Utility us-east-1b 10.0.32.0/21',
      'utility-us-east-1a-3 Utility us-east-1a 10.0.16.0/21',
    ]);
    expect(r.instanceGroups.map((g) => `${g.metadata.name} ${g.spec.subnets?.join(',')}`)).toEqual([
      'control-plane-us-east-1a us-east-1a',
      'nodes-us-east-1a us-east-1a-1,us-east-1a-3',
      'nodes-us-east-1b us-east-1b-2',
    ]);
  });

  it('GCE: one regional subnet, zones on the groups, no etcd encryption flag, the project', () => {
    const r = newCluster({ name: 'g.example.com', zones: ['us-central1-a', 'us-central1-b'], project: 'my-project' });
    expect(r.cluster.spec.cloudProvider).toBe('gce');
    expect(r.cluster.spec.project).toBe('my-project');
    expect(r.cluster.spec.subnets).toEqual([{ name: 'us-central1', region: 'us-central1', type: 'Public' }]);
    expect(r.cluster.spec.api).toEqual({ loadBalancer: { type: 'Public' } });
    expect(r.instanceGroups.map((g) => [g.metadata.name, g.spec.subnets, g.spec.zones, g.spec.machineType])).toEqual([
      ['control-plane-us-central1-a', ['us-central1'], ['us-central1-a'], 'e2-medium'],
      ['nodes-us-central1-a', ['us-central1'], ['us-central1-a'], 'e2-medium'],
      ['nodes-us-central1-b', ['us-central1'], ['us-central1-b'], 'e2-medium'],
    ]);
    expect(r.cluster.spec.etcdClusters![0]!.etcdMembers[0]).toEqual({ instanceGroup: 'control-plane-us-central1-a', name: 'a' });
  });
});

describe('newCluster: bad flags, all reported at once', () => {
  it.each([
    [{ name: 'x.example.com', zones: ['nowhere'], controlPlaneCount: 2, ipv6: true }, ['UnknownCloud', 'InvalidControlPlaneCount', 'UnsupportedIPv6']],
    [{ name: 'x.example.com', zones: ['us-east-1a', 'us-central1-a'] }, ['UnknownCloud']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], controlPlaneZones: ['us-east-1a', 'us-east-1b'] }, ['InvalidControlPlaneCount']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneCount: 1 }, ['InvalidControlPlaneCount']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], bastion: true, networking: 'weave' }, ['UnknownNetworking', 'BastionNeedsPrivate']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], topology: 'private', networking: 'kubenet' }, ['KubenetPrivateTopology']],
    // Refused by name, once (not also as unknown, nor as the spec's removed field).
    [{ name: 'x.example.com', zones: ['us-east-1a'], networking: 'canal' }, ['UnsupportedNetworking']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], subnetIDs: ['subnet-1', 'subnet-2'] }, ['InvalidSubnets', 'MissingNetworkID']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], networkCIDRs: ['10.0.0.0/33'], adminAccess: ['1.2.3.4/8'] }, ['InvalidCIDR', 'InvalidCIDR']],
    [{ name: 'x.example.com', zones: ['us-central1-a'] }, ['MissingProject']],
    [{ name: 'x.example.com', zones: ['us-central1-a'], project: 'p', networkCIDRs: ['10.0.0.0/16', '10.1.0.0/16'] }, ['UnsupportedNetworkCIDRs']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], networkCIDRs: ['10.0.0.0/16', '2001:db8::/56'] }, ['InvalidCIDR']],
    [
      { name: 'x.example.com', zones: ['us-east-1a', 'us-east-1b'], subnetIDs: ['subnet-1', 'subnet-2'], sharedSubnets: { 'subnet-1': { zone: 'us-east-1c' }, 'subnet-2': { zone: 'us-east-1c' } } },
      ['InvalidSubnets', 'InvalidSubnets', 'InvalidSubnets'],
    ],
    [{ name: 'x.example.com', zones: [] }, ['MissingZones']],
    [{ name: 'x.example.com', zones: ['us-east-1a'], cloud: 'azure' }, ['UnsupportedCloud']],
  ] as [NewClusterOptions, string[]][])('%j → %j', (o, codes) => {
    expect(codesOf(o)).toEqual(codes);
  });

  it('refuses canal by name: no Kubernetes version kops-ts supports can run it', () => {
    try {
      newCluster({ name: 'x.example.com', zones: ['us-east-1a'], networking: 'canal' });
      expect.unreachable();
    } catch (e) {
      expect((e as KopsError).diagnostics).toEqual([
        expect.objectContaining({ path: '--networking', summary: `canal: Canal is not supported for Kubernetes >= 1.28, and kops-ts supports ${OLDEST_SUPPORTED_KUBERNETES_VERSION} and newer`, hint: 'use --networking calico or cilium (the default)' }),
      ]);
    }
  });

  it('names the flag and says what to do', () => {
    try {
      newCluster({ name: 'x.example.com', zones: ['us-east-1a'], controlPlaneCount: 2 });
      expect.unreachable();
    } catch (e) {
      expect((e as KopsError).exitCode).toBe(2);
      expect((e as KopsError).diagnostics[0]).toMatchObject({ path: '--control-plane-count', summary: '2 control planes: etcd needs an odd number', hint: 'use 1, 3 or 5' });
    }
  });
});

describe('kops naming and value syntaxes', () => {
  it.each([
    [['us-east-1a'], ['a']],
    [['us-east-1a', 'us-east-1b', 'us-east-1c'], ['a', 'b', 'c']],
    [['us-east-1a-1', 'us-east-1b-1', 'us-east-1a-2'], ['a-1', 'b-1', 'a-2']],
    [['10', '11'], ['etcd-0', 'etcd-1']],
  ])('trimCommonPrefix(%j) = %j', (input, output) => {
    expect(trimCommonPrefix(input)).toEqual(output);
  });

  it('places control planes round-robin and spreads nodes with the remainder first', () => {
    expect(placeControlPlanes(3, ['a', 'b']).map((p) => `${p.name}@${p.zone}`)).toEqual(['control-plane-a-1@a', 'control-plane-b-1@b', 'control-plane-a-2@a']);
    expect(spread(7, 3)).toEqual([3, 2, 2]);
    expect(spread(1, 3)).toEqual([1, 0, 0]);
  });

  it.each([
    ['us-east-1a', 'aws'],
    ['eu-west-2c', 'aws'],
    ['us-gov-west-1a', 'aws'],
    ['us-east-1-bos-1a', 'aws'],
    ['us-central1-a', 'gce'],
    ['europe-west4-b', 'gce'],
    ['nowhere', undefined],
  ])('guessCloudForZone(%s) = %s', (zone, cloud) => {
    expect(guessCloudForZone(zone)).toBe(cloud);
  });

  it('reads cloud labels as one CSV record of key=value pairs', () => {
    expect(parseCloudLabels('Owner=John Doe,dn="cn=John Doe: dc=example dc=com", foo/bar=fib+baz')).toEqual({ Owner: 'John Doe', dn: 'cn=John Doe: dc=example dc=com', 'foo/bar': 'fib+baz' });
    expect(() => parseCloudLabels('Owner')).toThrow(/--cloud-labels: "Owner" is not key=value/);
  });

  it('reads feature gates as kops does and rejects an empty one', () => {
    expect(parseFeatureGates(['A', ' +B', '-C'])).toEqual({ A: 'true', B: 'true', C: 'false' });
    expect(() => parseFeatureGates(['-'])).toThrow(/not a feature gate/);
  });
});
