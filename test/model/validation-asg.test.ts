/** validation-asg.ts: the autoscaling-group and launch-template fields, refused as AWS would; GCE keeps them with a warning. */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import type { InstanceGroupSpec } from '../../src/model/api/types.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

function diagnostics(spec: Partial<InstanceGroupSpec>) {
  return validateCluster(userCluster(ZONES), [...userIGs(ZONES), ig('g', 'Node', ['us-east-1a'], { minSize: 1, maxSize: 4, ...spec })]).filter((d) => (d.path ?? '').startsWith('InstanceGroup/g'));
}
const errors = (spec: Partial<InstanceGroupSpec>): string[] => errorLines(diagnostics(spec));

describe('suspendProcesses on AWS', () => {
  it("accepts AWS's process names", () => {
    expect(errors({ suspendProcesses: ['AZRebalance', 'ScheduledActions', 'InstanceRefresh'] })).toEqual([]);
    expect(errors({ suspendProcesses: [] })).toEqual([]);
  });

  it('refuses an unknown or repeated name at its path, naming the allowed values', () => {
    const p = 'InstanceGroup/g spec.suspendProcesses';
    expect(errors({ suspendProcesses: ['AZRebalance', 'Rebalance', 'AZRebalance'] })).toEqual([
      `${p}[1]: "Rebalance" is not an autoscaling process`,
      `${p}[2]: AZRebalance is listed twice`,
    ]);
    const bad = diagnostics({ suspendProcesses: ['Rebalance'] }).find((d) => d.severity === 'error');
    expect(bad?.code).toBe('InvalidScalingProcess');
    expect(bad?.hint).toBe('use one of Launch, Terminate, AddToLoadBalancer, AlarmNotification, AZRebalance, HealthCheck, InstanceRefresh, ReplaceUnhealthy, ScheduledActions');
    // A wrong case is a likely typo: the hint spells it.
    expect(diagnostics({ suspendProcesses: ['azrebalance'] }).find((d) => d.severity === 'error')?.hint).toBe('spell it AZRebalance');
  });

  it('reads a list from a manifest with no warning; a string is refused as the wrong type', () => {
    const yaml = (v: string) => `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  suspendProcesses: ${v}\n`;
    const ok = parseManifests(yaml('[AZRebalance]'), 'g.yaml');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.objects[0]?.spec).toMatchObject({ suspendProcesses: ['AZRebalance'] });
    const wrong = parseManifests(yaml('AZRebalance'), 'g.yaml');
    expect(wrong.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual(['error InvalidFieldType InstanceGroup/g spec.suspendProcesses']);
  });
});

describe('maxInstanceLifetime on AWS', () => {
  it("takes kops's Go durations of at least a day, or zero", () => {
    for (const d of ['168h0m0s', '24h', '1440m', '0s']) expect(errors({ maxInstanceLifetime: d })).toEqual([]);
  });

  it('refuses what is not a duration, and a lifetime under a day', () => {
    const p = 'InstanceGroup/g spec.maxInstanceLifetime';
    expect(errors({ maxInstanceLifetime: '7d' })).toEqual([`${p}: "7d" is not a duration`]);
    expect(errors({ maxInstanceLifetime: '23h59m' })).toEqual([`${p}: 23h59m is 86340 seconds; AWS takes 0 (no limit) or at least 86400 seconds (24h)`]);
    expect(diagnostics({ maxInstanceLifetime: '1h' }).find((d) => d.severity === 'error')).toMatchObject({ code: 'InvalidMaxInstanceLifetime', hint: 'use 24h or more, or 0s for no limit' });
  });
});

describe('externalLoadBalancers on AWS', () => {
  const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ingress/0123456789abcdef';
  it('accepts a classic load balancer by name and a target group by ARN', () => {
    expect(errors({ externalLoadBalancers: [{ loadBalancerName: 'legacy-ingress' }, { targetGroupArn: TG }] })).toEqual([]);
  });

  it('refuses an entry naming none or both, a malformed one, and a repeat', () => {
    const p = 'InstanceGroup/g spec.externalLoadBalancers';
    expect(errors({ externalLoadBalancers: [{}, { loadBalancerName: 'a', targetGroupArn: TG }, { targetGroupArn: 'ingress' }, { loadBalancerName: 'bad_name' }, { targetGroupArn: TG }, { targetGroupArn: TG }] })).toEqual([
      `${p}[0]: names no load balancer`,
      `${p}[1]: names both a load balancer and a target group`,
      `${p}[2].targetGroupArn: "ingress" is not a target group ARN`,
      `${p}[3].loadBalancerName: "bad_name" is not a classic load balancer name`,
      `${p}[5]: ${TG} is listed twice`,
    ]);
  });
});

