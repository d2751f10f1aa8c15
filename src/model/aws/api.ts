/**
 * The API endpoint, as kops's APILoadBalancerBuilder (pkg/model/awsmodel/api_loadbalancer.go)
 * and DNSModelBuilder build it: a Network Load Balancer `api.<cluster>` with its own security group
 * `api-elb.<cluster>` from creation (AWS cannot add security groups to an NLB made without one),
 * a TCP 443 target group that the control-plane (and API-server) autoscaling groups register with,
 * and with a hosted zone an alias record (`api.publicName` / `masterPublicName`, default
 * `api.<cluster>`).
 *
 * - `api-elb.<cluster>`: 443 from `kubernetesApiAccess` (and 8443 with a certificate), ICMP
 *   "fragmentation needed" (type 3 code 4; all ICMPv6 for IPv6 sources) for path-MTU discovery,
 *   all egress; with DNS None, everything from the nodes (they reach the API through it).
 * - The control planes accept 443 (8443, 3988) from that group only, plus ICMP 3/4 both ways.
 * - `api.loadBalancer.sslCertificate`: kops's TLS variant — 443 is a TLS listener with the
 *   certificate (policy `sslPolicy`, default `ELBSecurityPolicy-2016-08`) to a TLS target group
 *   `tls-...`, and a plain TCP listener on 8443 keeps client-certificate authentication working.
 * - DNS None (kops's default): the `kops-controller` target group (HTTPS health check `/healthz`)
 *   and listener on 3988 as kops builds them, so that a kops-built cluster keeps them; and
 *   cross-zone load balancing is forced on. Otherwise `crossZoneLoadBalancing`, default false.
 * - `api.loadBalancer.additionalSecurityGroups` are attached to the NLB after `api-elb`.
 *
 * Why an NLB even with Route53 (kops uses records to the control-plane instances kept up to date by
 * dns-controller): an alias to the NLB follows replacements by itself (the autoscaling groups
 * register new instances), works before the cluster is up, and needs nothing running in the cluster.
 */
import { listenerTaskName, targetGroupName, awsResourceName32 } from '../../tasks/aws/elb-listing.js';
import { KOPS_API_HEALTH_CHECK, KOPS_TARGET_GROUP_ATTRIBUTES, type HealthCheck, type TargetGroupProtocol } from '../../tasks/aws/target-group.js';
import { ref, type Ref, type Val } from '../../tasks/types.js';
import { normalizeRole, type ClusterSubnetSpec, type SubnetType } from '../api/types.js';
import type { AwsModelContext } from './context.js';
import { SECURITY_GROUP_DESCRIPTIONS, addPmtuRule, addRule, addSecurityGroup, cidrsOf, elbSecurityGroupName } from './firewall.js';
import { apiLoadBalancerAwsName, securityGroupName, subnetTaskName } from './names.js';

/** kops-controller's port (`wellknownports.KopsControllerPort`). */
export const KOPS_CONTROLLER_PORT = 3988;
/** AWS's default TLS policy, kops's default for the API's TLS listener. */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

/** The hosted zone records are written to, when the cluster publishes DNS. */
export interface DnsZoneRef {
  readonly zone: Ref;
  readonly private: boolean;
}

export interface ApiBuilt {
  /** Target groups (task names) the control-plane groups register with. */
  readonly controlPlaneTargetGroups: readonly string[];
  /** Target groups API-server groups register with (kops: the API ones, not kops-controller's). */
  readonly apiServerTargetGroups: readonly string[];
  readonly dnsZone?: DnsZoneRef;
}

/**
 * One subnet per zone for a load balancer, as kops's `chooseBestSubnetForELB`: a public load
 * balancer uses Public and Utility subnets, an internal one Private and DualStack ones; within a
 * zone the best score wins (Utility 3, DualStack 2, a control-plane subnet 1), ties by name.
 */
