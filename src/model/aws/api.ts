/**
 * The API endpoint. kops-ts always fronts the control planes with a Network Load Balancer (a TCP
 * 443 target group that the control-plane autoscaling groups register with). With a hosted zone
 * (`--dns-zone`, DNS Public/Private), `api.<cluster>` is an alias record to that load balancer.
 *
 * Why an NLB even with Route53: kops keeps the records pointing at the control-plane instances
 * with dns-controller, a controller inside the cluster, which needs placeholder records, a
 * working cluster to update them, and leaves stale addresses while instances are replaced. An
 * alias to the NLB follows replacements by itself (the autoscaling groups register new
 * instances), works before the cluster is up, and needs nothing running in the cluster.
 */
import { ref } from '../../tasks/types.js';
import { listenerTaskName } from '../../tasks/aws/elb-listing.js';
import type { AwsModelContext } from './context.js';
import { apiLoadBalancerAwsName, subnetTaskName, targetGroupName } from './names.js';

/** Builds the API tasks; returns the target group's task name for the control-plane groups. */
export function buildApi(m: AwsModelContext): string {
  const c = m.name;
  const spec = m.cluster.spec;
  const lbTask = `api.${c}`;
  const internal = spec.api?.loadBalancer?.type === 'Internal';
  // One subnet per zone: utility subnets in private topology, else the public (or private, for internal) ones.
  const preferred = m.privateTopology && !internal ? 'Utility' : m.privateTopology ? 'Private' : 'Public';
  const byZone = new Map<string, string>();
  for (const s of m.subnets) if (s.type === preferred && s.zone && !byZone.has(s.zone)) byZone.set(s.zone, s.name);
  const tgName = targetGroupName(c, 'tcp');
  m.add({
    kind: 'TargetGroup',
    name: tgName,
    desired: {
      name: tgName,
      vpc: m.sharedVpc ? spec.networkID! : ref('VPC', c),
      protocol: 'TCP',
      port: 443,
      targetType: 'instance',
      healthCheck: { protocol: 'TCP', intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
      tags: m.tags(tgName),
    },
  });
  m.add({
    kind: 'NetworkLoadBalancer',
    name: lbTask,
    desired: {
      loadBalancerName: apiLoadBalancerAwsName(c),
      scheme: internal ? 'internal' : 'internet-facing',
      subnets: [...byZone.keys()].sort().map((z) => ref('Subnet', subnetTaskName(byZone.get(z)!, c))),
      crossZoneLoadBalancing: true,
      tags: m.tags(lbTask),
    },
  });
  m.add({
    kind: 'NetworkLoadBalancerListener',
    name: listenerTaskName(lbTask, 443),
    desired: { loadBalancer: ref('NetworkLoadBalancer', lbTask, 'arn'), port: 443, protocol: 'TCP', targetGroup: ref('TargetGroup', tgName, 'arn') },
  });
  const dnsType = spec.topology?.dns?.type ?? 'None';
  if (dnsType !== 'None' && spec.dnsZone) {
    const zonePrivate = dnsType === 'Private';
    m.add({ kind: 'DNSZone', name: spec.dnsZone, shared: true, desired: { name: spec.dnsZone, private: zonePrivate } });
    m.add({
      kind: 'DNSName',
      name: `api.${c}`,
      desired: {
        zone: ref('DNSZone', spec.dnsZone),
        zonePrivate,
        name: `api.${c}`,
        type: 'A',
        alias: { dnsName: ref('NetworkLoadBalancer', lbTask, 'dnsName'), hostedZoneId: ref('NetworkLoadBalancer', lbTask, 'hostedZoneId') },
      },
    });
  }
  return tgName;
}
