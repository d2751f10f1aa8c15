/** validation-mixed.ts: mixedInstancesPolicy and maxPrice, refused as kops and AWS would; GCE keeps them with a warning. */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { parseManifests } from '../../src/model/api/parse.js';
import { validateCluster } from '../../src/model/validation.js';
import type { InstanceGroupSpec } from '../../src/model/api/types.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a', 'us-east-1b'];

function errors(spec: Partial<InstanceGroupSpec>): string[] {
  return errorLines(validateCluster(userCluster(ZONES), [...userIGs(ZONES), ig('spot', 'Node', ['us-east-1a'], { minSize: 1, maxSize: 4, ...spec })]));
}

function diagnostics(spec: Partial<InstanceGroupSpec>) {
  return validateCluster(userCluster(ZONES), [...userIGs(ZONES), ig('spot', 'Node', ['us-east-1a'], { minSize: 1, maxSize: 4, ...spec })]).filter((d) => (d.path ?? '').startsWith('InstanceGroup/spot'));
}

describe('mixedInstancesPolicy on AWS', () => {
  it('accepts kops\'s documented spot group', () => {
    expect(errors({ mixedInstancesPolicy: { instances: ['c5.xlarge', 'c5a.xlarge'], onDemandAboveBase: 0, onDemandBase: 0, spotAllocationStrategy: 'capacity-optimized' }, maxPrice: '0.1' })).toEqual([]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], spotAllocationStrategy: 'lowest-price', spotInstancePools: 20, onDemandAllocationStrategy: 'lowest-price' } })).toEqual([]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], spotInstancePools: 3 } })).toEqual([]);
  });

  it('refuses each bad field at its path, with a hint', () => {
    const p = 'InstanceGroup/spot spec.mixedInstancesPolicy';
    expect(errors({ mixedInstancesPolicy: {} })).toEqual([`${p}.instances: a mixed-instances policy needs its instance types`]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large', 'large', 't3.large'] } })).toEqual([
      `${p}.instances[1]: "large" is not an instance type`,
      `${p}.instances[2]: instance type t3.large is listed twice`,
    ]);
    expect(errors({ mixedInstancesPolicy: { instances: Array.from({ length: 41 }, (_, i) => `m${i}.large`) } })).toEqual([`${p}.instances: 41 instance types; AWS takes at most 40`]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], onDemandAllocationStrategy: 'cheapest', spotAllocationStrategy: 'capacity' } })).toEqual([
      `${p}.onDemandAllocationStrategy: "cheapest" is not an allocation strategy`,
      `${p}.spotAllocationStrategy: "capacity" is not an allocation strategy`,
    ]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], onDemandBase: -1, onDemandAboveBase: 101 } })).toEqual([
      `${p}.onDemandBase: -1 is negative`,
      `${p}.onDemandAboveBase: 101 is not a percentage between 0 and 100`,
    ]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], onDemandBase: 5, onDemandAboveBase: -1 } })).toEqual([
      `${p}.onDemandBase: 5 On-Demand instances is more than the group's maxSize 4`,
      `${p}.onDemandAboveBase: -1 is not a percentage between 0 and 100`,
    ]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], spotInstancePools: 21 } })).toEqual([`${p}.spotInstancePools: 21 is not between 1 and 20`]);
    expect(errors({ mixedInstancesPolicy: { instances: ['t3.large'], spotAllocationStrategy: 'capacity-optimized', spotInstancePools: 2 } })).toEqual([
      `${p}.spotInstancePools: spotInstancePools applies only to the lowest-price Spot allocation strategy, not capacity-optimized`,
    ]);
    const d = diagnostics({ mixedInstancesPolicy: { instances: ['t3.large'], onDemandAboveBase: 101 } }).find((x) => x.severity === 'error');
    expect(d?.hint).toMatch(/0 .*100/);
  });

  it('instanceRequirements is not acted on: without instances the group is refused, saying so', () => {
    const policy = { instanceRequirements: { cpu: { min: '2' } } } as InstanceGroupSpec['mixedInstancesPolicy'];
    expect(errors({ mixedInstancesPolicy: policy })).toEqual([
      'InstanceGroup/spot spec.mixedInstancesPolicy.instances: kops-ts does not act on instanceRequirements, so the group would have no instance types to choose from',
    ]);
  });

  it("reads kops's fields from a manifest, warning only about instanceRequirements (kept, not acted on)", () => {
    const r = parseManifests(
      'apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: spot\nspec:\n  role: Node\n  maxPrice: "0.05"\n  mixedInstancesPolicy:\n' +
        '    instances: [t3.large, m5.large]\n    onDemandBase: 0\n    onDemandAboveBase: 10\n    spotAllocationStrategy: price-capacity-optimized\n    instanceRequirements:\n      cpu: {min: "2"}\n',
      'spot.yaml',
    );
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual(['warning FieldNotActedOn InstanceGroup/spot spec.mixedInstancesPolicy.instanceRequirements']);
    expect(r.objects[0]?.spec).toMatchObject({ maxPrice: '0.05', mixedInstancesPolicy: { instances: ['t3.large', 'm5.large'], onDemandAboveBase: 10, instanceRequirements: { cpu: { min: '2' } } } });
  });

  it('refuses a maxPrice that is not a positive price', () => {
    for (const price of ['cheap', '-1', '0', '']) expect(errors({ maxPrice: price })).toEqual([`InstanceGroup/spot spec.maxPrice: ${JSON.stringify(price)} is not a price`]);
    expect(errors({ maxPrice: '0.0416' })).toEqual([]);
  });
});

describe('mixedInstancesPolicy and maxPrice on GCE', () => {
  it('are kept, not acted on, with a warning each', () => {
    const r = newCluster({ name: 'g.example.com', zones: ['us-central1-a'], project: 'my-project' });
    const nodes = r.instanceGroups.find((g) => g.spec.role === 'Node')!;
    nodes.spec.mixedInstancesPolicy = { instances: ['n2-standard-2', 'e2-standard-2'] };
    nodes.spec.maxPrice = '0.1';
    const diags = validateCluster(r.cluster, r.instanceGroups);
    expect(diags.filter((d) => d.severity === 'error')).toEqual([]);
    expect(diags.filter((d) => d.code === 'FieldNotActedOn').map((d) => d.path)).toEqual([
      `InstanceGroup/${nodes.metadata.name} spec.mixedInstancesPolicy`,
      `InstanceGroup/${nodes.metadata.name} spec.maxPrice`,
    ]);
  });
});
