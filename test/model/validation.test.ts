import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { validateCluster } from '../../src/model/validation.js';
import type { Cluster } from '../../src/model/api/types.js';
import { codes, errorLines, FIXTURES, ig, loadFixture, userCluster, userIGs } from './helpers.js';

describe('validateCluster on good specs', () => {
  it('accepts every fixture with no errors (and the kops-written ones with no warnings)', () => {
    for (const name of FIXTURES) {
      const { cluster, igs } = loadFixture(name);
      const diags = validateCluster(cluster, igs, { file: `${name}.yaml` });
      expect(errorLines(diags), name).toEqual([]);
      if (!name.endsWith('fields') && name !== 'kops-full') expect(diags, name).toEqual([]);
    }
  });

  it('accepts a bare user spec: what completion fills in never counts as missing', () => {
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    expect(validateCluster(userCluster(zones), userIGs(zones, zones))).toEqual([]);
    expect(validateCluster(userCluster(zones, { private: true }), userIGs(zones))).toEqual([]);
  });

  it('does not change its input', () => {
    const c = userCluster(['us-east-1a']);
    const igs = userIGs(['us-east-1a']);
    const before = structuredClone([c, igs]);
    validateCluster(c, igs);
    expect([c, igs]).toEqual(before);
  });
});

describe('names', () => {
  const withName = (name: string) => {
    const c = userCluster(['us-east-1a'], { name });
    return errorLines(validateCluster(c, userIGs(['us-east-1a'])));
  };

  it('wants a lower-case DNS name with at least one dot for the cluster', () => {
    expect(withName('my-cluster.example.com')).toEqual([]);
    for (const bad of ['mycluster', 'My.Example.com', 'a_b.example.com', '-a.example.com', 'a..example.com']) {
      expect(withName(bad), bad).toEqual([`metadata.name: ${JSON.stringify(bad)} is not a valid cluster name: it must be a lower-case DNS name with at least one dot`]);
    }
  });

  it('wants DNS labels for instance groups and subnets', () => {
    const c = userCluster(['us-east-1a']);
    c.spec.subnets![0]!.name = 'Zone_A';
    const igs = [ig('control-plane.a', 'Master', ['Zone_A']), ig('nodes', 'Node', ['Zone_A']), ig('nodes', 'Node', ['Zone_A'])];
    expect(errorLines(validateCluster(c, igs))).toEqual([
      'spec.subnets[0].name: "Zone_A" is not a valid subnet name',
      'InstanceGroup/control-plane.a metadata.name: "control-plane.a" is not a valid instance group name',
      'InstanceGroup/nodes metadata.name: instance group nodes is defined twice',
    ]);
  });
});

describe('cloud provider', () => {
  const withCloud = (cloudProvider: Cluster['spec']['cloudProvider']) => {
    const c = userCluster(['us-east-1a']);
    c.spec.cloudProvider = cloudProvider;
    return validateCluster(c, userIGs(['us-east-1a']));
  };

  it('supports aws and gce, and says the others are not supported yet', () => {
    expect(withCloud({ aws: {} })).toEqual([]);
    expect(errorLines(withCloud('azure'))).toContain('spec.cloudProvider: cloud provider azure is not supported by kops-ts yet');
    expect(codes(withCloud(undefined))).toContain('MissingCloudProvider');
    expect(codes(withCloud({ aws: {}, gce: {} }))).toContain('InvalidCloudProvider');
  });
});

describe('kubernetesVersion', () => {
  const withVersion = (v: string, previous?: string) => {
    const c = userCluster(['us-east-1a']);
    c.spec.kubernetesVersion = v;
    const prev = previous ? { ...userCluster(['us-east-1a']), spec: { kubernetesVersion: previous } } : undefined;
    return validateCluster(c, userIGs(['us-east-1a']), prev ? { previous: prev } : {});
  };

  it('parses with or without v and must be in the supported range', () => {
    expect(withVersion('1.36.3')).toEqual([]);
    expect(withVersion('v1.36.3')).toEqual([]);
    expect(errorLines(withVersion('1.36'))).toEqual(['spec.kubernetesVersion: "1.36" is not a Kubernetes version']);
    expect(errorLines(withVersion('latest'))).toEqual(['spec.kubernetesVersion: "latest" is not a Kubernetes version']);
    expect(errorLines(withVersion('1.31.9'))).toEqual(['spec.kubernetesVersion: Kubernetes 1.31.9 is no longer supported (kops-ts supports 1.32 to 1.37)']);
    expect(errorLines(withVersion('v1.38.0'))).toEqual(['spec.kubernetesVersion: Kubernetes 1.38.0 is newer than kops-ts supports (1.32 to 1.37)']);
    expect(withVersion('1.33.2').map((d) => `${d.severity} ${d.code}`)).toEqual(['warning DeprecatedKubernetesVersion']);
  });

  it('follows the skew policy against the last applied version', () => {
    expect(withVersion('1.36.0', '1.35.7')).toEqual([]);
    expect(withVersion('1.35.9', '1.35.7')).toEqual([]);
    const skip = withVersion('1.36.0', '1.34.10').find((d) => d.code === 'VersionSkew')!;
    expect(skip.summary).toBe('upgrading from 1.34.10 to 1.36.0 skips 1 minor version');
    expect(skip.hint).toContain('first to 1.35.x');
    expect(errorLines(withVersion('1.34.1', '1.35.0'))).toEqual(['spec.kubernetesVersion: 1.34.1 would downgrade the running 1.35.0 by a minor version']);
    expect(withVersion('1.35.1', 'v1.35.4').map((d) => `${d.severity} ${d.code}`)).toEqual(['warning VersionDowngrade']);
  });
});

