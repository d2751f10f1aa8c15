/**
 * The cluster's instance templates, listed once per run by their cluster label: the
 * InstanceTemplate kind finds its templates (and orphans) in this list, the InstanceGroupManager
 * kind reads its MIGs' template labels here instead of one instanceTemplates.get per group
 * (instance-group-manager.ts, `templateLabels`), and the rolling update's view of the groups
 * (src/cloud/gce/instance-groups.ts) lists them the same way.
 *
 * Compute methods: instanceTemplates.list (filter by cluster label).
 */
import type { protos } from '@google-cloud/compute';
import type { GceClients } from '../../cloud/gce/clients.js';
import { drain, LIST_OPTS } from './common.js';
import { gceClusterLabel, type GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER } from './types.js';

export type ApiTemplate = protos.google.cloud.compute.v1.IInstanceTemplate;

/** Every template of `project` labelled as the cluster's (one paged list). */
export function listClusterTemplates(clients: Pick<GceClients, 'instanceTemplates'>, project: string, clusterName: string): Promise<ApiTemplate[]> {
  return drain(clients.instanceTemplates.listAsync({ project, filter: `properties.labels.${GCE_LABEL_CLUSTER} = "${gceClusterLabel(clusterName)}"` }, LIST_OPTS));
}

/** `listClusterTemplates`, once per run (memoised on the context). */
export function clusterTemplates(ctx: GceTaskContext): Promise<ApiTemplate[]> {
  return ctx.once('gce:instanceTemplates', () => listClusterTemplates(ctx.clients, ctx.project, ctx.clusterName));
}
