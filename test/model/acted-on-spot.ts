/**
 * The acted-on audit's cases for an instance group's Spot and mixed-instances fields
 * (acted-on-fields.test.ts spreads them into its ACTED table): each edit and every task change it makes.
 */
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';

export interface AuditSpec {
  cluster: Cluster;
  igs: InstanceGroup[];
}

export function spotCases(nodes: string, lt: string, asg: string): Record<string, { edit: (s: AuditSpec) => void; changes: string[] }> {
  const node = (s: AuditSpec) => s.igs.find((g) => g.metadata.name === nodes)!;
  return {
    // Every policy needs its types: each case below lists them, so their line is in each effect.
    'InstanceGroup spec.mixedInstancesPolicy.instances[]': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large', 'm5.large'] }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large","m5.large"]`],
    },
    'InstanceGroup spec.mixedInstancesPolicy.onDemandAllocationStrategy': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large'], onDemandAllocationStrategy: 'lowest-price' }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large"]`, `~ ${asg} mixedInstancesPolicy.onDemandAllocationStrategy: (none) -> "lowest-price"`],
    },
    'InstanceGroup spec.mixedInstancesPolicy.onDemandBase': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large'], onDemandBase: 1 }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large"]`, `~ ${asg} mixedInstancesPolicy.onDemandBase: (none) -> 1`],
    },
    'InstanceGroup spec.mixedInstancesPolicy.onDemandAboveBase': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large'], onDemandAboveBase: 0 }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large"]`, `~ ${asg} mixedInstancesPolicy.onDemandAboveBase: (none) -> 0`],
    },
    'InstanceGroup spec.mixedInstancesPolicy.spotAllocationStrategy': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large'], spotAllocationStrategy: 'capacity-optimized' }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large"]`, `~ ${asg} mixedInstancesPolicy.spotAllocationStrategy: (none) -> "capacity-optimized"`],
    },
    'InstanceGroup spec.mixedInstancesPolicy.spotInstancePools': {
      edit: (s) => (node(s).spec.mixedInstancesPolicy = { instances: ['t3.large'], spotInstancePools: 4 }),
      changes: [`~ ${asg} mixedInstancesPolicy.instanceTypes: (none) -> ["t3.large"]`, `~ ${asg} mixedInstancesPolicy.spotInstancePools: (none) -> 4`],
    },
    // Without a policy: the launch template's Spot market option (with one: see the case below).
    'InstanceGroup spec.maxPrice': {
      edit: (s) => (node(s).spec.maxPrice = '0.05'),
      changes: [`~ ${lt} spotMaxPrice: (none) -> "0.05"`],
    },
  };
}
