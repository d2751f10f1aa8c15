/**
 * validation-ig-aws.ts and the model of src/model/aws/ig-overrides.ts: an instance group's own
 * instance profile and security group, EbsOptimized and the Spot interruption behaviour.
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import type { InstanceGroupSpec } from '../../src/model/api/types.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];
const PROFILE = 'arn:aws:iam::123456789012:instance-profile/platform/my-nodes';

function diagnostics(spec: Partial<InstanceGroupSpec>, role: 'Node' | 'Master' = 'Node') {
  return validateCluster(userCluster(ZONES), [...userIGs(ZONES), ig('g', role, ['us-east-1a'], { minSize: 1, maxSize: 1, ...spec })]).filter((d) => (d.path ?? '').startsWith('InstanceGroup/g'));
}
const errors = (spec: Partial<InstanceGroupSpec>): string[] => errorLines(diagnostics(spec));

describe('iam.profile', () => {
  it("takes an instance profile ARN, with a path, in any partition (kops's examples)", () => {
    for (const p of [PROFILE, 'arn:aws:iam::123456789012:instance-profile/S3Access', 'arn:aws-cn:iam::123456789012:instance-profile/has/path/S3Access', 'arn:aws-us-gov:iam::123456789012:instance-profile/x']) {
      expect(errors({ iam: { profile: p } })).toEqual([]);
    }
  });

  it('refuses what is not an instance profile ARN (a role ARN, a name), naming the field', () => {
    for (const p of ['42', 'my-nodes', 'arn:aws:iam::123456789012:role/my-nodes', 'arn:aws:iam::123456789012:group/Developers']) {
      const d = diagnostics({ iam: { profile: p } }).filter((x) => x.severity === 'error');
      expect(d.map((x) => [x.code, x.path, x.summary])).toEqual([['InvalidInstanceProfile', 'InstanceGroup/g spec.iam.profile', `${JSON.stringify(p)} is not an instance profile ARN`]]);
    }
  });

  it('refuses one profile for groups of two roles (kops), at the second group', () => {
    const igs = [...userIGs(ZONES), ig('g', 'Node', ['us-east-1a'], { iam: { profile: PROFILE } }), ig('h', 'Bastion', ['us-east-1a'], { iam: { profile: PROFILE } })];
    const d = validateCluster(userCluster(ZONES, { private: true }), igs).filter((x) => x.code === 'InstanceProfileSharedByRoles');
    expect(d.map((x) => x.path)).toEqual(['InstanceGroup/h spec.iam.profile']);
    expect(d[0]?.summary).toBe(`${PROFILE} is also the profile of g, a Node group; this group is a Bastion group`);
  });

  it("refuses a profile named as one of the cluster's own (any path): two tasks would share its key, and delete cluster would delete it", () => {
    for (const [prefix, role] of [['nodes', 'Node'], ['masters', 'Node'], ['bastions', 'Node'], ['apiservers', 'Node'], ['nodes', 'Master']] as const) {
      for (const path of ['', 'some/path/']) {
        const p = `arn:aws:iam::123456789012:instance-profile/${path}${prefix}.test.example.com`;
        const d = diagnostics({ iam: { profile: p } }, role).filter((x) => x.severity === 'error');
        expect(d.map((x) => [x.code, x.path])).toEqual([['InstanceProfileIsClusters', 'InstanceGroup/g spec.iam.profile']]);
        expect(d[0]?.summary).toBe(`${prefix}.test.example.com is the name of the cluster's own ${prefix} instance profile, which kops-ts builds, changes and deletes with the cluster`);
        expect(d[0]?.hint).toContain('remove spec.iam.profile');
      }
    }
    // IAM names are unique without regard to case: Nodes.<cluster> is the cluster's profile too.
    expect(diagnostics({ iam: { profile: 'arn:aws:iam::123456789012:instance-profile/Nodes.Test.example.com' } }).map((x) => x.code)).toContain('InstanceProfileIsClusters');
    // Another cluster's profile, or a name that only contains the cluster's, is the user's.
    expect(errors({ iam: { profile: 'arn:aws:iam::123456789012:instance-profile/nodes.other.example.com' } })).toEqual([]);
    expect(errors({ iam: { profile: 'arn:aws:iam::123456789012:instance-profile/my-nodes.test.example.com' } })).toEqual([]);
  });

  it('reads from a manifest with no warning (it was kept with FieldNotActedOn before)', () => {
    const yaml = `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  iam:\n    profile: ${PROFILE}\n  securityGroupOverride: sg-0123456789abcdef0\n  rootVolumeOptimization: true\n`;
    const r = parseManifests(yaml, 'g.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.objects[0]?.spec).toMatchObject({ iam: { profile: PROFILE }, securityGroupOverride: 'sg-0123456789abcdef0', rootVolumeOptimization: true });
  });
});

describe('securityGroupOverride', () => {
  it('takes a security group id; refuses a name or a bad id at its path', () => {
    expect(errors({ securityGroupOverride: 'sg-0123456789abcdef0' })).toEqual([]);
    expect(errors({ securityGroupOverride: 'sg-12345678' })).toEqual([]);
    expect(errors({ securityGroupOverride: 'nodes.example.com' })).toEqual(['InstanceGroup/g spec.securityGroupOverride: "nodes.example.com" is not a security group id']);
    expect(errors({ securityGroupOverride: 'sg-XYZ' })).toEqual(['InstanceGroup/g spec.securityGroupOverride: "sg-XYZ" is not a security group id']);
  });
});

describe('instanceInterruptionBehavior', () => {
  it('is acted on with maxPrice: terminate is taken; stop and hibernate are refused (one-time Spot requests)', () => {
    expect(errors({ maxPrice: '0.05', instanceInterruptionBehavior: 'terminate' })).toEqual([]);
    for (const b of ['stop', 'hibernate'] as const) {
      const d = diagnostics({ maxPrice: '0.05', instanceInterruptionBehavior: b }).filter((x) => x.severity === 'error');
      expect(d.map((x) => [x.code, x.path])).toEqual([['UnsupportedInterruptionBehavior', 'InstanceGroup/g spec.instanceInterruptionBehavior']]);
    }
  });

  it('without maxPrice, or with a mixed-instances policy, is kept with a warning saying why (kops ignores it)', () => {
    const plain = diagnostics({ instanceInterruptionBehavior: 'stop' });
    expect(errorLines(plain)).toEqual([]);
    expect(plain.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.summary)).toEqual([expect.stringContaining('On-Demand instances (no maxPrice)')]);
    const mixed = diagnostics({ maxPrice: '0.05', mixedInstancesPolicy: { instances: ['t3.large'] }, instanceInterruptionBehavior: 'terminate' });
    expect(mixed.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.summary)).toEqual([expect.stringContaining('mixed-instances policy')]);
  });

  it('refuses a value that is not one of the three, at parse', () => {
    const yaml = `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  instanceInterruptionBehavior: pause\n`;
    expect(parseManifests(yaml, 'g.yaml').diagnostics.map((d) => `${d.severity} ${d.path}`)).toEqual(['error InstanceGroup/g spec.instanceInterruptionBehavior']);
  });
});

describe('fields kops reads only for its cluster-autoscaler addon, or never', () => {
  it('autoscale and autoscalePriority are typed (the autoscaler acts on them); rootVolumeDeleteOnTermination is kept with a warning saying why', () => {
    const yaml = `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  autoscale: false\n  autoscalePriority: 10\n  rootVolumeDeleteOnTermination: false\n`;
    const d = parseManifests(yaml, 'g.yaml').diagnostics;
    expect(d.map((x) => [x.severity, x.code, x.path])).toEqual([['warning', 'FieldNotActedOn', 'InstanceGroup/g spec.rootVolumeDeleteOnTermination']]);
    expect(d[0]?.summary).toContain('unused');
    const bad = `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  autoscale: "no"\n  autoscalePriority: high\n`;
    expect(parseManifests(bad, 'g.yaml').diagnostics.map((x) => `${x.severity} ${x.path}`)).toEqual(['error InstanceGroup/g spec.autoscale', 'error InstanceGroup/g spec.autoscalePriority']);
  });

  it('without the cluster autoscaler, validation keeps autoscale and autoscalePriority with a warning saying why (test/model/cluster-autoscaler.test.ts has the rest)', () => {
    const d = validateCluster(userCluster(ZONES), [...userIGs(ZONES), ig('g', 'Node', ['us-east-1a'], { autoscale: false, autoscalePriority: 10 })]).filter((x) => x.code === 'FieldNotActedOn');
    expect(d.map((x) => x.path)).toEqual(['InstanceGroup/g spec.autoscale', 'InstanceGroup/g spec.autoscalePriority']);
    expect(d[0]?.summary).toContain('cluster autoscaler is not enabled');
  });
});

describe('on GCE', () => {
  it('the AWS-only fields are kept, not acted on, with a warning each', () => {
    const r = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
    const nodes = r.instanceGroups.find((g) => g.spec.role === 'Node')!;
    Object.assign(nodes.spec, { iam: { profile: 'x' }, securityGroupOverride: 'y', rootVolumeOptimization: true, instanceInterruptionBehavior: 'stop' });
    const diags = validateCluster(r.cluster, r.instanceGroups);
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diags.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path)).toEqual(
      ['securityGroupOverride', 'rootVolumeOptimization', 'instanceInterruptionBehavior', 'iam.profile'].map((f) => `InstanceGroup/${nodes.metadata.name} spec.${f}`),
    );
  });
});

describe('the model', () => {
  function tasks(edit: (igs: ReturnType<typeof userIGs>) => void) {
    const igs = userIGs(ZONES);
    edit(igs);
    const done = completeCluster(userCluster(ZONES, { name: 'm.example.com' }), igs);
    return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups });
  }
  const keys = (ts: ReturnType<typeof tasks>, prefix: string) => ts.map((t) => `${t.kind}/${t.name}${t.shared ? ' (shared)' : ''}`).filter((k) => k.startsWith(prefix)).sort();

  it("builds no nodes role or profile when every node group has its own profile; the control plane's stays", () => {
    const ts = tasks((igs) => igs.filter((g) => g.spec.role === 'Node').forEach((g) => (g.spec.iam = { profile: PROFILE })));
    expect(keys(ts, 'IAM').filter((k) => k.includes('nodes.'))).toEqual([]);
    expect(keys(ts, 'IAMInstanceProfile/')).toEqual(['IAMInstanceProfile/masters.m.example.com', 'IAMInstanceProfile/my-nodes (shared)']);
    expect(ts.find((t) => t.kind === 'IAMInstanceProfile' && t.shared)?.desired).toEqual({ tags: {}, arn: PROFILE });
  });

  it('two groups overriding with one security group share one shared task; the role group stays', () => {
    const ts = tasks((igs) => igs.filter((g) => g.spec.role === 'Node').forEach((g) => (g.spec.securityGroupOverride = 'sg-0123456789abcdef0')));
    expect(keys(ts, 'SecurityGroup/')).toEqual(['SecurityGroup/api-elb.m.example.com', 'SecurityGroup/masters.m.example.com', 'SecurityGroup/nodes.m.example.com', 'SecurityGroup/sg-0123456789abcdef0 (shared)']);
  });
});
