/**
 * `update cluster --yes`'s hook that writes the node bootstrap configuration (igconfig/, addons/)
 * after a successful apply, still under the cluster lock.
 *
 * Why after the apply: the control-plane endpoint of a cluster without DNS is the API load
 * balancer's DNS name, which AWS assigns when the load balancer is created. Instances launched
 * during the apply wait for their files (the user-data retries the fetch), which arrive seconds
 * after the apply ends; under the lock, so no other `update` writes them at the same time.
 */
import { KopsError, warning, type Diagnostic } from '../diagnostics.js';
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import type { BootstrapCloudFacts } from '../cloud/provider.js';
import type { StateStore } from '../statestore/types.js';
import type { ApplyResult } from '../tasks/apply.js';
import { taskKey } from '../tasks/types.js';
import { writeBootstrapConfig, type WriteBootstrapResult } from '../bootstrap/store.js';

/** Problems of the spec that stop the bootstrap configuration but not the infrastructure. */
const SPEC_PROBLEMS = new Set(['InvalidBootstrapInput', 'UnsupportedNetworking', 'InvalidNetworking', 'NoAPIEndpoint']);

/**
 * The API load balancer's address after the apply: on AWS its DNS name
 * (`NetworkLoadBalancer/api.<cluster>`), on GCE the IP of its static address (`Address/api-<safe
 * cluster>`, which the forwarding rule serves).
 */
export function apiLoadBalancerDnsName(cluster: string, applied: Pick<ApplyResult, 'actuals'>): string | undefined {
  const lb = applied.actuals.get(taskKey('NetworkLoadBalancer', `api.${cluster}`)) as { dnsName?: unknown } | undefined;
  if (typeof lb?.dnsName === 'string' && lb.dnsName !== '') return lb.dnsName;
  // GCE's one Address task is the API's (`api-<safe cluster>`); matched by key so that this
  // generic module loads nothing of a cloud's.
  for (const [key, a] of applied.actuals) {
    const ip = (a as { address?: unknown } | undefined)?.address;
    if (key.startsWith('Address/api-') && typeof ip === 'string' && ip !== '') return ip;
  }
  return undefined;
}

export async function writeBootstrapAfterApply(
  store: StateStore,
  completed: { cluster: Cluster; instanceGroups: readonly InstanceGroup[] },
  applied: Pick<ApplyResult, 'actuals'>,
  /** The cloud's facts from `update`'s prepare (the ones its launch templates were digested with). */
  cloudFacts: BootstrapCloudFacts = {},
): Promise<{ result?: WriteBootstrapResult; warnings: Diagnostic[] }> {
  const name = completed.cluster.metadata.name;
  const dnsName = apiLoadBalancerDnsName(name, applied);
  const autoscalerRole = cloudFacts.clusterAutoscalerRoleArn;
  try {
    const result = await writeBootstrapConfig({
      store,
      cluster: completed.cluster,
      instanceGroups: completed.instanceGroups,
      ...(dnsName ? { loadBalancerDnsName: dnsName } : {}),
      ...(autoscalerRole ? { clusterAutoscalerRoleArn: autoscalerRole } : {}),
    });
    return { result, warnings: result.skipped.map((s) => warning('BootstrapConfigNotWritten', `node bootstrap configuration not written: ${s}`)) };
  } catch (e) {
    if (!KopsError.is(e) || !SPEC_PROBLEMS.has(e.code)) throw e;
    const hint = e.diagnostics[0]?.hint;
    const w = warning('BootstrapConfigNotWritten', `node bootstrap configuration not written: ${e.message}`, hint ? { hint } : {});
    return { warnings: [w] };
  }
}
