/**
 * `kops-ts create sshpublickey -i <file>` (kops's cmd/kops/create_sshpublickey.go): adds an admin
 * SSH public key to the state store (pki/ssh/public/admin/). Its removal is delete-sshpublickey.ts;
 * the one-key rule of AWS is src/model/aws/ssh-keys.ts.
 */
import type { Command } from 'commander';
import { KopsError } from '../../diagnostics.js';
import { cloudProviderOf } from '../../model/api/types.js';
import { awsUsesStoredSSHKey, keepOneKeyHint } from '../../model/aws/ssh-keys.js';
import { publicKeyFromFile, sshPublicKeyFingerprint } from '../../statestore/ssh.js';
import type { CommandContext } from '../context.js';

/**
 * `create sshpublickey -i <file>`: adds an admin key. The same key again (same fingerprint) is said
 * to be there and nothing is written. On AWS, where an instance has one key pair, a second key is
 * refused before anything is written (update cluster would refuse it: src/model/aws/ssh-keys.ts),
 * unless spec.sshKeyName makes the cluster use another key pair; GCE takes every key.
 */
export function registerCreateSSHPublicKey(create: Command, ctx: () => CommandContext): void {
  create
    .command('sshpublickey')
    .description('Add an admin SSH public key (kept under pki/ssh/public/admin/; one on AWS, several on GCE)')
    .option('-i, --ssh-public-key <file>', 'the public key file')
    .action(async (flags: { sshPublicKey?: string }) => {
      const c = ctx();
      if (!flags.sshPublicKey) throw new KopsError('MissingFile', 'no public key given', { hint: 'pass -i <file.pub>', exitCode: 2 });
      let key: string;
      try {
        key = c.io.readFile(flags.sshPublicKey).trim();
      } catch {
        throw new KopsError('SSHKeyNotFound', `cannot read ${flags.sshPublicKey}`, { hint: 'give the path of a public key file', exitCode: 2 });
      }
      publicKeyFromFile(key, flags.sshPublicKey);
      const name = c.clusterName();
      const cs = c.clientset();
      const cluster = (await cs.getCluster(name)).object;
      const id = sshPublicKeyFingerprint(key);
      const stored = await cs.listSSHPublicKeys(name);
      if (stored.some((k) => k.id === id)) {
        c.io.stdout(`SSH public key ${id} is already in cluster ${name}: nothing to add\n`);
        return;
      }
      if (stored.length > 0 && cloudProviderOf(cluster.spec) === 'aws' && awsUsesStoredSSHKey(cluster)) {
        const ids = stored.map((k) => k.id).join(', ');
        throw new KopsError('TooManySSHKeys', `cluster ${name} already has admin SSH public key ${ids}: an AWS instance has one key pair, so ${id} cannot be added as well`, {
          hint: keepOneKeyHint(name),
          exitCode: 2,
        });
      }
      await cs.addSSHPublicKey(name, key);
      c.io.stdout(`Added SSH public key ${id} to cluster ${name}\n`);
    });
}
