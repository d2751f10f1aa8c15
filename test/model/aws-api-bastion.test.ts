/**
 * The AWS builders for the API load balancer, the bastion and the firewall, on built tasks (pure):
 * every spec field of the API, load balancer and access lists has a test showing its effect here;
 * the end-to-end tests (test/cloudup) show the same on the emulator.
 */
import { describe, expect, it } from 'vitest';
import { completeCluster } from '../../src/model/completion.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { nodeToMasterTcpRanges } from '../../src/model/aws/firewall.js';
import { AwsModelContext } from '../../src/model/aws/context.js';
import { targetGroupName } from '../../src/tasks/aws/elb-listing.js';
import { isRef, type Task } from '../../src/tasks/types.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { ig, userCluster, userIGs } from './helpers.js';

const NAME = 'test.example.com';

function build(cluster: Cluster, igs: InstanceGroup[]): Task[] {
  const completed = completeCluster(cluster, igs);
  return buildAwsTasks({ cluster: completed.cluster, instanceGroups: completed.instanceGroups });
}

function task(tasks: readonly Task[], key: string): Task {
  const t = tasks.find((x) => `${x.kind}/${x.name}` === key);
  if (!t) throw new Error(`no task ${key}; have ${tasks.filter((x) => key.startsWith(`${x.kind}/`)).map((x) => x.name).join(', ')}`);
  return t;
}

function desired(tasks: readonly Task[], key: string): Record<string, unknown> {
  return task(tasks, key).desired as Record<string, unknown>;
}

/** Rules as `group <- proto from-to peer` (ingress) lines; peers are CIDRs or group names. */
function ingress(tasks: readonly Task[], group: string): string[] {
  return tasks
    .filter((t) => t.kind === 'SecurityGroupRule')
    .map((t) => t.desired as Record<string, unknown>)
    .filter((d) => d['direction'] === 'ingress' && isRef(d['group']) && d['group'].name === group)
    .map((d) => {
      const peer = d['cidr'] ?? d['ipv6Cidr'] ?? (isRef(d['sourceGroup']) ? d['sourceGroup'].name : '?');
      return `${String(d['protocol'])} ${String(d['fromPort'] ?? '')}-${String(d['toPort'] ?? '')} ${String(peer)}`;
    })
    .sort();
}

function refNames(v: unknown): string[] {
  return (v as unknown[]).map((x) => (isRef(x) ? `${x.kind}/${x.name}` : String(x)));
}

function withDns(cluster: Cluster): Cluster {
  cluster.spec.dnsZone = 'example.com';
  return cluster;
}

