/**
 * The acted-on audit's cases for an instance group's autoscaling-group and launch-template options
 * (acted-on-fields.test.ts spreads them into its ACTED table): each edit and every task change it makes.
 */
import type { AuditSpec } from './acted-on-spot.js';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ingress/0123456789abcdef';

export function asgCases(nodes: string, lt: string, asg: string): Record<string, { edit: (s: AuditSpec) => void; changes: string[] }> {
  const node = (s: AuditSpec) => s.igs.find((g) => g.metadata.name === nodes)!;
  return {
    'InstanceGroup spec.suspendProcesses[]': {
      edit: (s) => (node(s).spec.suspendProcesses = ['AZRebalance', 'ScheduledActions']),
      changes: [`~ ${asg} suspendProcesses: [] -> ["AZRebalance","ScheduledActions"]`],
    },
    'InstanceGroup spec.capacityRebalance': { edit: (s) => (node(s).spec.capacityRebalance = true), changes: [`~ ${asg} capacityRebalance: false -> true`] },
    'InstanceGroup spec.detailedInstanceMonitoring': { edit: (s) => (node(s).spec.detailedInstanceMonitoring = true), changes: [`~ ${lt} detailedMonitoring: false -> true`] },
    'InstanceGroup spec.cpuCredits': { edit: (s) => (node(s).spec.cpuCredits = 'unlimited'), changes: [`~ ${lt} cpuCredits: (none) -> "unlimited"`] },
    'InstanceGroup spec.tenancy': { edit: (s) => (node(s).spec.tenancy = 'dedicated'), changes: [`~ ${lt} tenancy: (none) -> "dedicated"`] },
    'InstanceGroup spec.maxInstanceLifetime': { edit: (s) => (node(s).spec.maxInstanceLifetime = '168h0m0s'), changes: [`~ ${asg} maxInstanceLifetime: 0 -> 604800`] },
    'InstanceGroup spec.externalLoadBalancers[].loadBalancerName': {
      edit: (s) => (node(s).spec.externalLoadBalancers = [{ loadBalancerName: 'legacy-ingress' }]),
      changes: [`~ ${asg} loadBalancerNames: [] -> ["legacy-ingress"]`],
    },
    'InstanceGroup spec.externalLoadBalancers[].targetGroupArn': {
      edit: (s) => (node(s).spec.externalLoadBalancers = [{ targetGroupArn: TG }]),
      changes: [`~ ${asg} targetGroupArns: [] -> ["${TG}"]`],
    },
    'InstanceGroup spec.instanceProtection': { edit: (s) => (node(s).spec.instanceProtection = true), changes: [`~ ${asg} newInstancesProtectedFromScaleIn: false -> true`] },
  };
}