describe('all problems at once', () => {
  it('reports every problem of a broken spec in one run, each with its path and file', () => {
    const c = userCluster(['us-east-1a', 'us-east-1b', 'us-west-2c'], { name: 'broken' });
    c.spec.kubernetesVersion = '1.30.0';
    c.spec.networkCIDR = '10.0.0.0/16';
    c.spec.subnets![0]!.cidr = '10.0.0.0/24';
    c.spec.subnets![1]!.cidr = '10.0.0.128/25';
    c.spec.subnets![2]!.cidr = '10.0.0.0/33';
    c.spec.sshAccess = ['0.0.0.0'];
    c.spec.api = { loadBalancer: { class: 'Classic' } };
    c.spec.rollingUpdate = { maxSurge: -1 };
    c.spec.networking = { cilium: {}, calico: {} };
    const igs = [
      ig('control-plane-us-east-1a', 'Master', ['us-east-1a']),
      ig('control-plane-us-east-1b', 'Master', ['us-east-1b']),
      ig('nodes', 'Node', ['us-east-1d'], { minSize: 3, maxSize: 2 }),
    ];
    const diags = validateCluster(c, igs, { file: 'broken.yaml' });
    expect(errorLines(diags)).toEqual([
      'metadata.name: "broken" is not a valid cluster name: it must be a lower-case DNS name with at least one dot',
      'spec.kubernetesVersion: Kubernetes 1.30.0 is no longer supported (kops-ts supports 1.32 to 1.37)',
      'spec.sshAccess[0]: 0.0.0.0 is not a valid CIDR (did you mean "0.0.0.0/32"?)',
      'spec.networking: only one networking option may be set, found cilium, calico',
      'spec.subnets[1].cidr: 10.0.0.128/25 overlaps spec.subnets[0].cidr 10.0.0.0/24',
      'spec.subnets[2].cidr: 10.0.0.0/33 is not a valid CIDR',
      'spec.subnets[2].zone: subnet us-west-2c is in region us-west-2, but spec.subnets[0] is in us-east-1',
      'spec.api.loadBalancer.class: Classic load balancers are no longer supported for the API, as in kops',
      'spec.etcdClusters[0].etcdMembers: etcd cluster main has 2 members; quorum needs an odd number',
      'InstanceGroup/nodes spec.maxSize: maxSize 2 is smaller than minSize 3',
      'InstanceGroup/nodes spec.subnets[0]: subnet us-east-1d is not defined in the cluster',
      'spec.rollingUpdate.maxSurge: -1 is not a whole number >= 0',
    ]);
    expect(diags.every((d) => d.file === 'broken.yaml' && d.hint)).toBe(true);
    expect(formatDiagnostic(diags.find((d) => d.path === 'spec.subnets[2].cidr')!)).toBe(
      'error: spec.subnets[2].cidr: 10.0.0.0/33 is not a valid CIDR (broken.yaml): give a valid subnet CIDR, e.g. 10.0.0.0/16',
    );
  });
});

describe('other cluster rules', () => {
  it('refuses legacy IAM and kops-reserved cloud labels', () => {
    const c = userCluster(['us-east-1a']);
    c.spec.iam = { legacy: true };
    c.spec.cloudLabels = { team: 'a', KubernetesCluster: 'x', 'kubernetes.io/cluster/x': 'owned' };
    expect(errorLines(validateCluster(c, userIGs(['us-east-1a'])))).toEqual([
      'spec.cloudLabels["KubernetesCluster"]: KubernetesCluster is reserved for kops\'s own tags',
      'spec.cloudLabels["kubernetes.io/cluster/x"]: the prefix kubernetes.io/cluster/ is reserved for kops\'s own tags',
      'spec.iam.legacy: legacy IAM permissions are no longer supported, as in kops',
    ]);
  });
});

describe('cluster name length on AWS', () => {
  it('takes names up to 106 characters (the tag key kubernetes.io/cluster/<name> stops at 128) and refuses longer ones', () => {
    const named = (n: number) => `${'a'.repeat(n - 'b'.repeat(50).length - '.example.com'.length - 1)}.${'b'.repeat(50)}.example.com`;
    expect(named(106)).toHaveLength(106);
    expect(validateCluster(userCluster(['us-east-1a'], { name: named(106) }), userIGs(['us-east-1a']))).toEqual([]);
    expect(errorLines(validateCluster(userCluster(['us-east-1a'], { name: named(107) }), userIGs(['us-east-1a'])))).toEqual([
      'metadata.name: the cluster name is 107 characters; on AWS it can be at most 106, as every resource carries the tag kubernetes.io/cluster/<name> and AWS tag keys are at most 128 characters',
    ]);
  });
});
