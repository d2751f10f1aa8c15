/**
 * Where a cluster's API and etcd are reached, from the completed spec (and the API load
 * balancer's DNS name, known at apply time): the control-plane endpoint, the API server's and
 * etcd's certificate SANs, the etcd members, the group that runs `kubeadm init`. Used by the
 * kubeadm configuration (kubeadm.ts, which re-exports these), the addons and `create instancegroup`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { KopsError } from '../diagnostics.js';
import type { Cluster } from '../model/api/types.js';
import { parseCidr } from '../model/cidr.js';
import { STACKED_ETCD_CLUSTER } from '../model/defaults.js';

/** The API load balancer listens on 443 (kops's port); each API server binds 443 too. */
export const API_PORT = 443;
export const DNS_DOMAIN = 'cluster.local';
/** The etcd cluster kubeadm's stacked etcd runs: kops's `main`. */
export { STACKED_ETCD_CLUSTER };

/** Facts known only when `update cluster` runs, not in the spec. */
export interface BootstrapFacts {
  /**
   * The API load balancer's DNS name (AWS assigns it): the control-plane endpoint when the
   * cluster publishes no DNS (`topology.dns.type: None`), and a SAN of the API server otherwise.
   */
  readonly loadBalancerDnsName?: string;
  /** `<6>.<16>` lowercase alphanumerics, kubeadm's bootstrap token format. A secret. */
  readonly bootstrapToken: string;
  /** `sha256:<hex>` of each trusted cluster CA's public key (`caCertHash`). */
  readonly caCertHashes: readonly string[];
}

/** `sha256:<hex>` of the certificate's DER SubjectPublicKeyInfo, as kubeadm's `--discovery-token-ca-cert-hash`. */
export function caCertHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** `host:port`, with an IPv6 address bracketed. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The first address of the service range: the `kubernetes` service's cluster IP. */
export function kubernetesServiceIP(serviceClusterIPRange: string, cluster?: string): string {
  const c = parseCidr(serviceClusterIPRange);
  if (!c) throw specError(cluster, 'spec.serviceClusterIPRange', `is ${JSON.stringify(serviceClusterIPRange)}, not a CIDR`);
  const n = c.start + 1n;
  const width = c.kind === 'ipv4' ? 4 : 16;
  const bytes = Array.from({ length: width }, (_, i) => Number((n >> BigInt((width - 1 - i) * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString(); // RFC 5952's compressed form for IPv6
}

/** A spec field the bootstrap cannot use; `cluster` names the cluster in the hint's commands (unknown: a placeholder). */
export function specError(cluster: string | undefined, field: string, what: string, hint?: string): KopsError {
  const name = cluster ?? '<cluster>';
  return new KopsError('InvalidBootstrapInput', `${field} ${what}`, { hint: hint ?? `fix the spec with kops-ts edit cluster ${name}, then run kops-ts update cluster --name ${name} --yes`, exitCode: 2 });
}

export function clusterName(c: Cluster): string {
  return c.metadata.name;
}

/** The API's public DNS name, as the DNS model publishes it (None: there is none). */
function publicName(c: Cluster): string | undefined {
  if ((c.spec.topology?.dns?.type ?? 'None') === 'None') return undefined;
  return c.spec.api?.publicName || c.spec.masterPublicName || `api.${clusterName(c)}`;
}

/**
 * The host every kubelet and kubectl reaches the API by: the public DNS name when the cluster
 * publishes DNS (an alias of the load balancer), else the load balancer's own DNS name.
 */
export function controlPlaneHost(c: Cluster, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): string {
  const name = publicName(c) ?? facts.loadBalancerDnsName;
  if (!name) {
    throw new KopsError('NoAPIEndpoint', `cluster ${clusterName(c)} publishes no DNS name and its API load balancer has no DNS name yet`, {
      hint: `the bootstrap configuration is written after the load balancer exists: run kops-ts update cluster --name ${clusterName(c)} --yes`,
    });
  }
  return name;
}

export function controlPlaneEndpoint(c: Cluster, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): string {
  return hostPort(controlPlaneHost(c, facts), API_PORT);
}

/**
 * Every name and address the API is reached by, for the API server's serving certificate:
 * the public name, the load balancer, kops's internal name, the in-cluster names and the
 * service IP, and the loopback the control plane's own components use. Sorted, no duplicates.
 */
export function apiServerCertSANs(c: Cluster, facts: Pick<BootstrapFacts, 'loadBalancerDnsName'>): string[] {
  const name = clusterName(c);
  const sans = [
    publicName(c),
    facts.loadBalancerDnsName,
    `api.internal.${name}`,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${DNS_DOMAIN}`,
    kubernetesServiceIP(serviceRange(c), clusterName(c)),
    'localhost',
    '127.0.0.1',
  ];
  return [...new Set(sans.filter((s): s is string => Boolean(s)))].sort();
}

/** The completed spec's service range (an error if unset). */
export function serviceRange(c: Cluster): string {
  const r = c.spec.serviceClusterIPRange;
  if (!r) throw specError(clusterName(c), 'spec.serviceClusterIPRange', 'is not set in the completed spec');
  return r;
}

/** The stacked etcd's members of a control-plane group (kops's `etcdClusters[main].etcdMembers`). */
export function etcdMembersOf(c: Cluster, igName: string): string[] {
  const main = (c.spec.etcdClusters ?? []).find((e) => e.name === STACKED_ETCD_CLUSTER);
  return (main?.etcdMembers ?? []).filter((m) => m.instanceGroup === igName).map((m) => m.name);
}

/** The stable name of an etcd member: kops's `etcd-<member>.internal.<cluster>`. */
export function etcdMemberName(c: Cluster, member: string): string {
  return `etcd-${member}.internal.${clusterName(c)}`;
}

/**
 * The etcd server and peer SANs of a control-plane group's member (kubeadm adds the node's own
 * hostname and IP, `localhost`, `127.0.0.1` and `::1`).
 */
export function etcdCertSANs(c: Cluster, igName: string): string[] {
  return [...new Set(etcdMembersOf(c, igName).map((m) => etcdMemberName(c, m)))].sort();
}

/** The control-plane group that runs `kubeadm init` when no cluster exists yet: the first `main` member's. */
export function initGroup(c: Cluster): string | undefined {
  const main = (c.spec.etcdClusters ?? []).find((e) => e.name === STACKED_ETCD_CLUSTER);
  const members = [...(main?.etcdMembers ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return members[0]?.instanceGroup;
}

export function kubeProxyEnabled(c: Cluster): boolean {
  const kp = (c.spec as { kubeProxy?: { enabled?: boolean } }).kubeProxy;
  return kp?.enabled !== false;
}
