/**
 * The refusal of a cloud a command cannot handle (yet), worded per command: what it handles, the
 * cluster and its `spec.cloudProvider`, and what to do instead. Exit code 2.
 */
import { KopsError } from '../diagnostics.js';
import type { CloudOperation } from './provider.js';

export function unsupportedCloud(operation: CloudOperation, clusterName: string, cloud: string | undefined): KopsError {
  const name = clusterName;
  const field = `spec.cloudProvider ${cloud === undefined ? 'unset' : JSON.stringify(cloud)}`;
  const setAws = 'set spec.cloudProvider to aws (kops-ts edit cluster) if the cluster is on AWS';
  switch (operation) {
    case 'update cluster':
      return new KopsError('UnsupportedCloud', `update cluster builds AWS clusters only; ${name} is on ${cloud ?? 'no cloud (spec.cloudProvider unset)'}`, {
        hint: cloud === undefined ? setAws : 'its spec is validated and stored (create, edit, get), but kops-ts cannot apply it yet',
        exitCode: 2,
      });
    case 'delete cluster':
      return new KopsError('UnsupportedCloud', `delete cluster deletes AWS clusters only; ${name} is on ${cloud ?? 'no cloud (spec.cloudProvider unset)'}`, {
        hint: `delete its cloud resources by hand, then remove only its state with kops-ts delete cluster --name ${name} --unregister --yes`,
        exitCode: 2,
      });
    case 'get instances':
    case 'toolbox dump':
    case 'validate cluster':
      return new KopsError('UnsupportedCloud', `${operation} reads AWS clusters only; ${name} has ${field}`, {
        hint: cloud === undefined ? setAws : "list its instances and resources with the cloud's own tools",
        exitCode: 2,
      });
    case 'rolling update':
      if (cloud === 'gce') {
        return new KopsError('UnsupportedCloud', `rolling update drives AWS clusters only; ${name} is on GCE`, {
          hint: 'GCE instance groups are not supported by the rolling update yet; replace its instances with the GCE console or gcloud',
          exitCode: 2,
        });
      }
      return new KopsError('UnsupportedCloud', `rolling update drives AWS clusters only; ${name} has ${field}`, {
        hint: "set spec.cloudProvider to aws (kops-ts edit cluster), or replace the instances with the cloud's own tools",
        exitCode: 2,
      });
  }
}
