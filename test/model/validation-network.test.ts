import { describe, expect, it } from 'vitest';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { codes, errorLines, ig, loadFixture, userCluster, userIGs } from './helpers.js';

const errorsOf = (c: Cluster, igs: InstanceGroup[] = userIGs(['us-east-1a'])) => errorLines(validateCluster(c, igs));

function cluster(edit: (c: Cluster) => void, zones = ['us-east-1a'], opts: { private?: boolean } = {}): Cluster {
  const c = userCluster(zones, opts);
  edit(c);
  return c;
}

describe('network CIDRs', () => {
  it('checks the network, pod and service ranges', () => {
    expect(errorsOf(cluster((c) => (c.spec.networkCIDR = '172.20.0.0/33')))).toEqual(['spec.networkCIDR: 172.20.0.0/33 is not a valid CIDR']);
    expect(errorsOf(cluster((c) => (c.spec.networkCIDR = '100.64.0.0/16')))).toEqual([
      'spec.nonMasqueradeCIDR: 100.64.0.0/10 overlaps the network CIDR 100.64.0.0/16',
      'spec.subnets[0].cidr: 100.64.0.0/16 overlaps serviceClusterIPRange 100.64.0.0/13',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.podCIDR = '10.0.0.0/16')))).toEqual(['spec.podCIDR: 10.0.0.0/16 is not inside nonMasqueradeCIDR 100.64.0.0/10']);
    expect(errorsOf(cluster((c) => (c.spec.serviceClusterIPRange = '100.64.0.1/13')))).toEqual([
      'spec.serviceClusterIPRange: 100.64.0.1/13 has bits set outside its prefix (did you mean "100.64.0.0/13"?)',
    ]);
  });

  it('keeps subnets inside the network, apart, and clear of pod and service ranges', () => {
    const c = cluster(
      (x) => {
        x.spec.subnets![0]!.cidr = '172.20.0.0/17';
        x.spec.subnets![1]!.cidr = '172.20.64.0/18';
        x.spec.subnets![2]!.cidr = '10.9.0.0/18';
      },
      ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    );
    expect(errorsOf(c)).toEqual([
      'spec.subnets[1].cidr: 172.20.64.0/18 overlaps spec.subnets[0].cidr 172.20.0.0/17',
      'spec.subnets[2].cidr: 10.9.0.0/18 is not inside the network CIDR 172.20.0.0/16',
    ]);
    const clash = cluster((x) => {
      x.spec.networkCIDR = '100.0.0.0/8';
      x.spec.nonMasqueradeCIDR = '100.64.0.0/10';
      x.spec.networking = { amazonvpc: {} };
      x.spec.subnets![0]!.cidr = '100.64.0.0/24';
    });
    expect(errorsOf(clash)).toEqual(['spec.subnets[0].cidr: 100.64.0.0/24 overlaps serviceClusterIPRange 100.64.0.0/13']);
  });

  it('reports subnets that completion could not fit in the network', () => {
    const z = Array.from({ length: 9 }, (_, i) => `us-east-1${'abcdefghi'[i]}`);
    expect(errorsOf(userCluster(z))).toEqual([
      'spec.subnets[8].cidr: subnet us-east-1i has no CIDR and none could be assigned from 172.20.0.0/16',
    ]);
  });

  it('accepts CIDRs and AWS prefix lists for admin access', () => {
    expect(errorsOf(cluster((c) => (c.spec.kubernetesApiAccess = ['10.0.0.0/8', 'pl-0123abcd', '2001:db8::/32'])))).toEqual([]);
    expect(errorsOf(cluster((c) => (c.spec.sshAccess = ['10.0.0.0/8', '1.2.3.4'])))).toEqual(['spec.sshAccess[1]: 1.2.3.4 is not a valid CIDR (did you mean "1.2.3.4/32"?)']);
  });
});

