/**
 * `kops-ts delete sshpublickey [cluster] [--yes]` (kops 1.22+): removes the cluster's admin SSH
 * public keys from the state store (pki/ssh/public/admin/), every one (GCE may have several; on
 * AWS it is how the one key is replaced: delete, then create sshpublickey of the new one). kops
 * deletes at once; kops-ts asks for --yes like its other deletes, since the keys' removal reaches
 * the instances: the next `update cluster` plans the launch templates (AWS) or instance templates
 * (GCE) without them, and on AWS the deletion of the EC2 key pair kops-ts imported. What it prints
 * says which of these applies to this cluster. A cluster without a key: said so, exit 0 (the key
 * is gone either way).
 */
import type { Command } from 'commander';
import { cloudProviderOf, type Cluster } from '../../model/api/types.js';
import type { CommandContext } from '../context.js';

/** What the next update does once the cluster's keys are gone, for this cluster's spec. */
export function afterKeyDeleted(cluster: Cluster, name: string, count = 1): string {
  const update = `kops-ts update cluster --name ${name}`;
  if (cloudProviderOf(cluster.spec) === 'gce') {
    const [the, them] = count > 1 ? ['the keys', 'them'] : ['the key', 'it'];
    return (
      `The next \`${update}\` plans the instance templates without ${the} (their ssh-keys metadata), and \`${update} --yes\` applies it: ` +
      `instances created from then on (after a rolling update) no longer get ${the}; running ones keep ${them} until they are replaced.\n`
    );
  }
  const named = cluster.spec.sshKeyName;
  if (named !== undefined) {
    const uses = named === '' ? 'no EC2 key pair (spec.sshKeyName is empty)' : `the EC2 key pair "${named}" that spec.sshKeyName names`;
    const [keys, it] = count > 1 ? ['these keys', 'them'] : ['this key', 'it'];
    return `The cluster's instances use ${uses}, not ${keys}: the next \`${update}\` changes nothing in the cloud for ${it}.\n`;
  }
  return (
    `The next \`${update}\` plans the launch templates without a key pair and the deletion of the EC2 key pair imported for the ${count > 1 ? 'keys' : 'key'}, and \`${update} --yes\` applies it: ` +
    `instances launched from then on (after a rolling update) get no key pair; running ones keep the ${count > 1 ? 'keys' : 'key'} until they are replaced.\n`
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
      const ids = `SSH public key${keys.length > 1 ? 's' : ''} ${keys.map((k) => k.id).join(', ')}`;
      const after = afterKeyDeleted(cluster, name, keys.length);
      if (!flags.yes) {
        c.io.stdout(`${ids} will be deleted from cluster ${name}.\n${after}Must specify --yes to delete sshpublickey\n`);
        return;
      }
      for (const k of keys) await cs.deleteSSHPublicKey(name, k.id);
      c.io.stdout(`Deleted ${ids} from cluster ${name}.\n${after}`);
    });
}
