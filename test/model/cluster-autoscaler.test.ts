/**
 * `spec.clusterAutoscaler` in the model: kops's defaults (completion), the checks of every field,
 * the groups' `autoscale`/`autoscalePriority` warnings, and the discovery tags on the autoscaling
 * groups the AWS model builds.
 */
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, ClusterAutoscalerSpec, InstanceGroup } from '../../src/model/api/types.js';
import { completeCluster } from '../../src/model/completion.js';
import { validateCluster } from '../../src/model/validation.js';
import { buildAwsTasks } from '../../src/model/aws/index.js';
import type { AutoscalingGroupDesired } from '../../src/tasks/aws/autoscaling-group.js';
import type { LaunchTemplateDesired } from '../../src/tasks/aws/launch-template.js';
import { defaultAutoscalerImage, re2Problem } from '../../src/model/cluster-autoscaler.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const NAME = 'ca.example.com';
const ZONES = ['us-east-1a', 'us-east-1b'];
const KEY = { key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin', fingerprint: '00:11:22' };

function spec(ca: ClusterAutoscalerSpec | undefined, extraIgs: InstanceGroup[] = []): { cluster: Cluster; igs: InstanceGroup[] } {
  const cluster = userCluster(ZONES, { name: NAME });
  if (ca) cluster.spec.clusterAutoscaler = ca;
  return { cluster, igs: [...userIGs(ZONES), ...extraIgs] };
}

const completedCa = (ca: ClusterAutoscalerSpec, version?: string) => {
  const s = spec(ca);
  if (version) s.cluster.spec.kubernetesVersion = version;
  return completeCluster(s.cluster, s.igs).cluster.spec.clusterAutoscaler;
};

describe('re2Problem: the patterns the priority expander (Go, RE2) compiles', () => {
  it.each(['.*gpu.*', '^nodes-(a|b)\\.example\\.com$', '[(?=]x', 'a\\(?=b', '(?i)spot', '(?P<n>x)'])('accepts %s', (p) => {
    expect(re2Problem(p)).toBeUndefined();
  });
  it.each([
    ['(unclosed', /Unterminated group/],
    ['*x', /Nothing to repeat/],
    ['x(?=y)', /look-around \(\?= \(RE2 has none\)/],
    ['x(?<!y)', /look-around \(\?<! /],
    ['(a)\\1', /back-reference \\1/],
    ['(?>a)', /atomic group|Invalid group/],
  ])('refuses %s', (p, why) => {
    expect(re2Problem(p)).toMatch(why);
  });
});

describe('completion: kops\'s defaults, only when enabled', () => {
  it('fills every default kops fills, with the image of the Kubernetes minor', () => {
    expect(completedCa({ enabled: true }, '1.34.2')).toEqual({
      enabled: true,
      image: 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.4',
      expander: 'random',
      ignoreDaemonSetsUtilization: false,
      scaleDownUtilizationThreshold: '0.5',
      skipNodesWithCustomControllerPods: true,
      skipNodesWithLocalStorage: true,
      skipNodesWithSystemPods: true,
      balanceSimilarNodeGroups: false,
      emitPerNodegroupMetrics: false,
      awsUseStaticInstanceList: false,
      newPodScaleUpDelay: '0s',
      scaleDownDelayAfterAdd: '10m0s',
      scaleDownUnneededTime: '10m0s',
      scaleDownUnreadyTime: '20m0s',
      maxNodeProvisionTime: '15m0s',
      cordonNodeBeforeTerminating: true,
      cpuRequest: '100m',
      memoryRequest: '300Mi',
    });
  });

  it('picks kops\'s image per minor, the newest for a minor kops does not list', () => {
    expect(['1.32.0', '1.33.1', '1.35.0', '1.36.3', '1.37.0'].map(defaultAutoscalerImage)).toEqual([
      'registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.7',
      'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.5',
      'registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.1',
      'registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.0',
      'registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.0',
    ]);
  });

  it('keeps what the user set, and the priority expander writes its ConfigMap unless told not to', () => {
    const ca = completedCa({ enabled: true, expander: 'priority', image: 'example.com/ca:v1', scaleDownUnneededTime: '5m' });
    expect(ca).toMatchObject({ expander: 'priority', image: 'example.com/ca:v1', scaleDownUnneededTime: '5m', createPriorityExpanderConfig: true });
    expect(completedCa({ enabled: true, expander: 'priority', createPriorityExpanderConfig: false })?.createPriorityExpanderConfig).toBe(false);
    expect(completedCa({ enabled: true })?.createPriorityExpanderConfig).toBeUndefined();
  });

  it('fills nothing when the autoscaler is not enabled', () => {
    expect(completedCa({ expander: 'least-waste' })).toEqual({ expander: 'least-waste' });
    expect(completeCluster(spec(undefined).cluster, []).cluster.spec.clusterAutoscaler).toBeUndefined();
  });
});

describe('validation', () => {
  const errors = (ca: ClusterAutoscalerSpec, cloud?: string) => {
    const s = spec(ca);
    if (cloud === 'gce') Object.assign(s.cluster.spec, { cloudProvider: 'gce', project: 'p' });
    return errorLines(validateCluster(s.cluster, s.igs)).filter((l) => l.startsWith('spec.clusterAutoscaler'));
  };

  it('takes kops\'s defaults and every valid value', () => {
    expect(errors({ enabled: true })).toEqual([]);
    expect(errors({ enabled: true, expander: 'least-waste', scaleDownUtilizationThreshold: 0.7, newPodScaleUpDelay: '0', maxNodeProvisionTime: '1h30m', cpuRequest: 0.5, memoryRequest: '1Gi', podAnnotations: { 'example.com/team': 'infra' }, customPriorityExpanderConfig: { '100': ['.*gpu.*'], '0': ['.*'] } })).toEqual([]);
  });

  it('refuses a bad expander, threshold, duration, quantity, annotation key or priority, naming the field', () => {
    expect(errors({ enabled: true, expander: 'cheapest', scaleDownUtilizationThreshold: '1.5', scaleDownUnneededTime: '10 minutes', scaleDownUnreadyTime: '-1m', cpuRequest: 'lots', memoryRequest: '300MB', podAnnotations: { 'bad key': 'x' }, customPriorityExpanderConfig: { high: ['.*'], '5': [], '7': ['ok-.*', 'x(?=y)'] } })).toEqual([
      'spec.clusterAutoscaler.expander: "cheapest" is not an expander kops supports',
      'spec.clusterAutoscaler.scaleDownUtilizationThreshold: "1.5" is not a utilization between 0 and 1',
      'spec.clusterAutoscaler.scaleDownUnneededTime: "10 minutes" is not a Go duration >= 0',
      'spec.clusterAutoscaler.scaleDownUnreadyTime: "-1m" is not a Go duration >= 0',
      'spec.clusterAutoscaler.cpuRequest: "lots" is not a Kubernetes quantity',
      'spec.clusterAutoscaler.memoryRequest: "300MB" is not a Kubernetes quantity',
      'spec.clusterAutoscaler.podAnnotations["bad key"]: "bad key" is not a Kubernetes annotation key',
      'spec.clusterAutoscaler.customPriorityExpanderConfig["5"]: a priority without any group pattern',
      'spec.clusterAutoscaler.customPriorityExpanderConfig["7"][1]: "x(?=y)" is not a pattern the cluster autoscaler can read (Go\'s RE2 syntax): look-around (?= (RE2 has none)',
      'spec.clusterAutoscaler.customPriorityExpanderConfig.high: "high" is not a priority: the priority expander\'s keys are integers',
    ]);
    expect(errors({ enabled: true, scaleDownUtilizationThreshold: '500m' })).toHaveLength(1);
    // A YAML .nan or .inf is named as written, not as JSON's null.
    expect(errors({ enabled: true, scaleDownUtilizationThreshold: Number.NaN })).toEqual(['spec.clusterAutoscaler.scaleDownUtilizationThreshold: NaN is not a utilization between 0 and 1']);
    expect(errors({ enabled: true, scaleDownUtilizationThreshold: Number.POSITIVE_INFINITY })).toEqual(['spec.clusterAutoscaler.scaleDownUtilizationThreshold: Infinity is not a utilization between 0 and 1']);
  });

  it('refuses pod annotations over the API server\'s 256 KiB for an object\'s annotations (the addon\'s own two counted)', () => {
    const many = (n: number, size: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`example.com/k${String(i).padStart(3, '0')}`, 'v'.repeat(size)]));
    // 1000 keys of 16 bytes, values of 245: 261,000 bytes, plus 46 of the addon's own: under 262,144.
    expect(errors({ enabled: true, podAnnotations: many(1000, 245) })).toEqual([]);
    expect(errors({ enabled: true, podAnnotations: many(1000, 300) })).toEqual([
      'spec.clusterAutoscaler.podAnnotations: come to 316046 bytes with the addon\'s own annotations, over the 262144 bytes the API server takes for an object\'s annotations (it would refuse the Deployment on every control plane)',
    ]);
  });

  it('refuses a duration past what Go parses (an int64 of nanoseconds, about 2562047h): the autoscaler would not start', () => {
    expect(errors({ enabled: true, scaleDownUnneededTime: '99999999999h', maxNodeProvisionTime: '9223372036854775808ns', newPodScaleUpDelay: '2562047h' })).toEqual([
      'spec.clusterAutoscaler.scaleDownUnneededTime: "99999999999h" is not a Go duration >= 0',
      'spec.clusterAutoscaler.maxNodeProvisionTime: "9223372036854775808ns" is not a Go duration >= 0',
    ]);
  });

  it('refuses the price expander on AWS, as kops (it is GCE\'s)', () => {
    expect(errors({ enabled: true, expander: 'price' })).toEqual(['spec.clusterAutoscaler.expander: the price expander is GCE-only (as in kops)']);
  });

  it('refuses enabled: true on GCE: AWS-only in kops-ts for now', () => {
    expect(errors({ enabled: true }, 'gce')).toEqual([expect.stringMatching(/^spec\.clusterAutoscaler\.enabled: the cluster autoscaler is AWS-only in kops-ts for now/)]);
    expect(errors({ enabled: false }, 'gce')).toEqual([]);
  });

  it('parses kops\'s manifest spelling, a YAML number threshold included, with no kept-only warning', () => {
    const yaml = `apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: ${NAME}\nspec:\n  clusterAutoscaler:\n    enabled: true\n    expander: least-waste\n    scaleDownUtilizationThreshold: 0.5\n    cpuRequest: "100m"\n    customPriorityExpanderConfig:\n      100:\n      - .*foo.*\n`;
    const r = parseManifests(yaml, 'c.yaml');
    expect(r.diagnostics).toEqual([]);
    expect((r.objects[0] as Cluster).spec.clusterAutoscaler).toMatchObject({ scaleDownUtilizationThreshold: 0.5, customPriorityExpanderConfig: { '100': ['.*foo.*'] } });
  });
});

describe("the groups' autoscale and autoscalePriority", () => {
  const warnings = (ca: ClusterAutoscalerSpec | undefined, extra: Partial<InstanceGroup['spec']>) => {
    const s = spec(ca, [ig('gpu', 'Node', ['us-east-1a'], extra)]);
    return validateCluster(s.cluster, s.igs).filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path);
  };

  it('are acted on with the autoscaler (priority expander for the priority), kept with a warning otherwise', () => {
    expect(warnings({ enabled: true, expander: 'priority' }, { autoscale: true, autoscalePriority: 10 })).toEqual([]);
    expect(warnings(undefined, { autoscale: false, autoscalePriority: 10 })).toEqual(['InstanceGroup/gpu spec.autoscale', 'InstanceGroup/gpu spec.autoscalePriority']);
    expect(warnings({ enabled: true }, { autoscale: false, autoscalePriority: 10 })).toEqual(['InstanceGroup/gpu spec.autoscalePriority']);
    expect(warnings({ enabled: true, expander: 'priority', customPriorityExpanderConfig: { '1': ['.*'] } }, { autoscalePriority: 10 })).toEqual(['InstanceGroup/gpu spec.autoscalePriority']);
  });

  it('warns once at spec.clusterAutoscaler when settings are given but it is not enabled', () => {
    const s = spec({ expander: 'least-waste' });
    expect(validateCluster(s.cluster, s.igs).filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path)).toEqual(['spec.clusterAutoscaler']);
  });
});