describe('zones and subnets', () => {
  it('keeps every subnet in one region and checks the declared region', () => {
    expect(errorsOf(cluster((c) => (c.spec.subnets![1]!.zone = 'eu-west-1b'), ['us-east-1a', 'us-east-1b']))).toEqual([
      'spec.subnets[1].zone: subnet us-east-1b is in region eu-west-1, but spec.subnets[0] is in us-east-1',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.subnets![0]!.region = 'us-east-2')))).toEqual(['spec.subnets[0].region: region us-east-2 does not hold zone us-east-1a']);
    expect(errorsOf(cluster((c) => delete c.spec.subnets![0]!.zone))).toEqual(['spec.subnets[0].zone: subnet us-east-1a has no zone']);
    // Local zones belong to their parent region.
    expect(errorsOf(cluster(() => {}, ['us-west-2a', 'us-west-2-lax-1a']), userIGs(['us-west-2a']))).toEqual([]);
  });

  it('wants unique names and one kind of subnet: all shared or all created', () => {
    const c = cluster((x) => {
      x.spec.subnets![1]!.name = 'us-east-1a';
      x.spec.subnets![1]!.id = 'subnet-0abc';
    }, ['us-east-1a', 'us-east-1b']);
    expect(errorsOf(c)).toEqual([
      'spec.subnets[1].name: subnet name us-east-1a is used twice',
      'spec.subnets[1].id: subnets given by id (shared) and subnets to create cannot be mixed',
    ]);
  });

  it('wants a utility subnet in the zone of each private subnet, unless egress is given', () => {
    const c = cluster((x) => (x.spec.subnets = x.spec.subnets!.filter((s) => s.name !== 'utility-us-east-1b')), ['us-east-1a', 'us-east-1b'], { private: true });
    expect(errorsOf(c)).toEqual(['spec.subnets[1]: private subnet us-east-1b has no utility subnet in us-east-1b for its NAT gateway']);
    c.spec.subnets![1]!.egress = 'nat-0123456789abcdef0';
    expect(errorsOf(c)).toEqual([]);
    c.spec.subnets![1]!.egress = 'gateway-1';
    expect(errorsOf(c)).toEqual([
      'spec.subnets[1].egress: gateway-1 is not a NAT gateway (nat-), elastic IP (eipalloc-), instance (i-), transit gateway (tgw-) or External',
    ]);
    // A NAT gateway on the user's elastic IP is still kops-ts's, in the zone's utility subnet.
    c.spec.subnets![1]!.egress = 'eipalloc-0123456789abcdef0';
    expect(errorsOf(c)).toEqual(['spec.subnets[1]: private subnet us-east-1b has no utility subnet in us-east-1b for its NAT gateway']);
    for (const egress of ['i-0123456789abcdef0', 'tgw-0123456789abcdef0', 'External']) {
      c.spec.subnets![1]!.egress = egress;
      expect(errorsOf(c), egress).toEqual([]);
    }
  });

  it('refuses two egress values among the private subnets of one zone (one route table), External aside', () => {
    const c = cluster((x) => {
      x.spec.subnets!.push({ name: 'more-us-east-1a', zone: 'us-east-1a', type: 'Private', cidr: '172.20.128.0/20', egress: 'tgw-0123456789abcdef0' });
    }, ['us-east-1a'], { private: true });
    expect(errorsOf(c)).toEqual([
      'spec.subnets[2].egress: private subnets in us-east-1a route through one table, but more-us-east-1a has egress tgw-0123456789abcdef0 and spec.subnets[0] has unset (a NAT gateway kops-ts creates)',
    ]);
    c.spec.subnets![2]!.egress = 'External';
    expect(errorsOf(c)).toEqual([]);
  });

  it('refuses /64#N subnet ranges in a shared VPC (its IPv6 block is the user\'s), accepts a literal /64', () => {
    const c = cluster((x) => {
      x.spec.networkID = 'vpc-1';
      x.spec.networkCIDR = '172.20.0.0/16';
      x.spec.subnets![0]!.ipv6CIDR = '/64#1';
    });
    expect(errorsOf(c)).toEqual(["spec.subnets[0].ipv6CIDR: /64#1 counts /64s in the IPv6 block of a VPC kops-ts owns; the shared VPC vpc-1 is the user's"]);
    c.spec.subnets![0]!.ipv6CIDR = '2600:1f18:abc:de01::/64';
    expect(errorsOf(c)).toEqual([]);
  });

  it('refuses IPv6-only clusters on AWS, whose egress-only gateway and NAT64 routes kops-ts does not build', () => {
    expect(errorsOf(cluster((c) => (c.spec.nonMasqueradeCIDR = '::/0')))).toEqual([
      'spec.nonMasqueradeCIDR: IPv6-only clusters are not supported by kops-ts yet (their egress-only gateway and NAT64 routes are not built)',
    ]);
  });

  it('takes additional network CIDRs (IPv4, apart from the others) and subnets inside them', () => {
    const c = cluster((x) => {
      x.spec.networkCIDR = '10.0.0.0/16';
      x.spec.additionalNetworkCIDRs = ['10.1.0.0/16'];
      x.spec.subnets!.push({ name: 'us-east-1a-1', zone: 'us-east-1a', type: 'Public', cidr: '10.1.0.0/16' });
    });
    expect(errorsOf(c)).toEqual([]);
    c.spec.additionalNetworkCIDRs = ['10.0.128.0/17', '2001:db8::/56', '10.1.0.0/16', '10.1.0.0/20'];
    expect(errorsOf(c)).toEqual([
      'spec.additionalNetworkCIDRs[0]: 10.0.128.0/17 overlaps spec.networkCIDR 10.0.0.0/16',
      "spec.additionalNetworkCIDRs[1]: 2001:db8::/56 is not an IPv4 range: additional VPC ranges are IPv4 (the IPv6 block is Amazon's)",
      'spec.additionalNetworkCIDRs[3]: 10.1.0.0/20 overlaps spec.additionalNetworkCIDRs[2] 10.1.0.0/16',
    ]);
  });
});

