/**
 * The cluster's instance templates, listed once per run by their cluster label: the
 * InstanceTemplate kind finds its templates (and orphans) in this list, and the
 * InstanceGroupManager kind reads its MIGs' template labels here instead of one
 * instanceTemplates.get per group (instance-group-manager.ts, `templateLabels`).
 *
 * Compute methods: instanceTemplates.list (filter by cluster label).
 */
import type { protos } from '@google-cloud/compute';
import { drain, LIST_OPTS } from './common.js';
import { gceClusterLabel, type GceTaskContext } from './context.js';
import { GCE_LABEL_CLUSTER } from './types.js';

export type ApiTemplate = protos.google.cloud.compute.v1.IInstanceTemplate;

/** Every template labelled as the cluster's (one paged list per run, memoised on the context). */
export function clusterTemplates(ctx: GceTaskContext): Promise<ApiTemplate[]> {
  return ctx.once('gce:instanceTemplates', () =>
    drain(ctx.clients.instanceTemplates.listAsync({ project: ctx.project, filter: `properties.labels.${GCE_LABEL_CLUSTER} = "${gceClusterLabel(ctx.clusterName)}"` }, LIST_OPTS)),
  );
}
