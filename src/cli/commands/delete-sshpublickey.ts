/**
 * `kops-ts delete sshpublickey [cluster] [--yes]` (kops 1.22+): removes the cluster's admin SSH
 * public keys from the state store (pki/ssh/public/admin/). kops deletes at once; kops-ts asks for
 * --yes like its other deletes, since the key's removal reaches the instances: the next `update
 * cluster` plans the launch templates (AWS) or instance templates (GCE) without it, and on AWS
 * the deletion of the EC2 key pair kops-ts imported for it. What it prints says which of these
 * applies to this cluster. A cluster without a key: said so, exit 0 (the key is gone either way).
 */
import type { Command } from 'commander';
import { cloudProviderOf, type Cluster } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';

/** What the next update does once the cluster's keys are gone, for this cluster's spec. */
export function afterKeyDeleted(cluster: Cluster, name: string): string {
  const update = `kops-ts update cluster --name ${name}`;
  if (cloudProviderOf(cluster.spec) === 'gce') {
    return (
      `The next \`${update}\` plans the instance templates without the key (their ssh-keys metadata), and \`${update} --yes\` applies it: ` +
      'instances created from then on (after a rolling update) no longer get the key; running ones keep it until they are replaced.\n'
    );
  }
  const named = cluster.spec.sshKeyName;
  if (named !== undefined) {
    const uses = named === '' ? 'no EC2 key pair (spec.sshKeyName is empty)' : `the EC2 key pair "${named}" that spec.sshKeyName names`;
    return `The cluster's instances use ${uses}, not this key: the next \`${update}\` changes nothing in the cloud for it.\n`;
  }
  return (
    `The next \`${update}\` plans the launch templates without a key pair and the deletion of the EC2 key pair imported for the key, and \`${update} --yes\` applies it: ` +
    'instances launched from then on (after a rolling update) get no key pair; running ones keep the key until they are replaced.\n'
  );
}

export function registerDeleteSSHPublicKey(del: Command, ctx: () => CommandContext): void {
  del
    .command('sshpublickey [cluster]')
    .alias('sshpublickeys')
    .description("Delete the cluster's admin SSH public keys from the state store (the next update cluster removes them from the instances' templates)")
    .option('-y, --yes', 'really delete (without it, only say what would be deleted)')
    .action(async (positional: string | undefined, flags: { yes?: boolean }) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const keys = await cs.listSSHPublicKeys(name);
      if (keys.length === 0) {
        c.io.stdout(`Cluster ${name} has no SSH public key: nothing to delete\n`);
        return;
      }
      const ids = keys.map((k) => k.id).join(', ');
      if (!flags.yes) {
        c.io.stdout(`SSH public key ${ids} will be deleted from cluster ${name}.\n${afterKeyDeleted(cluster, name)}Must specify --yes to delete sshpublickey\n`);
        return;
      }
      for (const k of keys) await cs.deleteSSHPublicKey(name, k.id);
      c.io.stdout(`Deleted SSH public key ${ids} from cluster ${name}.\n${afterKeyDeleted(cluster, name)}`);
    });
}