describe('cpuCredits and tenancy', () => {
  it("take AWS's values only", () => {
    const yaml = (f: string) => `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  ${f}\n`;
    const ok = parseManifests(yaml('cpuCredits: unlimited\n  tenancy: dedicated\n  detailedInstanceMonitoring: true'), 'g.yaml');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.objects[0]?.spec).toMatchObject({ cpuCredits: 'unlimited', tenancy: 'dedicated', detailedInstanceMonitoring: true });
    const bad = parseManifests(yaml('cpuCredits: burst\n  tenancy: shared'), 'g.yaml');
    expect(bad.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.summary}`)).toEqual([
      expect.stringMatching(/^error InstanceGroup\/g spec\.cpuCredits: .*standard.*unlimited/),
      expect.stringMatching(/^error InstanceGroup\/g spec\.tenancy: .*default.*dedicated.*host/),
    ]);
  });
});

describe('cpuCredits on AWS: burstable types only', () => {
  const p = 'InstanceGroup/g spec.cpuCredits';
  it('takes them with t2, t3, t3a and t4g types, and with the default type (t3.medium)', () => {
    for (const machineType of ['t2.micro', 't3.medium', 't3a.large', 't4g.small', 't3.large,t3a.large']) expect(errors({ cpuCredits: 'unlimited', machineType }), machineType).toEqual([]);
    expect(errors({ cpuCredits: 'standard' })).toEqual([]);
    expect(errors({ cpuCredits: 'standard', machineType: 't3.large', mixedInstancesPolicy: { instances: ['t3.large', 't3a.large'] } })).toEqual([]);
  });

  it('refuses them with any other type, naming the field and the type', () => {
    expect(errors({ cpuCredits: 'unlimited', machineType: 'm5.large' })).toEqual([
      `${p}: unlimited: CPU credits apply only to burstable instance types (t2, t3, t3a, t4g), and machineType m5.large is not one; AWS refuses to launch it with a credit specification`,
    ]);
    expect(diagnostics({ cpuCredits: 'standard', machineType: 'c6i.large' }).find((d) => d.severity === 'error')).toMatchObject({ code: 'CpuCreditsNotSupported', hint: 'remove cpuCredits, or use t2, t3, t3a or t4g types only' });
    // Not a prefix match: t1 has no credit specification, and a family that only starts with t is not T3.
    expect(errors({ cpuCredits: 'standard', machineType: 't1.micro' })).toHaveLength(1);
    // The mixed-instances policy's types are what launch: each one that is not burstable is named.
    expect(errors({ cpuCredits: 'unlimited', machineType: 't3.large', mixedInstancesPolicy: { instances: ['t3.large', 'm5.large', 'c5.large'] } })).toEqual([
      `${p}: unlimited: CPU credits apply only to burstable instance types (t2, t3, t3a, t4g), and mixedInstancesPolicy.instances m5.large, c5.large are not; AWS refuses to launch them with a credit specification`,
    ]);
    expect(errors({ machineType: 'm5.large' })).toEqual([]);
  });
});

describe('tenancy host on AWS', () => {
  it('is kept with a warning naming what it needs: allocated Dedicated Hosts with auto-placement', () => {
    const diags = diagnostics({ tenancy: 'host', machineType: 'm5.large' });
    expect(errorLines(diags)).toEqual([]);
    const w = diags.find((d) => d.code === 'TenancyHostNeedsDedicatedHosts');
    expect(w).toMatchObject({ severity: 'warning', path: 'InstanceGroup/g spec.tenancy' });
    expect(w?.summary).toContain('Dedicated Hosts you have allocated, with auto-placement on');
    expect(w?.hint).toContain('tenancy dedicated');
    for (const tenancy of ['default', 'dedicated'] as const) expect(diagnostics({ tenancy }).filter((d) => d.code === 'TenancyHostNeedsDedicatedHosts')).toEqual([]);
  });
});

describe('the autoscaling-group fields on GCE', () => {
  it('are kept, not acted on, with a warning each', () => {
    const r = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
    const nodes = r.instanceGroups.find((g) => g.spec.role === 'Node')!;
    Object.assign(nodes.spec, { suspendProcesses: ['AZRebalance'], capacityRebalance: true, instanceProtection: true, detailedInstanceMonitoring: true, cpuCredits: 'unlimited', tenancy: 'dedicated', maxInstanceLifetime: '1h', externalLoadBalancers: [{ loadBalancerName: 'x' }] });
    const diags = validateCluster(r.cluster, r.instanceGroups);
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diags.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path)).toEqual(
      ['suspendProcesses', 'capacityRebalance', 'instanceProtection', 'detailedInstanceMonitoring', 'cpuCredits', 'tenancy', 'maxInstanceLifetime', 'externalLoadBalancers'].map((f) => `InstanceGroup/${nodes.metadata.name} spec.${f}`),
    );
  });
});

describe('gcpProvisioningModel', () => {
  const yaml = (v: string) => `apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: g\nspec:\n  role: Node\n  gcpProvisioningModel: ${v}\n`;

  it("takes kops's two values and refuses others at their path, naming both", () => {
    for (const v of ['SPOT', 'STANDARD']) expect(parseManifests(yaml(v), 'g.yaml').diagnostics).toEqual([]);
    const bad = parseManifests(yaml('spot'), 'g.yaml').diagnostics.find((d) => d.severity === 'error');
    expect(bad).toMatchObject({ code: 'InvalidFieldValue', path: expect.stringContaining('spec.gcpProvisioningModel') });
    expect(bad?.summary).toContain('is not one of STANDARD, SPOT');
  });

  it('is acted on on GCE; kept with a warning on AWS', () => {
    expect(diagnostics({ gcpProvisioningModel: 'SPOT' }).filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path)).toEqual(['InstanceGroup/g spec.gcpProvisioningModel']);
    const r = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
    r.instanceGroups.find((g) => g.spec.role === 'Node')!.spec.gcpProvisioningModel = 'SPOT';
    expect(validateCluster(r.cluster, r.instanceGroups).filter((d) => d.severity === 'error' || d.code === 'FieldNotActedOn')).toEqual([]);
  });
});
