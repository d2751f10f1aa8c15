/**
 * An autoscaling group's `MixedInstancesPolicy` (kops's `MixedInstanceOverrides` and `Mixed*`
 * fields of awstasks/autoscalinggroup.go): several instance types as launch-template overrides
 * and the On-Demand/Spot distribution.
 *
 * AWS fills unspecified distribution fields with its defaults (API_InstancesDistribution):
 * OnDemandAllocationStrategy `prioritized` (for a listed set of types), OnDemandBaseCapacity 0,
 * OnDemandPercentageAboveBaseCapacity 100, SpotAllocationStrategy `lowest-price`, SpotInstancePools
 * 2 (lowest-price only), no SpotMaxPrice (the On-Demand price; `""` removes one set before).
 * kops-ts sends the whole distribution with those defaults filled in, and compares against them:
 * a field removed from the spec goes back to AWS's default (kops leaves it as it was), and an
 * emulator that stores only what it is sent (moto) reads back the same as AWS.
 *
 * Every UpdateAutoScalingGroup of a mixed group carries the whole policy: AWS merges a partial one,
 * but moto replaces the policy with what it gets (and fails without its LaunchTemplate), so the
 * full policy is right on both. Switching between a plain launch template and a policy is one
 * in-place UpdateAutoScalingGroup either way (kops does the same): `LaunchTemplate` replaces the
 * policy, `MixedInstancesPolicy` replaces the launch template (AWS refuses both in one request).
 */
import type { AutoScalingGroup, MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import type { View } from '../types.js';

/** What the builder asks for: the spec's values, AWS's defaults for what it leaves out. */
export interface MixedInstancesPolicyDesired {
  /** In priority order (the first is preferred with `prioritized`). */
  readonly instanceTypes: readonly string[];
  readonly onDemandAllocationStrategy?: string;
  readonly onDemandBase?: number;
  readonly onDemandAboveBase?: number;
  readonly spotAllocationStrategy?: string;
  readonly spotInstancePools?: number;
  /** The instance group's `maxPrice`. */
  readonly spotMaxPrice?: string;
}

/** The policy as read back, in the same shape; `undefined` for a group launching one launch template. */
export type MixedInstancesPolicyActual = MixedInstancesPolicyDesired;

export const MIXED_DEFAULTS = {
  onDemandAllocationStrategy: 'prioritized',
  onDemandBase: 0,
  onDemandAboveBase: 100,
  spotAllocationStrategy: 'lowest-price',
  spotInstancePools: 2,
} as const;

/** The compared fields. */
export const MIXED_FIELDS = [
  'mixedInstanceTypes',
  'onDemandAllocationStrategy',
  'onDemandBase',
  'onDemandAboveBase',
  'spotAllocationStrategy',
  'spotInstancePools',
  'spotMaxPrice',
] as const;

type Policy = MixedInstancesPolicyDesired | MixedInstancesPolicyActual;

/** Defaults filled in; SpotInstancePools only counts with lowest-price (AWS ignores it otherwise). */
function filled(p: Policy) {
  const spotAllocationStrategy = p.spotAllocationStrategy ?? MIXED_DEFAULTS.spotAllocationStrategy;
  return {
    onDemandAllocationStrategy: p.onDemandAllocationStrategy ?? MIXED_DEFAULTS.onDemandAllocationStrategy,
    onDemandBase: p.onDemandBase ?? MIXED_DEFAULTS.onDemandBase,
    onDemandAboveBase: p.onDemandAboveBase ?? MIXED_DEFAULTS.onDemandAboveBase,
    spotAllocationStrategy,
    spotInstancePools: spotAllocationStrategy === 'lowest-price' ? (p.spotInstancePools ?? MIXED_DEFAULTS.spotInstancePools) : null,
    spotMaxPrice: p.spotMaxPrice ?? '',
  };
}

/**
 * The view fields of a policy. Without one, only `mixedInstanceTypes: null`: enough for a switch
 * either way to be a change, and a plain group's plan shows no empty distribution.
 */
export function mixedView(p: Policy | undefined): View {
  if (!p) return { mixedInstanceTypes: null };
  return { mixedInstanceTypes: [...p.instanceTypes], ...filled(p) };
}

/** The request's policy: the launch template, one override per type, the whole distribution. */
export function mixedRequest(p: MixedInstancesPolicyDesired, launchTemplateId: string, version: string): MixedInstancesPolicy {
  const f = filled(p);
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateId: launchTemplateId, Version: version },
      Overrides: p.instanceTypes.map((InstanceType) => ({ InstanceType })),
    },
    InstancesDistribution: {
      OnDemandAllocationStrategy: f.onDemandAllocationStrategy,
      OnDemandBaseCapacity: f.onDemandBase,
      OnDemandPercentageAboveBaseCapacity: f.onDemandAboveBase,
      SpotAllocationStrategy: f.spotAllocationStrategy,
      ...(f.spotInstancePools !== null ? { SpotInstancePools: f.spotInstancePools } : {}),
      // "" removes a maximum set before (AWS); absent would keep it.
      SpotMaxPrice: f.spotMaxPrice,
    },
  };
}

/** The group's policy as read back (AWS leaves SpotMaxPrice out when unset; moto returns ""). */
export function mixedActual(g: AutoScalingGroup): MixedInstancesPolicyActual | undefined {
  const m = g.MixedInstancesPolicy;
  if (!m) return undefined;
  const d = m.InstancesDistribution ?? {};
  return {
    instanceTypes: (m.LaunchTemplate?.Overrides ?? []).flatMap((o) => (o.InstanceType ? [o.InstanceType] : [])),
    onDemandAllocationStrategy: d.OnDemandAllocationStrategy,
    onDemandBase: d.OnDemandBaseCapacity,
    onDemandAboveBase: d.OnDemandPercentageAboveBaseCapacity,
    spotAllocationStrategy: d.SpotAllocationStrategy,
    spotInstancePools: d.SpotInstancePools,
    spotMaxPrice: d.SpotMaxPrice || undefined,
  };
}

/** The state after apply when the group cannot be read back: what was asked for. */
export function mixedAssumed(p: MixedInstancesPolicyDesired | undefined): MixedInstancesPolicyActual | undefined {
  if (!p) return undefined;
  const f = filled(p);
  return { instanceTypes: [...p.instanceTypes], ...f, spotInstancePools: f.spotInstancePools ?? undefined, spotMaxPrice: f.spotMaxPrice || undefined };
}