describe('discovery tags on the autoscaling groups', () => {
  function build(ca: ClusterAutoscalerSpec | undefined, extra: InstanceGroup[] = []) {
    const s = spec(ca, extra);
    const done = completeCluster(s.cluster, s.igs);
    return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, sshPublicKey: KEY });
  }
  const asgTags = (tasks: ReturnType<typeof build>) =>
    Object.fromEntries(tasks.filter((t) => t.kind === 'AutoscalingGroup').map((t) => [t.name, Object.keys((t.desired as AutoscalingGroupDesired).tags).filter((k) => k === 'k8s.io/cluster-autoscaler/enabled' || k === `k8s.io/cluster-autoscaler/${NAME}`)]));
  const both = ['k8s.io/cluster-autoscaler/enabled', `k8s.io/cluster-autoscaler/${NAME}`];

  it('go on node groups whose autoscale is not false; not on control planes, bastions or API servers', () => {
    const tasks = build({ enabled: true }, [ig('fixed', 'Node', ['us-east-1a'], { autoscale: false }), ig('bastions', 'Bastion', ['us-east-1a']), ig('api', 'APIServer', ['us-east-1a'])]);
    expect(asgTags(tasks)).toEqual({
      [`control-plane-us-east-1a.masters.${NAME}`]: [],
      [`nodes-us-east-1a.${NAME}`]: both,
      [`nodes-us-east-1b.${NAME}`]: both,
      [`fixed.${NAME}`]: [],
      [`bastions.${NAME}`]: [],
      [`api.apiservers.${NAME}`]: [],
    });
    const node = tasks.find((t) => t.name === `nodes-us-east-1a.${NAME}` && t.kind === 'AutoscalingGroup')!.desired as AutoscalingGroupDesired;
    expect(node.tags[`k8s.io/cluster-autoscaler/${NAME}`]).toBe('1');
  });

  it('are absent without the autoscaler, and turning it on changes only the node groups\' tags, the IAM policy and the control planes\' user data', () => {
    expect(Object.values(asgTags(build(undefined))).flat()).toEqual([]);
    const before = new Map(build(undefined).map((t) => [`${t.kind}/${t.name}`, JSON.stringify(t.desired)]));
    const changed = build({ enabled: true }).filter((t) => before.get(`${t.kind}/${t.name}`) !== JSON.stringify(t.desired)).map((t) => `${t.kind}/${t.name}`);
    expect(changed.sort()).toEqual([
      `AutoscalingGroup/nodes-us-east-1a.${NAME}`,
      `AutoscalingGroup/nodes-us-east-1b.${NAME}`,
      `IAMRolePolicy/masters.${NAME}`,
      `LaunchTemplate/control-plane-us-east-1a.masters.${NAME}`,
    ]);
    const lt = build({ enabled: true }).find((t) => t.kind === 'LaunchTemplate' && t.name.startsWith('nodes-'))!.desired as LaunchTemplateDesired;
    expect(Object.keys(lt.instanceTags ?? {}).filter((k) => k === 'k8s.io/cluster-autoscaler/enabled')).toEqual([]);
  });

  it("count towards the group's 50 tags in validation, as the builder puts them", () => {
    const withLabels = (n: number) => {
      const s = spec({ enabled: true });
      s.igs.find((g) => g.metadata.name === 'nodes-us-east-1a')!.spec.cloudLabels = Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
      return s;
    };
    let n = 0;
    while (!validateCluster(withLabels(n + 1).cluster, withLabels(n + 1).igs).some((d) => d.code === 'TooManyTags')) n++;
    const s = withLabels(n);
    const done = completeCluster(s.cluster, s.igs);
    const asg = buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, sshPublicKey: KEY }).find((t) => t.kind === 'AutoscalingGroup' && t.name === `nodes-us-east-1a.${NAME}`)!;
    expect(Object.keys((asg.desired as AutoscalingGroupDesired).tags)).toHaveLength(50);
  });
});