describe('topology and the API', () => {
  it('needs a hosted zone for Public or Private DNS off AWS (AWS finds it), and refuses gossip names', () => {
    // AWS: no dnsZone is fine, update cluster's pre-flight finds the zone as kops does.
    expect(errorsOf(cluster((c) => (c.spec.topology = { dns: { type: 'Public' } })))).toEqual([]);
    expect(errorsOf(cluster((c) => (c.spec.topology = { dns: { type: 'Private' } })))).toEqual([]);
    const gce = cluster((c) => {
      c.spec.cloudProvider = 'gce';
      c.spec.topology = { dns: { type: 'Public' } };
    });
    expect(errorsOf(gce)).toContain("spec.dnsZone: DNS type Public needs a hosted zone to publish the API's records in");
    const gossip = userCluster(['us-east-1a'], { name: 'demo.k8s.local' });
    gossip.spec.topology = { dns: { type: 'Public' } };
    gossip.spec.dnsZone = 'k8s.local';
    expect(codes(validateCluster(gossip, userIGs(['us-east-1a'])))).toEqual(['GossipNotSupported']);
    expect(validateCluster(userCluster(['us-east-1a'], { name: 'demo.k8s.local' }), userIGs(['us-east-1a']))).toEqual([]);
  });

  it('wants the API\'s (and a named bastion\'s) DNS name in the zone spec.dnsZone names, before anything is created', () => {
    const inZone = (zone: string, more: (c: Cluster) => void = () => undefined) =>
      errorsOf(
        cluster((c) => {
          c.spec.topology = { dns: { type: 'Private' } };
          c.spec.dnsZone = zone;
          more(c);
        }),
      );
    expect(inZone('example.com')).toEqual([]);
    expect(inZone('test.example.com.')).toEqual([]);
    expect(inZone('Z0123456789ABC')).toEqual([]); // an id: its name is known once the zone is found
    // Route53 refused the record at apply, after the rest of the cluster had been created.
    expect(inZone('priv.example.com')).toEqual(['metadata.name: the DNS name api.test.example.com is not in the hosted zone priv.example.com (spec.dnsZone), where kops-ts would publish it']);
    expect(inZone('priv.example.com', (c) => (c.spec.api = { dns: {}, publicName: 'kube.priv.example.com' }))).toEqual([]);
    expect(inZone('example.com', (c) => (c.spec.masterPublicName = 'api.other.net'))).toEqual(['spec.masterPublicName: the DNS name api.other.net is not in the hosted zone example.com (spec.dnsZone), where kops-ts would publish it']);
    expect(inZone('example.com', (c) => (c.spec.topology = { dns: { type: 'Private' }, bastion: { bastionPublicName: 'jump.example.org' } }))).toEqual([
      'spec.topology.bastion.bastionPublicName: the DNS name jump.example.org is not in the hosted zone example.com (spec.dnsZone), where kops-ts would publish it',
    ]);
  });

  it('reaches the API through a Network load balancer, Public or Internal', () => {
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { class: 'Classic' } })))).toEqual([
      'spec.api.loadBalancer.class: Classic load balancers are no longer supported for the API, as in kops',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { type: 'Internal' } })))).toEqual([
      'spec.api.loadBalancer.type: an Internal load balancer needs at least one subnet of type Private',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { type: 'Internal' } }), ['us-east-1a'], { private: true }))).toEqual([]);
    expect(errorsOf(cluster((c) => (c.spec.api = { dns: {} })))).toEqual([
      'spec.api.loadBalancer: with topology.dns.type None the API is reached through a load balancer, and none is set',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { additionalSecurityGroups: ['sg-1', 'web', 'sg-1'] } })))).toEqual([
      'spec.api.loadBalancer.additionalSecurityGroups[1]: "web" is not a security group id',
      'spec.api.loadBalancer.additionalSecurityGroups[2]: sg-1 is listed twice',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { sslPolicy: 'ELBSecurityPolicy-2016-08' } })))).toEqual([
      'spec.api.loadBalancer.sslPolicy: sslPolicy is the policy of the TLS listener, which only sslCertificate creates',
    ]);
    expect(errorsOf(cluster((c) => (c.spec.api = { loadBalancer: { sslPolicy: 'ELBSecurityPolicy-2016-08', sslCertificate: 'arn:aws:acm:us-east-1:1:certificate/x' } })))).toEqual([]);
  });

  it('checks the bastion load balancer\'s additional security groups', () => {
    const c = cluster((x) => (x.spec.topology = { ...x.spec.topology, bastion: { loadBalancer: { additionalSecurityGroups: ['bastion-extra'] } } }), ['us-east-1a'], { private: true });
    expect(errorsOf(c)).toEqual(['spec.topology.bastion.loadBalancer.additionalSecurityGroups[0]: "bastion-extra" is not a security group id']);
  });
});