describe('the API load balancer', () => {
  it('has its own group api-elb from creation: 443 and PMTU ICMP from kubernetesApiAccess, nodes in with DNS None', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.kubernetesApiAccess = ['203.0.113.0/24', '2001:db8::/32'];
    const tasks = build(cluster, userIGs(['us-east-1a']));
    expect(desired(tasks, `SecurityGroup/api-elb.${NAME}`)['description']).toBe('Security group for api ELB');
    expect(refNames(desired(tasks, `NetworkLoadBalancer/api.${NAME}`)['securityGroups'])).toEqual([`SecurityGroup/api-elb.${NAME}`]);
    expect(ingress(tasks, `api-elb.${NAME}`)).toEqual([
      `-1 - nodes.${NAME}`,
      'icmp 3-4 203.0.113.0/24',
      `icmp 3-4 masters.${NAME}`,
      'icmpv6 -1--1 2001:db8::/32',
      'tcp 443-443 2001:db8::/32',
      'tcp 443-443 203.0.113.0/24',
    ]);
  });

  it('opens the control planes to the API only from api-elb (no 443 from any CIDR)', () => {
    const tasks = build(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a']));
    const masters = ingress(tasks, `masters.${NAME}`);
    expect(masters).toEqual(expect.arrayContaining([`tcp 443-443 api-elb.${NAME}`, `icmp 3-4 api-elb.${NAME}`, `tcp 3988-3988 api-elb.${NAME}`]));
    expect(masters.filter((l) => / [0-9a-f.:]+\/\d+$/.test(l) && l.startsWith('tcp ') && !l.startsWith('tcp 22-22'))).toEqual([]);
  });

  it('with DNS None builds kops-controller\'s target group and listener on 3988 and forces cross-zone on', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.api = { loadBalancer: { crossZoneLoadBalancing: false } };
    const tasks = build(cluster, userIGs(['us-east-1a']));
    const kc = targetGroupName(NAME, 'kops-controller');
    expect(desired(tasks, `TargetGroup/${kc}`)).toMatchObject({ port: 3988, protocol: 'TCP', healthCheck: { protocol: 'HTTPS', path: '/healthz' } });
    expect(desired(tasks, `NetworkLoadBalancerListener/api.${NAME}-3988`)['port']).toBe(3988);
    expect(desired(tasks, `NetworkLoadBalancer/api.${NAME}`)['crossZoneLoadBalancing']).toBe(true);
    const cp = desired(tasks, `AutoscalingGroup/control-plane-us-east-1a.masters.${NAME}`);
    expect(refNames(cp['targetGroupArns'])).toEqual([`TargetGroup/${targetGroupName(NAME, 'tcp')}`, `TargetGroup/${kc}`]);
    expect(desired(tasks, `AutoscalingGroup/nodes-us-east-1a.${NAME}`)['targetGroupArns']).toEqual([]);
  });

  it('crossZoneLoadBalancing: kops\'s default off with DNS, the spec\'s value when set', () => {
    const off = build(withDns(userCluster(['us-east-1a'], { name: NAME })), userIGs(['us-east-1a']));
    expect(desired(off, `NetworkLoadBalancer/api.${NAME}`)['crossZoneLoadBalancing']).toBe(false);
    // No kops-controller port when nodes do not reach it through the load balancer.
    expect(off.some((t) => t.name === targetGroupName(NAME, 'kops-controller'))).toBe(false);
    const cluster = withDns(userCluster(['us-east-1a'], { name: NAME }));
    cluster.spec.api = { loadBalancer: { crossZoneLoadBalancing: true } };
    const on = build(cluster, userIGs(['us-east-1a']));
    expect(desired(on, `NetworkLoadBalancer/api.${NAME}`)['crossZoneLoadBalancing']).toBe(true);
  });

  it('sslCertificate: a TLS listener on 443 with the certificate to a TLS target group, TCP 8443 beside it, as kops', () => {
    const cert = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e';
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.kubernetesApiAccess = ['203.0.113.0/24'];
    cluster.spec.api = { loadBalancer: { sslCertificate: cert } };
    const tasks = build(cluster, userIGs(['us-east-1a']));
    const tls = targetGroupName(NAME, 'tls');
    const tcp = targetGroupName(NAME, 'tcp');
    expect(desired(tasks, `TargetGroup/${tls}`)).toMatchObject({ protocol: 'TLS', port: 443 });
    const l443 = desired(tasks, `NetworkLoadBalancerListener/api.${NAME}-443`);
    expect(l443).toMatchObject({ protocol: 'TLS', certificateArn: cert, sslPolicy: 'ELBSecurityPolicy-2016-08' });
    expect(refNames([l443['targetGroup']])).toEqual([`TargetGroup/${tls}`]);
    const l8443 = desired(tasks, `NetworkLoadBalancerListener/api.${NAME}-8443`);
    expect([l8443['protocol'], ...refNames([l8443['targetGroup']])]).toEqual(['TCP', `TargetGroup/${tcp}`]);
    expect(ingress(tasks, `api-elb.${NAME}`)).toContain('tcp 8443-8443 203.0.113.0/24');
    expect(ingress(tasks, `masters.${NAME}`)).toContain(`tcp 8443-8443 api-elb.${NAME}`);
    const cp = desired(tasks, `AutoscalingGroup/control-plane-us-east-1a.masters.${NAME}`);
    expect(refNames(cp['targetGroupArns'])).toContain(`TargetGroup/${tls}`);
    // sslPolicy is acted on.
    cluster.spec.api.loadBalancer!.sslPolicy = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
    expect(desired(build(cluster, userIGs(['us-east-1a'])), `NetworkLoadBalancerListener/api.${NAME}-443`)['sslPolicy']).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
  });

  it('additionalSecurityGroups are attached to the load balancer after api-elb', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.api = { loadBalancer: { additionalSecurityGroups: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'] } };
    const tasks = build(cluster, userIGs(['us-east-1a']));
    expect(refNames(desired(tasks, `NetworkLoadBalancer/api.${NAME}`)['securityGroups'])).toEqual([
      `SecurityGroup/api-elb.${NAME}`,
      'sg-0123456789abcdef0',
      'sg-0fedcba9876543210',
    ]);
  });

  it('masterPublicName / api.publicName name the API record when the cluster has DNS', () => {
    const def = build(withDns(userCluster(['us-east-1a'], { name: NAME })), userIGs(['us-east-1a']));
    expect(desired(def, `DNSName/api.${NAME}`)['name']).toBe(`api.${NAME}`);
    const master = withDns(userCluster(['us-east-1a'], { name: NAME }));
    master.spec.masterPublicName = 'k8s.example.com';
    const m = build(master, userIGs(['us-east-1a']));
    expect(desired(m, 'DNSName/k8s.example.com')).toMatchObject({ name: 'k8s.example.com', type: 'A' });
    expect(m.some((t) => t.kind === 'DNSName' && t.name === `api.${NAME}`)).toBe(false);
    const pub = withDns(userCluster(['us-east-1a'], { name: NAME }));
    pub.spec.api = { dns: {}, publicName: 'kube.example.com' };
    expect(desired(build(pub, userIGs(['us-east-1a'])), 'DNSName/kube.example.com')['name']).toBe('kube.example.com');
    // Without DNS there is no record at all.
    expect(build(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a'])).some((t) => t.kind === 'DNSName')).toBe(false);
  });

  it('puts a public load balancer in the utility subnets and an internal one in the private subnets, one per zone', () => {
    const pub = build(userCluster(['us-east-1a', 'us-east-1b'], { name: NAME, private: true }), userIGs(['us-east-1a', 'us-east-1b']));
    expect(refNames(desired(pub, `NetworkLoadBalancer/api.${NAME}`)['subnets'])).toEqual([`Subnet/utility-us-east-1a.${NAME}`, `Subnet/utility-us-east-1b.${NAME}`]);
    const cluster = userCluster(['us-east-1a', 'us-east-1b'], { name: NAME, private: true });
    cluster.spec.api = { loadBalancer: { type: 'Internal' } };
    const internal = build(cluster, userIGs(['us-east-1a', 'us-east-1b']));
    expect(desired(internal, `NetworkLoadBalancer/api.${NAME}`)['scheme']).toBe('internal');
    expect(refNames(desired(internal, `NetworkLoadBalancer/api.${NAME}`)['subnets'])).toEqual([`Subnet/us-east-1a.${NAME}`, `Subnet/us-east-1b.${NAME}`]);
  });

  it('registers APIServer groups with the API target group (not kops-controller\'s), in masters.<c>, with their own instance profile', () => {
    const igs = [...userIGs(['us-east-1a']), ig('apiserver', 'APIServer', ['us-east-1a'])];
    const tasks = build(userCluster(['us-east-1a'], { name: NAME }), igs);
    const asg = desired(tasks, `AutoscalingGroup/apiserver.apiservers.${NAME}`);
    expect(refNames(asg['targetGroupArns'])).toEqual([`TargetGroup/${targetGroupName(NAME, 'tcp')}`]);
    const lt = desired(tasks, `LaunchTemplate/apiserver.apiservers.${NAME}`);
    expect(refNames(lt['securityGroupIds'])).toEqual([`SecurityGroup/masters.${NAME}`]);
    // API servers run with kops's apiservers.<c> role (its own, narrower policy), not the control plane's.
    expect(refNames([lt['iamInstanceProfile']])).toEqual([`IAMInstanceProfile/apiservers.${NAME}`]);
  });
});

describe('the firewall', () => {
  it('names and describes the groups as kops does', () => {
    const tasks = build(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a']));
    expect(desired(tasks, `SecurityGroup/masters.${NAME}`)['description']).toBe('Security group for masters');
    expect(desired(tasks, `SecurityGroup/nodes.${NAME}`)['description']).toBe('Security group for nodes');
  });

  it('nodePortAccess: TCP and UDP 30000-32767 to the nodes from each CIDR, nothing without it', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.nodePortAccess = ['198.51.100.0/24', '2001:db8::/32'];
    const nodes = ingress(build(cluster, userIGs(['us-east-1a'])), `nodes.${NAME}`);
    expect(nodes.filter((l) => l.includes('30000-32767'))).toEqual([
      'tcp 30000-32767 198.51.100.0/24',
      'tcp 30000-32767 2001:db8::/32',
      'udp 30000-32767 198.51.100.0/24',
      'udp 30000-32767 2001:db8::/32',
    ]);
    const none = ingress(build(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a'])), `nodes.${NAME}`);
    expect(none.filter((l) => l.includes('30000'))).toEqual([]);
  });

  it('nodePortAccess opens kubeAPIServer.serviceNodePortRange when the spec sets it, as kops', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.nodePortAccess = ['198.51.100.0/24'];
    (cluster.spec as Record<string, unknown>).kubeAPIServer = { serviceNodePortRange: '31000-31999' };
    const nodes = ingress(build(cluster, userIGs(['us-east-1a'])), `nodes.${NAME}`);
    expect(nodes.filter((l) => l.includes('198.51.100.0/24'))).toEqual(['tcp 31000-31999 198.51.100.0/24', 'udp 31000-31999 198.51.100.0/24']);
  });

  it('takes managed prefix lists in the access lists as kops does (a rule per list, both ICMP families for PMTU)', () => {
    const cluster = userCluster(['us-east-1a'], { name: NAME });
    cluster.spec.kubernetesApiAccess = ['pl-0123456789abcdef0'];
    cluster.spec.sshAccess = ['pl-0123456789abcdef0'];
    cluster.spec.nodePortAccess = ['pl-0123456789abcdef0'];
    const tasks = build(cluster, userIGs(['us-east-1a']));
    const rules = tasks.filter((t) => t.kind === 'SecurityGroupRule').map((t) => t.desired as Record<string, unknown>).filter((d) => d['prefixList'] === 'pl-0123456789abcdef0');
    const lines = rules.map((d) => `${(d['group'] as { name: string }).name} ${String(d['protocol'])} ${String(d['fromPort'])}-${String(d['toPort'])}`).sort();
    expect(lines).toEqual([
      `api-elb.${NAME} icmp 3-4`,
      `api-elb.${NAME} icmpv6 -1--1`,
      `api-elb.${NAME} tcp 443-443`,
      `masters.${NAME} tcp 22-22`,
      `nodes.${NAME} tcp 22-22`,
      `nodes.${NAME} tcp 30000-32767`,
      `nodes.${NAME} udp 30000-32767`,
    ]);
    expect(rules.every((d) => d['cidr'] === undefined && d['ipv6Cidr'] === undefined)).toBe(true);
  });

  it('blocks every etcd port from the nodes, leases\' and cilium\'s too when they exist', () => {
    const cluster = completeCluster(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a'])).cluster;
    const m = (c: Cluster) => new AwsModelContext({ cluster: c, instanceGroups: [] });
    expect(nodeToMasterTcpRanges(m(cluster))).toEqual([[1, 2379], [2382, 4000], [4003, 65535]]);
    cluster.spec.etcdClusters!.push({ name: 'leases', etcdMembers: [] });
    cluster.spec.networking = { cilium: { etcdManaged: true } };
    expect(nodeToMasterTcpRanges(m(cluster))).toEqual([[1, 2379], [2384, 4000], [4003, 4003], [4005, 65535]]);
  });

  it('calico and kube-router get IP-in-IP from the nodes to the control plane; Amazon VPC everything', () => {
    const calico = userCluster(['us-east-1a'], { name: NAME });
    calico.spec.networking = { calico: {} };
    expect(ingress(build(calico, userIGs(['us-east-1a'])), `masters.${NAME}`)).toContain(`4 - nodes.${NAME}`);
    const vpc = userCluster(['us-east-1a'], { name: NAME });
    vpc.spec.networking = { amazonvpc: {} };
    expect(ingress(build(vpc, userIGs(['us-east-1a'])), `masters.${NAME}`)).toContain(`-1 - nodes.${NAME}`);
    expect(ingress(build(userCluster(['us-east-1a'], { name: NAME }), userIGs(['us-east-1a'])), `masters.${NAME}`).filter((l) => l.endsWith(` - nodes.${NAME}`))).toEqual([]);
  });
});

describe('the bastion', () => {
  function bastionCluster(): { cluster: Cluster; igs: InstanceGroup[] } {
    const cluster = userCluster(['us-east-1a', 'us-east-1b'], { name: NAME, private: true });
    cluster.spec.sshAccess = ['203.0.113.0/24'];
    return { cluster, igs: [...userIGs(['us-east-1a', 'us-east-1b']), ig('bastions', 'Bastion', ['us-east-1a', 'us-east-1b'])] };
  }

  it('sits behind an NLB on 22 in the utility subnets, SSH only through bastion-elb', () => {
    const { cluster, igs } = bastionCluster();
    const tasks = build(cluster, igs);
    const lb = desired(tasks, `NetworkLoadBalancer/bastion.${NAME}`);
    expect(lb['loadBalancerName']).toMatch(/^bastion-test-example-com-[0-9a-v]{6}$/);
    expect(lb['scheme']).toBe('internet-facing');
    expect(refNames(lb['subnets'])).toEqual([`Subnet/utility-us-east-1a.${NAME}`, `Subnet/utility-us-east-1b.${NAME}`]);
    expect(refNames(lb['securityGroups'])).toEqual([`SecurityGroup/bastion-elb.${NAME}`]);
    const tg = String(lb['loadBalancerName']);
    expect(desired(tasks, `TargetGroup/${tg}`)).toMatchObject({ protocol: 'TCP', port: 22 });
    expect(refNames([desired(tasks, `NetworkLoadBalancerListener/bastion.${NAME}-22`)['targetGroup']])).toEqual([`TargetGroup/${tg}`]);
    expect(refNames(desired(tasks, `AutoscalingGroup/bastions.${NAME}`)['targetGroupArns'])).toEqual([`TargetGroup/${tg}`]);
    expect(refNames(desired(tasks, `LaunchTemplate/bastions.${NAME}`)['securityGroupIds'])).toEqual([`SecurityGroup/bastion.${NAME}`]);
    expect(desired(tasks, `SecurityGroup/bastion.${NAME}`)['description']).toBe('Security group for bastion');
    expect(desired(tasks, `SecurityGroup/bastion-elb.${NAME}`)['description']).toBe('Security group for bastion ELB');
    expect(ingress(tasks, `bastion.${NAME}`)).toEqual([`icmp 3-4 bastion-elb.${NAME}`, `tcp 22-22 bastion-elb.${NAME}`]);
    const utility = completeCluster(cluster, igs).cluster.spec.subnets!.filter((s) => s.type === 'Utility').map((s) => s.cidr!);
    expect(ingress(tasks, `bastion-elb.${NAME}`)).toEqual(
      [
        'tcp 22-22 203.0.113.0/24',
        'icmp 3-4 203.0.113.0/24',
        `icmp 3-4 bastion.${NAME}`,
        ...utility.flatMap((u) => [`tcp 22-22 ${u}`, `icmp 3-4 ${u}`]),
      ].sort(),
    );
    for (const g of [`masters.${NAME}`, `nodes.${NAME}`]) {
      const ssh = ingress(tasks, g).filter((l) => l.startsWith('tcp 22-22'));
      expect(ssh, g).toEqual([`tcp 22-22 bastion.${NAME}`]);
    }
  });

  it('gets the record bastion.<cluster> with DNS, or bastionPublicName; none without DNS', () => {
    const { cluster, igs } = bastionCluster();
    expect(build(cluster, igs).some((t) => t.kind === 'DNSName')).toBe(false);
    withDns(cluster);
    const tasks = build(cluster, igs);
    expect(desired(tasks, `DNSName/bastion.${NAME}`)).toMatchObject({ name: `bastion.${NAME}`, type: 'A' });
    cluster.spec.topology = { ...cluster.spec.topology, bastion: { bastionPublicName: 'jump.example.com' } };
    const named = build(cluster, igs);
    const alias = desired(named, 'DNSName/jump.example.com')['alias'] as Record<string, unknown>;
    expect(refNames([alias['dnsName']])).toEqual([`NetworkLoadBalancer/bastion.${NAME}`]);
  });

  it('topology.bastion.loadBalancer: Internal in the private subnets, with its additional groups', () => {
    const { cluster, igs } = bastionCluster();
    cluster.spec.topology = { bastion: { loadBalancer: { type: 'Internal', additionalSecurityGroups: ['sg-0123456789abcdef0'] } } };
    const lb = desired(build(cluster, igs), `NetworkLoadBalancer/bastion.${NAME}`);
    expect(lb['scheme']).toBe('internal');
    expect(refNames(lb['subnets'])).toEqual([`Subnet/us-east-1a.${NAME}`, `Subnet/us-east-1b.${NAME}`]);
    expect(refNames(lb['securityGroups'])).toEqual([`SecurityGroup/bastion-elb.${NAME}`, 'sg-0123456789abcdef0']);
  });
});
