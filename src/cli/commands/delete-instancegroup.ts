/**
 * `kops-ts delete instancegroup <name> [--yes]`: removes the group from the spec; the next
 * `update cluster --yes` deletes its cloud resources (kops deletes them at once; kops-ts plans them
 * as deletions, where they can be reviewed first). `delete -f` (delete-file.ts) uses the same
 * check, preview and deletion for each InstanceGroup of a manifest.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import { cloudProviderOf, type Cluster, type InstanceGroup } from '../../model/api/types.js';
import type { Clientset, Versioned } from '../../statestore/clientset.js';
import { clusterPaths } from '../../statestore/layout.js';
import type { CommandContext } from '../context.js';

/** An instance group that may be deleted, as read (its version makes the delete conditional). */
export interface DeletableInstanceGroup {
  readonly cluster: Cluster;
  readonly clusterName: string;
  readonly ig: Versioned<InstanceGroup>;
}

/**
 * Reads the group and its cluster and refuses a control-plane group that still holds etcd
 * members (removing it would leave etcd without them). Nothing is written.
 */
export async function checkInstanceGroupDeletable(cs: Clientset, clusterName: string, igName: string): Promise<DeletableInstanceGroup> {
  const ig = await cs.getInstanceGroup(clusterName, igName);
  const cluster = (await cs.getCluster(clusterName)).object;
  if (ig.object.spec.role === 'Master' || ig.object.spec.role === 'ControlPlane') {
    const member = (cluster.spec.etcdClusters ?? []).some((e) => (e.etcdMembers ?? []).some((m) => m.instanceGroup === igName));
    if (member) {
      throw new KopsError('InstanceGroupInUse', `instance group "${igName}" holds etcd members`, { hint: `remove its etcd members from the cluster spec first (kops-ts edit cluster ${clusterName})` });
    }
  }
  return { cluster, clusterName, ig };
}

/** What deleting the group would do, for a run without `--yes`. */
export function instanceGroupPreview(d: DeletableInstanceGroup): string {
  return `InstanceGroup/${d.ig.object.metadata.name} will be deleted from cluster ${d.clusterName}.\n`;
}

/** Deletes the group from the spec (only as read) and says what is left in the cloud and what removes it. */
export async function deleteInstanceGroupSpec(c: CommandContext, d: DeletableInstanceGroup): Promise<void> {
  const igName = d.ig.object.metadata.name;
  const name = d.clusterName;
  await c.clientset().deleteInstanceGroup(name, igName, d.ig.version);
  // No completed spec: no update --yes ever finished, so (as far as the store knows) nothing of the group was built.
  const applied = (await c.clientset().store.read(clusterPaths.completedSpec(name))) !== undefined;
  if (!applied) {
    c.io.stdout(`InstanceGroup "${igName}" deleted from the spec.\nCluster ${name} has not been applied yet (no update cluster --yes has completed), so nothing of the group was created in the cloud.\n`);
    return;
  }
  const gce = cloudProviderOf(d.cluster.spec) === 'gce';
  const resources = gce ? `Its managed instance group${(d.ig.object.spec.zones ?? []).length === 1 ? '' : 's (one per zone)'} and instance template still exist` : 'Its autoscaling group and launch template still exist';
  c.io.stdout(
    `InstanceGroup "${igName}" deleted from the spec.\n` +
      `${resources} if an update created them: the next \`kops-ts update cluster --name ${name}\` shows them as deletions, ` +
      `and \`kops-ts update cluster --name ${name} --yes\` deletes them, ${gce ? 'deleting' : 'terminating'} the group's instances (without draining them first).\n`,
  );
}

export function registerDeleteInstanceGroup(del: Command, ctx: () => CommandContext): void {
  del
    .command('instancegroup <name>')
    .aliases(['ig', 'instancegroups'])
    .description('Delete an instance group from the spec (the next update cluster --yes deletes its cloud resources)')
    .option('-y, --yes', 'really delete')
    .action(async (igName: string, flags: { yes?: boolean }) => {
      const c = ctx();
      const d = await checkInstanceGroupDeletable(c.clientset(), c.clusterName(), igName);
      if (!flags.yes) {
        c.io.stdout(`${instanceGroupPreview(d)}Must specify --yes to delete instancegroup\n`);
        return;
      }
      await deleteInstanceGroupSpec(c, d);
    });
}