describe('networking', () => {
  it('wants exactly one networking option that kops-ts supports on this cloud', () => {
    expect(errorsOf(cluster((c) => (c.spec.networking = {})))).toEqual(['spec.networking: no networking option is set']);
    expect(errorsOf(cluster((c) => (c.spec.networking = { cilium: {}, kubenet: {} })))).toEqual(['spec.networking: only one networking option may be set, found cilium, kubenet']);
    expect(errorsOf(cluster((c) => ((c.spec.networking as Record<string, unknown>) = { gce: {} })))).toEqual(['spec.networking.gce: GCE IP-alias networking runs on GCE only']);
    const kopeio = cluster(() => {});
    (kopeio.spec.networking as Record<string, unknown>) = { kopeio: {} };
    expect(errorsOf(kopeio)).toEqual(['spec.networking.kopeio: networking kopeio is not supported by kops-ts']);
  });
});

describe('GCE', () => {
  const gce = (): Cluster => ({
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'Cluster',
    metadata: { name: 'gce.example.com' },
    spec: { cloudProvider: 'gce', project: 'p', networking: { cilium: {} }, subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public' }] },
  });
  const igs = () => [ig('control-plane-us-central1-a', 'Master', ['us-central1'], { zones: ['us-central1-a'] }), ig('nodes', 'Node', ['us-central1'], { zones: ['us-central1-a', 'us-central1-b'] })];

  it('accepts kops GCE layout: regional subnets, zones on instance groups', () => {
    expect(validateCluster(gce(), igs())).toEqual([]);
  });

  it('applies kops GCE rules: no networkCIDR, regional subnets, zones required', () => {
    const c = gce();
    c.spec.networkCIDR = '10.0.0.0/16';
    c.spec.subnets![0]!.zone = 'us-central1-a';
    const groups = igs();
    delete groups[1]!.spec.zones;
    expect(errorsOf(c, groups)).toEqual([
      'spec.networkCIDR: GCE does not take a networkCIDR: kops allocates the subnet ranges in the VPC',
      'spec.subnets[0].zone: GCE subnets are regional and take no zone',
      'InstanceGroup/nodes spec.zones: a GCE instance group must list its zones',
    ]);
    const elsewhere = igs();
    elsewhere[0]!.spec.zones = ['europe-west1-b'];
    expect(errorsOf(gce(), elsewhere)).toEqual([
      "InstanceGroup/control-plane-us-central1-a spec.zones[0]: zone europe-west1-b is not in the cluster's region us-central1",
    ]);
  });
});

describe('fixtures', () => {
  it('the private fixture is valid, and breaking it is reported where it breaks', () => {
    const { cluster: c, igs } = loadFixture('kops-private');
    expect(validateCluster(c, igs)).toEqual([]);
    c.spec.subnets = c.spec.subnets!.filter((s) => s.type !== 'Private');
    expect(codes(validateCluster(c, igs))).toEqual(expect.arrayContaining(['UnknownSubnet', 'BastionNeedsPrivateTopology']));
  });
});

describe('CNI options kops-ts types', () => {
  it("refuses Calico's eBPF data plane with kube-proxy on (or unset), as kops does", () => {
    const bpf = (kubeProxy?: { enabled?: boolean }) =>
      errorsOf(cluster((c) => {
        c.spec.networking = { calico: { bpfEnabled: true } };
        if (kubeProxy) (c.spec as Record<string, unknown>).kubeProxy = kubeProxy;
      }));
    const refused = 'spec.kubeProxy.enabled: calico in BPF mode (spec.networking.calico.bpfEnabled: true) requires kube-proxy to be disabled';
    expect(bpf()).toEqual([refused]);
    expect(bpf({ enabled: true })).toEqual([refused]);
    expect(bpf({ enabled: false })).toEqual([]);
  });

  it("refuses Cilium's ENI IPAM off AWS", () => {
    const gce = userCluster(['us-central1-a']);
    gce.spec.cloudProvider = 'gce';
    gce.spec.subnets = [{ name: 'us-central1', region: 'us-central1', type: 'Public' }];
    gce.spec.networking = { cilium: { ipam: 'eni' } };
    const igs = [ig('control-plane-us-central1-a', 'Master', ['us-central1'], { zones: ['us-central1-a'] }), ig('nodes', 'Node', ['us-central1'], { zones: ['us-central1-a'] })];
    expect(errorsOf(gce, igs)).toContain("spec.networking.cilium.ipam: Cilium's ENI IPAM runs on AWS only");
    expect(errorsOf(cluster((c) => (c.spec.networking = { cilium: { ipam: 'eni' } })))).toEqual([]);
  });
});