export function loadBalancerSubnets(m: AwsModelContext, internal: boolean): ClusterSubnetSpec[] {
  const types: readonly SubnetType[] = internal ? ['Private', 'DualStack'] : ['Public', 'Utility'];
  const controlPlaneSubnets = new Set(m.instanceGroups.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane').flatMap((ig) => ig.spec.subnets ?? []));
  const score = (s: ClusterSubnetSpec) => (controlPlaneSubnets.has(s.name) ? 1 : 0) + (s.type === 'DualStack' ? 2 : 0) + (s.type === 'Utility' ? 3 : 0);
  const byZone = new Map<string, ClusterSubnetSpec>();
  const candidates = m.subnets.filter((s) => types.includes(s.type) && s.zone).sort((a, b) => score(b) - score(a) || a.name.localeCompare(b.name));
  for (const s of candidates) if (!byZone.has(s.zone!)) byZone.set(s.zone!, s);
  return [...byZone.keys()].sort().map((z) => byZone.get(z)!);
}

/** A target group of a cluster load balancer with kops's health check and attributes. */
export function addTargetGroup(m: AwsModelContext, name: string, protocol: TargetGroupProtocol, port: number, healthCheck: HealthCheck = KOPS_API_HEALTH_CHECK): void {
  m.add({
    kind: 'TargetGroup',
    name,
    desired: {
      name,
      vpc: m.sharedVpc ? m.cluster.spec.networkID! : ref('VPC', m.name),
      protocol,
      port,
      targetType: 'instance',
      healthCheck,
      attributes: KOPS_TARGET_GROUP_ATTRIBUTES,
      tags: m.tags(name),
    },
  });
}

export function addListener(m: AwsModelContext, lbTask: string, port: number, targetGroup: string, tls?: { certificateArn: string; sslPolicy: string }): void {
  m.add({
    kind: 'NetworkLoadBalancerListener',
    name: listenerTaskName(lbTask, port),
    desired: {
      loadBalancer: ref('NetworkLoadBalancer', lbTask, 'arn'),
      port,
      protocol: tls ? 'TLS' : 'TCP',
      targetGroup: ref('TargetGroup', targetGroup, 'arn'),
      ...(tls ? { certificateArn: tls.certificateArn, sslPolicy: tls.sslPolicy } : {}),
    },
  });
}

/** Builds the API tasks; returns the target groups instance groups register with, and the DNS zone. */
export function buildApi(m: AwsModelContext): ApiBuilt {
  const c = m.name;
  const spec = m.cluster.spec;
  const lb = spec.api?.loadBalancer ?? {};
  const lbTask = `api.${c}`;
  const internal = lb.type === 'Internal';
  const dnsType = spec.topology?.dns?.type ?? 'None';
  // kops's UsesLoadBalancerForKopsController: nodes reach kops-controller (and the API) through it.
  const throughLoadBalancer = dnsType === 'None';
  const certificate = lb.sslCertificate ?? '';
  const masters = securityGroupName('masters', c);
  const nodes = securityGroupName('nodes', c);
  const lbSG = elbSecurityGroupName('api', c);

  // The load balancer's own security group.
  addSecurityGroup(m, lbSG, SECURITY_GROUP_DESCRIPTIONS['api-elb']);
  for (const cidr of cidrsOf(spec.kubernetesApiAccess)) {
    addRule(m, { group: lbSG, direction: 'ingress', protocol: 'tcp', from: 443, to: 443, cidr });
    if (certificate) addRule(m, { group: lbSG, direction: 'ingress', protocol: 'tcp', from: 8443, to: 8443, cidr });
    addPmtuRule(m, lbSG, cidr);
  }
  if (throughLoadBalancer) addRule(m, { group: lbSG, direction: 'ingress', protocol: '-1', sourceGroup: nodes });
  // The control planes: the API (and the ports the listeners forward) only from the load balancer.
  addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from: 443, to: 443, sourceGroup: lbSG });
  addRule(m, { group: masters, direction: 'ingress', protocol: 'icmp', from: 3, to: 4, sourceGroup: lbSG });
  addRule(m, { group: lbSG, direction: 'ingress', protocol: 'icmp', from: 3, to: 4, sourceGroup: masters });
  if (certificate) addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from: 8443, to: 8443, sourceGroup: lbSG });
  if (throughLoadBalancer) addRule(m, { group: masters, direction: 'ingress', protocol: 'tcp', from: KOPS_CONTROLLER_PORT, to: KOPS_CONTROLLER_PORT, sourceGroup: lbSG });

  // Target groups and listeners.
  const tcp = targetGroupName(c, 'tcp');
  addTargetGroup(m, tcp, 'TCP', 443);
  const controlPlane = [tcp];
  const apiServer = [tcp];
  if (certificate) {
    const tls = targetGroupName(c, 'tls');
    addTargetGroup(m, tls, 'TLS', 443);
    controlPlane.push(tls);
    apiServer.push(tls);
    addListener(m, lbTask, 443, tls, { certificateArn: certificate, sslPolicy: lb.sslPolicy ?? DEFAULT_SSL_POLICY });
    addListener(m, lbTask, 8443, tcp);
  } else {
    addListener(m, lbTask, 443, tcp);
  }
  if (throughLoadBalancer) {
    const kc = targetGroupName(c, 'kops-controller');
    addTargetGroup(m, kc, 'TCP', KOPS_CONTROLLER_PORT, { protocol: 'HTTPS', path: '/healthz', intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 });
    controlPlane.push(kc);
    addListener(m, lbTask, KOPS_CONTROLLER_PORT, kc);
  }

  m.add({
    kind: 'NetworkLoadBalancer',
    name: lbTask,
    desired: {
      loadBalancerName: apiLoadBalancerAwsName(c),
      scheme: internal ? 'internal' : 'internet-facing',
      subnets: loadBalancerSubnets(m, internal).map((s) => ref('Subnet', subnetTaskName(s.name, c))),
      securityGroups: [ref('SecurityGroup', lbSG), ...(lb.additionalSecurityGroups ?? [])] as Val<string>[],
      // kops forces cross-zone on when nodes bootstrap through the load balancer; else the spec's, default off.
      crossZoneLoadBalancing: throughLoadBalancer ? true : (lb.crossZoneLoadBalancing ?? false),
      tags: m.tags(lbTask),
    },
  });

  let dnsZone: DnsZoneRef | undefined;
  if (dnsType !== 'None' && spec.dnsZone) {
    const zonePrivate = dnsType === 'Private';
    // kops associates the cluster's VPC with a private zone (DNSZone.PrivateVPC): else its instances cannot resolve the API.
    const privateVpc = zonePrivate ? { privateVpc: m.sharedVpc ? spec.networkID! : ref('VPC', m.name) } : {};
    m.add({ kind: 'DNSZone', name: spec.dnsZone, shared: true, desired: { name: spec.dnsZone, private: zonePrivate, ...privateVpc } });
    dnsZone = { zone: ref('DNSZone', spec.dnsZone), private: zonePrivate };
    addAliasRecord(m, dnsZone, apiPublicName(m), lbTask);
  }
  return { controlPlaneTargetGroups: controlPlane, apiServerTargetGroups: apiServer, ...(dnsZone ? { dnsZone } : {}) };
}

/** The API's public name: `api.publicName`, else `masterPublicName` (v1alpha2), else `api.<cluster>`. */
export function apiPublicName(m: AwsModelContext): string {
  const spec = m.cluster.spec;
  return spec.api?.publicName || spec.masterPublicName || `api.${m.name}`;
}

/** An A record aliasing a load balancer; the task is named after the record, as kops names it. */
export function addAliasRecord(m: AwsModelContext, zone: DnsZoneRef, name: string, lbTask: string): void {
  m.add({
    kind: 'DNSName',
    name,
    desired: {
      zone: zone.zone,
      zonePrivate: zone.private,
      name,
      type: 'A',
      alias: { dnsName: ref('NetworkLoadBalancer', lbTask, 'dnsName'), hostedZoneId: ref('NetworkLoadBalancer', lbTask, 'hostedZoneId') },
    },
  });
}

/** kops's `LBName32` for the bastion's load balancer and target group. */
export function bastionLoadBalancerAwsName(cluster: string): string {
  return awsResourceName32(cluster, 'bastion');
}
