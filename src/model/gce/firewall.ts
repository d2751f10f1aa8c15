/**
 * kops's GCE firewall rules (pkg/model/gcemodel firewall.go, external_access.go,
 * api_loadbalancer.go): ingress rules of the cluster's network between the role tags
 * (`<safe cluster>-k8s-io-role-<role>`), from the user's ranges and from Google's health checkers.
 *
 * GCE rules hold one address family. kops emits each range-sourced rule twice, `<id>` (IPv4) and
 * `<id>-ipv6`, the one without ranges disabled; kops-ts has no disabled rules and emits a family's
 * rule only when the spec gives ranges of it (ICMP is protocol 58 in the IPv6 rule, as in kops).
 */
import { GCE_KINDS, type GceFirewallAllowed, type GceFirewallRuleDesired } from '../../tasks/gce/types.js';
import type { GceModelContext } from './context.js';
import { nodePortRange } from '../control-plane-components.js';
import { firewallRuleName, type GceFirewallRuleId, type GceRangedFirewallRuleId } from './names.js';

/** kops's wellknownports used by the rules. */
export const PORTS = {
  kubeAPIServer: 443,
  kubeletAPI: 10250,
  kopsController: 3988,
  kubeControllerManagerMetrics: 10257,
  kubeSchedulerMetrics: 10259,
  kubeProxyMetrics: 10249,
  etcdMetrics: 2382,
  etcdEventsMetrics: 2384,
  nodeExporterMetrics: 9100,
  bgp: 179,
  vxlanUdp: 8472,
  ssh: 22,
} as const;

/** Google's load-balancer health checkers (cloud.google.com/load-balancing/docs/health-checks). */
export const GOOGLE_HEALTH_CHECK_RANGES = ['35.191.0.0/16', '130.211.0.0/22'] as const;

function tcp(...ports: number[]): GceFirewallAllowed[] {
  return ports.map((p) => ({ protocol: 'tcp', ports: [String(p)] }));
}

export function buildFirewall(m: GceModelContext): void {
  const c = m.name;
  const add = (id: GceFirewallRuleId, rule: Omit<GceFirewallRuleDesired, 'name' | 'network'>): void => {
    const name = firewallRuleName(id, c);
    m.add<GceFirewallRuleDesired>({ kind: GCE_KINDS.firewallRule, name, desired: { name, network: m.networkRef, ...rule } });
  };
  /** kops's AddFirewallRulesTasks: split the ranges by family. */
  const addRanged = (id: GceRangedFirewallRuleId, ranges: readonly string[], rule: Omit<GceFirewallRuleDesired, 'name' | 'network' | 'sourceRanges'>): void => {
    const v4 = ranges.filter((r) => !r.includes(':'));
    const v6 = ranges.filter((r) => r.includes(':'));
    if (v4.length > 0) add(id, { ...rule, sourceRanges: v4 });
    if (v6.length > 0) add(`${id}-ipv6`, { ...rule, sourceRanges: v6, allowed: rule.allowed.map((a) => (a.protocol === 'icmp' ? { ...a, protocol: '58' } : a)) });
  };

  const all: GceFirewallAllowed[] = ['tcp', 'udp', 'icmp', 'esp', 'ah', 'sctp', ...(m.calico ? ['ipip'] : [])].map((protocol) => ({ protocol }));
  const nodeTag = m.tag('Node');
  const spec = m.cluster.spec;

  // Cluster-internal traffic.
  if (spec.api?.loadBalancer != null) {
    add('lb-health-checks', { sourceRanges: [...GOOGLE_HEALTH_CHECK_RANGES], targetTags: m.apiServerTargetTags, allowed: [{ protocol: 'tcp' }] });
  }
  add('node-to-node', { sourceTags: [nodeTag], targetTags: [nodeTag], allowed: all });
  add('master-to-master', { sourceTags: m.controlPlaneTags, targetTags: m.controlPlaneTags, allowed: all });
  add('master-to-node', { sourceTags: m.controlPlaneTags, targetTags: [nodeTag], allowed: all });
  const toMaster: GceFirewallAllowed[] = tcp(
    PORTS.kubeAPIServer, PORTS.kubeletAPI, PORTS.kopsController, PORTS.kubeControllerManagerMetrics, PORTS.kubeSchedulerMetrics,
    PORTS.kubeProxyMetrics, PORTS.etcdMetrics, PORTS.etcdEventsMetrics, PORTS.nodeExporterMetrics,
  );
  if (m.calico) toMaster.push({ protocol: 'ipip' }, ...tcp(PORTS.bgp));
  if (m.cilium) toMaster.push({ protocol: 'udp', ports: [String(PORTS.vxlanUdp)] });
  add('node-to-master', { sourceTags: [nodeTag], targetTags: m.controlPlaneTags, allowed: toMaster });
  if ((m.ipAlias || m.kubenet) && spec.podCIDR) {
    addRanged('pod-cidrs-to-node', [spec.podCIDR], { targetTags: [nodeTag], allowed: all });
  }

  // From outside: SSH, node ports, the API.
  const ssh = spec.sshAccess ?? [];
  if (m.hasBastion) {
    const bastionTag = m.tag('Bastion');
    addRanged('ssh-external-to-bastion', ssh, { targetTags: [bastionTag], allowed: tcp(PORTS.ssh) });
    add('bastion-to-master-ssh', { sourceTags: [bastionTag], targetTags: m.controlPlaneTags, allowed: tcp(PORTS.ssh) });
    add('bastion-to-node-ssh', { sourceTags: [bastionTag], targetTags: [nodeTag], allowed: tcp(PORTS.ssh) });
  } else {
    addRanged('ssh-external-to-master', ssh, { targetTags: m.controlPlaneTags, allowed: tcp(PORTS.ssh) });
    addRanged('ssh-external-to-node', ssh, { targetTags: [nodeTag], allowed: tcp(PORTS.ssh) });
  }
  // On the API server's NodePort range (kubeAPIServer.serviceNodePortRange), as kops.
  const range = nodePortRange(spec);
  const nodePorts = range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
  addRanged('nodeport-external-to-node', spec.nodePortAccess ?? [], {
    targetTags: [nodeTag],
    allowed: [{ protocol: 'tcp', ports: [nodePorts] }, { protocol: 'udp', ports: [nodePorts] }],
  });
  const apiAccess = spec.kubernetesApiAccess ?? [];
  if (spec.api?.loadBalancer != null) {
    addRanged('https-api', apiAccess, { targetTags: m.apiServerTargetTags, allowed: tcp(PORTS.kubeAPIServer) });
  } else {
    addRanged('kubernetes-master-https', apiAccess, { targetTags: m.controlPlaneTags, allowed: tcp(PORTS.kubeAPIServer) });
  }
  if (m.ipAlias && spec.podCIDR) {
    add('pod-cidrs-to-https-api', { sourceRanges: [spec.podCIDR], targetTags: m.apiServerTargetTags, allowed: tcp(PORTS.kubeAPIServer) });
  }
}
