/**
 * Validation of an instance group's Spot and mixed-instances fields (`mixedInstancesPolicy`,
 * `maxPrice`), as kops validates them (pkg/apis/kops/validation/aws.go,
 * awsValidateMixedInstancesPolicy) plus what AWS's CreateAutoScalingGroup would refuse later
 * (API_InstancesDistribution: the allocation strategies' values, SpotInstancePools 1–20 and only
 * with lowest-price; at most 40 overrides). On AWS they are acted on (src/model/aws/compute.ts);
 * on any other cloud they are kept with a FieldNotActedOn warning, as before.
 */
import type { InstanceGroupSpec } from './api/types.js';
import { warnOtherCloud, type Reporter } from './validation-util.js';

/** kops's `SpotAllocationStrategies` (pkg/apis/kops/instancegroup.go). */
export const SPOT_ALLOCATION_STRATEGIES = ['lowest-price', 'diversified', 'capacity-optimized', 'capacity-optimized-prioritized', 'price-capacity-optimized'];
/** AWS's values for a group that lists its instance types (lowest-price, prioritized). */
export const ON_DEMAND_ALLOCATION_STRATEGIES = ['prioritized', 'lowest-price'];
/** AWS: "You can specify up to 40 instance types per Auto Scaling group". */
export const MAX_MIXED_INSTANCE_TYPES = 40;
/** family.size, e.g. t3.large, m5d.2xlarge, u-6tb1.metal. */
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** AWS's prices: a decimal number of dollars per hour. */
const PRICE = /^\d+(\.\d+)?$/;

export function validateSpot(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  const mixed = s.mixedInstancesPolicy;
  if (cloud !== 'aws') {
    if (mixed !== undefined) warnOtherCloud(r, at('spec.mixedInstancesPolicy'), 'AWS', cloud, 'remove it, or use spec.machineType');
    if (s.maxPrice !== undefined) warnOtherCloud(r, at('spec.maxPrice'), 'AWS', cloud);
    return;
  }
  if (s.maxPrice !== undefined && (!PRICE.test(s.maxPrice) || Number(s.maxPrice) <= 0)) {
    r.err('InvalidMaxPrice', at('spec.maxPrice'), `${JSON.stringify(s.maxPrice)} is not a price`, 'give the maximum Spot price per instance hour in US dollars, e.g. "0.05", or remove it to pay up to the On-Demand price');
  }
  if (mixed === undefined) return;
  const p = (f: string) => at(`spec.mixedInstancesPolicy.${f}`);
  const types = mixed.instances ?? [];
  const hasRequirements = (mixed as Record<string, unknown>)['instanceRequirements'] !== undefined;
  if (types.length === 0) {
    r.err(
      'MissingInstanceTypes',
      p('instances'),
      hasRequirements ? 'kops-ts does not act on instanceRequirements, so the group would have no instance types to choose from' : 'a mixed-instances policy needs its instance types',
      'list the instance types, e.g. instances: [t3.large, m5.large] (or remove mixedInstancesPolicy to launch spec.machineType only)',
    );
  }
  if (types.length > MAX_MIXED_INSTANCE_TYPES) r.err('TooManyInstanceTypes', p('instances'), `${types.length} instance types; AWS takes at most ${MAX_MIXED_INSTANCE_TYPES}`, `keep at most ${MAX_MIXED_INSTANCE_TYPES}`);
  const seen = new Set<string>();
  types.forEach((t, i) => {
    if (typeof t !== 'string' || !INSTANCE_TYPE.test(t)) r.err('InvalidMachineType', p(`instances[${i}]`), `${JSON.stringify(t)} is not an instance type`, 'name an EC2 instance type such as t3.large');
    else if (seen.has(t)) r.err('DuplicateInstanceType', p(`instances[${i}]`), `instance type ${t} is listed twice`, 'list it once');
    seen.add(t);
  });
  const oneOf = (field: 'onDemandAllocationStrategy' | 'spotAllocationStrategy', allowed: readonly string[]) => {
    const v = mixed[field];
    if (v !== undefined && !allowed.includes(v)) r.err('InvalidAllocationStrategy', p(field), `${JSON.stringify(v)} is not an allocation strategy`, `use one of ${allowed.join(', ')}`);
  };
  oneOf('onDemandAllocationStrategy', ON_DEMAND_ALLOCATION_STRATEGIES);
  oneOf('spotAllocationStrategy', SPOT_ALLOCATION_STRATEGIES);
  const base = mixed.onDemandBase;
  if (base !== undefined && base < 0) r.err('InvalidOnDemandBase', p('onDemandBase'), `${base} is negative`, 'use 0 or more');
  else if (base !== undefined && base > (s.maxSize ?? s.minSize ?? 1)) {
    r.err('InvalidOnDemandBase', p('onDemandBase'), `${base} On-Demand instances is more than the group's maxSize ${s.maxSize ?? s.minSize ?? 1}`, 'lower onDemandBase, or raise spec.maxSize');
  }
  const above = mixed.onDemandAboveBase;
  if (above !== undefined && (above < 0 || above > 100)) r.err('InvalidOnDemandAboveBase', p('onDemandAboveBase'), `${above} is not a percentage between 0 and 100`, 'use 0 (all Spot above the base) to 100 (all On-Demand, the default)');
  const pools = mixed.spotInstancePools;
  if (pools !== undefined) {
    if (pools < 1 || pools > 20) r.err('InvalidSpotInstancePools', p('spotInstancePools'), `${pools} is not between 1 and 20`, 'use 1 to 20 (AWS\'s default is 2)');
    else if ((mixed.spotAllocationStrategy ?? 'lowest-price') !== 'lowest-price') {
      r.err('InvalidSpotInstancePools', p('spotInstancePools'), `spotInstancePools applies only to the lowest-price Spot allocation strategy, not ${mixed.spotAllocationStrategy}`, 'remove spotInstancePools, or set spotAllocationStrategy: lowest-price');
    }
  }
}
