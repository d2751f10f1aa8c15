/**
 * The refusal of a cluster whose `spec.cloudProvider` is unset or a cloud kops-ts does not build
 * (AWS and GCE are built): what the command handles, the cluster and the field, and what to do.
 * Exit code 2.
 */
import { KopsError } from '../diagnostics.js';
import type { CloudOperation } from './provider.js';

const VERBS: Record<CloudOperation, string> = {
  'update cluster': 'builds',
  'delete cluster': 'deletes',
  'get instances': 'reads',
  'toolbox dump': 'reads',
  'validate cluster': 'reads',
  'rolling update': 'drives',
  'export kubeconfig': 'reads',
  'delete instance': 'replaces instances of',
};

export function unsupportedCloud(operation: CloudOperation, clusterName: string, cloud: string | undefined): KopsError {
  const field = `spec.cloudProvider ${cloud === undefined ? 'unset' : JSON.stringify(cloud)}`;
  const setCloud = `set spec.cloudProvider to aws or gce (kops-ts edit cluster ${clusterName}), the cloud the cluster is on`;
  const hint =
    operation === 'delete cluster'
      ? `${setCloud}; or delete its cloud resources by hand, then remove only its state with kops-ts delete cluster --name ${clusterName} --unregister --yes`
      : cloud === undefined
        ? setCloud
        : `its spec is validated and stored (create, edit, get), but kops-ts cannot act on a ${cloud} cluster; ${setCloud}`;
  return new KopsError('UnsupportedCloud', `${operation} ${VERBS[operation]} AWS and GCE clusters only; ${clusterName} has ${field}`, { hint, exitCode: 2 });
}
