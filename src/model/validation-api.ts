/** Validation of DNS topology and of how the Kubernetes API is reached (records or a load balancer). */
import type { ClusterSpec } from './api/types.js';
import type { Reporter } from './validation-util.js';

export function validateTopologyAndAPI(r: Reporter, clusterName: string, spec: ClusterSpec, cloud: string | undefined): void {
  const dnsType = spec.topology?.dns?.type;
  // On AWS, kops finds the zone itself (the longest suffix of the cluster name with a hosted zone):
  // update cluster's pre-flight does that lookup (src/cloudup/aws/preflight.ts).
  if ((dnsType === 'Public' || dnsType === 'Private') && !spec.dnsZone && cloud !== 'aws') {
    r.err(
      'MissingDNSZone',
      'spec.dnsZone',
      `DNS type ${dnsType} needs a hosted zone to publish the API's records in`,
      'set spec.dnsZone (create cluster --dns-zone), or use topology.dns.type: None and a load balancer',
    );
  }
  if ((dnsType === 'Public' || dnsType === 'Private') && spec.dnsZone?.includes('.')) checkRecordsInZone(r, clusterName, spec, spec.dnsZone);
  if (dnsType !== 'None' && clusterName.replace(/\.$/, '').endsWith('.k8s.local')) {
    r.err('GossipNotSupported', 'spec.topology.dns.type', 'gossip DNS (a cluster name ending in .k8s.local) was removed in kops 1.37', 'use topology.dns.type: None');
  }
  const bastionLb = spec.topology?.bastion?.loadBalancer;
  if (cloud === 'aws' && bastionLb) checkSecurityGroups(r, 'spec.topology.bastion.loadBalancer.additionalSecurityGroups', bastionLb.additionalSecurityGroups);
  const lb = spec.api?.loadBalancer;
  if (dnsType === 'None' && lb == null) {
    r.err('APINotReachable', 'spec.api.loadBalancer', 'with topology.dns.type None the API is reached through a load balancer, and none is set', 'set api.loadBalancer: {type: Public}');
  }
  if (lb == null) return;
  const path = 'spec.api.loadBalancer';
  if (lb.class === 'Classic') {
    r.err(
      'UnsupportedLoadBalancerClass',
      `${path}.class`,
      'Classic load balancers are no longer supported for the API, as in kops',
      'use class: Network (kops 1.36 and earlier can migrate an existing cluster)',
    );
  } else if (lb.class != null && cloud !== 'aws') {
    r.err('UnsupportedField', `${path}.class`, 'a load balancer class is supported on AWS only', 'remove it');
  }
  if (lb.type === 'Internal' && !(spec.subnets ?? []).some((s) => s.type === 'Private')) {
    r.err('InvalidLoadBalancer', `${path}.type`, 'an Internal load balancer needs at least one subnet of type Private', 'use type: Public, or private topology');
  }
  if (lb.sslCertificate && lb.class !== 'Network' && cloud === 'aws') {
    r.err('InvalidLoadBalancer', `${path}.sslCertificate`, 'sslCertificate needs a Network load balancer', 'set class: Network');
  }
  if (lb.sslPolicy && !lb.sslCertificate) {
    r.err('InvalidLoadBalancer', `${path}.sslPolicy`, 'sslPolicy is the policy of the TLS listener, which only sslCertificate creates', 'set sslCertificate too, or remove sslPolicy');
  }
  if (cloud === 'aws') checkSecurityGroups(r, `${path}.additionalSecurityGroups`, lb.additionalSecurityGroups);
}

/**
 * The records kops-ts publishes (the API's name, a bastion's given name) must lie in the zone
 * `spec.dnsZone` names (a name; an id is checked against the zone found, at plan time): Route53
 * refuses a record outside its zone, and it did so only at apply, after the rest of the cluster
 * had been created.
 */
function checkRecordsInZone(r: Reporter, clusterName: string, spec: ClusterSpec, dnsZone: string): void {
  const zone = dnsZone.replace(/\.$/, '').toLowerCase();
  // create cluster writes kops's default masterPublicName, api.<cluster>: then the cluster's name is what to change.
  const custom = spec.masterPublicName && spec.masterPublicName !== `api.${clusterName}` ? spec.masterPublicName : undefined;
  const api = spec.api?.publicName ? ['spec.api.publicName', spec.api.publicName] : custom ? ['spec.masterPublicName', custom] : ['metadata.name', `api.${clusterName}`];
  const bastion = spec.topology?.bastion?.bastionPublicName;
  const records: [string, string][] = [api as [string, string], ...(bastion ? [['spec.topology.bastion.bastionPublicName', bastion] as [string, string]] : [])];
  for (const [path, raw] of records) {
    const name = raw.replace(/\.$/, '').toLowerCase();
    if (name === zone || name.endsWith(`.${zone}`)) continue;
    r.err(
      'RecordOutsideZone',
      path,
      `the DNS name ${name} is not in the hosted zone ${zone} (spec.dnsZone), where kops-ts would publish it`,
      path === 'metadata.name' ? `name the cluster under ${zone} (e.g. my.${zone}), set spec.api.publicName to a name in it, or set spec.dnsZone to the zone that holds ${name}` : `use a name under ${zone}, or set spec.dnsZone to the zone that holds ${name}`,
    );
  }
}

/** kops's AWS rule: security group ids start with `sg-`, each listed once. */
export function checkSecurityGroups(r: Reporter, path: string, groups: readonly string[] | undefined | null): void {
  const seen = new Set<string>();
  (groups ?? []).forEach((g, i) => {
    if (typeof g !== 'string' || !g.startsWith('sg-')) r.err('InvalidSecurityGroup', `${path}[${i}]`, `${JSON.stringify(g)} is not a security group id`, 'use an id such as sg-0123456789abcdef0');
    else if (seen.has(g)) r.err('DuplicateSecurityGroup', `${path}[${i}]`, `${g} is listed twice`, 'list it once');
    seen.add(g);
  });
}
