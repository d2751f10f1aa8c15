/**
 * `export kubeconfig` on GCE for a cluster without DNS: the external IP of the API load
 * balancer's static address (`Address` `api-<safe cluster>`, the address its forwarding rule
 * serves and the one the bootstrap writes into the nodes' configuration and the API server's
 * certificate), read by its name with `addresses.get` in the cluster's region.
 */
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';
import { apiLoadBalancerName } from '../../model/gce/names.js';
import type { GceClients } from './clients.js';
import { describeGceError, isGceNotFound } from './errors.js';

export async function gceApiEndpoint(clients: GceClients, cluster: Cluster): Promise<string> {
  const name = cluster.metadata.name;
  const addressName = apiLoadBalancerName(name);
  const where = `project ${clients.project}, region ${clients.region}`;
  const notYet = () =>
    new KopsError('LoadBalancerNotFound', `cluster ${name} has DNS None, and the static address of its API load balancer (Address ${addressName} in ${where}) does not exist yet`, {
      hint: `create it with kops-ts update cluster --name ${name} --yes`,
    });
  if (!cluster.spec.api?.loadBalancer) {
    throw new KopsError('NoAPIEndpoint', `cluster ${name} has DNS None and no API load balancer (spec.api.loadBalancer), so there is no address to reach its API by`, {
      hint: `set spec.api.loadBalancer.type: Public (kops-ts edit cluster ${name}), then kops-ts update cluster --name ${name} --yes; or use --internal from inside the cluster's network`,
    });
  }
  let ip: string | null | undefined;
  try {
    const [a] = await clients.addresses.get({ project: clients.project, region: clients.region, address: addressName });
    ip = a.address;
  } catch (e) {
    if (isGceNotFound(e)) throw notYet();
    if (KopsError.is(e)) throw e;
    const d = describeGceError(e);
    throw new KopsError('GceApiError', `cluster ${name} has DNS None: reading its API address ${addressName} (${where}) from GCE failed (${d.reason ?? (d.status !== undefined ? `HTTP ${d.status}` : (e as Error).name)}: ${d.message.split('\n')[0]})`, {
      hint: 'check the Google credentials (Application Default Credentials) and spec.project, or use --internal from inside the cluster\'s network',
      cause: e,
    });
  }
  if (!ip) throw notYet();
  return ip;
}
