/** The AWS model: a completed spec → the tasks of its cloud resources. Pure. */
import type { Task } from '../../tasks/types.js';
import { buildApi } from './api.js';
import { buildBastion } from './bastion.js';
import { buildCompute } from './compute.js';
import { AwsModelContext, type AwsModelInput } from './context.js';
import { buildEtcdVolumes } from './etcd.js';
import { buildFirewall } from './firewall.js';
import { buildIam } from './iam.js';
import { buildServiceAccountRoles } from './iam-service-accounts.js';
import { buildNetwork } from './network.js';
import { buildOidcProvider } from './oidc-provider.js';

export type { AwsModelInput } from './context.js';

export function buildAwsTasks(input: AwsModelInput): Task[] {
  const m = new AwsModelContext(input);
  buildNetwork(m);
  buildFirewall(m);
  buildIam(m);
  buildOidcProvider(m);
  buildServiceAccountRoles(m);
  const api = buildApi(m);
  const bastionTargetGroup = buildBastion(m, api.dnsZone);
  buildCompute(m, {
    ControlPlane: api.controlPlaneTargetGroups,
    APIServer: api.apiServerTargetGroups,
    ...(bastionTargetGroup ? { Bastion: [bastionTargetGroup] } : {}),
  });
  buildEtcdVolumes(m);
  return m.built();
}
