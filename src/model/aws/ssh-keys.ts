/**
 * The admin SSH keys on AWS: an EC2 instance has exactly one key pair, so a cluster whose
 * instances take the store's key (no `spec.sshKeyName`) can have one admin key, not several.
 * kops refuses more in apply_cluster.go ("exactly one 'admin' SSH public key can be specified when
 * running with AWS"); kops-ts refuses them in `update cluster` (before any cloud call) and in
 * `create sshpublickey` (before anything is written). `delete cluster` and `toolbox dump` do not:
 * they model one key and the SSHKey orphan finder deletes the key pairs of the others.
 *
 * With `spec.sshKeyName` set (a key pair the user names, or "" for none), the store's keys are
 * not used at all, so their number does not matter and is not checked (kops checks it anyway;
 * refusing over keys that change nothing would only send the user deleting them for no effect).
 */
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../api/types.js';

/** True when the cluster's instances get the key pair imported from the store's admin key. */
export function awsUsesStoredSSHKey(cluster: Cluster): boolean {
  return cluster.spec.sshKeyName === undefined;
}

/** The hint for an AWS cluster with (or about to get) a second admin key: how to keep one. */
export function keepOneKeyHint(clusterName: string): string {
  return `keep one: kops-ts delete sshpublickey --name ${clusterName} --yes (deletes every key), then kops-ts create sshpublickey --name ${clusterName} -i <key to keep>`;
}

/**
 * `TooManySSHKeys` when an AWS cluster that uses the store's key has more than one (exit 1: the
 * store is as `create sshpublickey` of an older kops-ts, or kops, left it; the command was right).
 */
export function checkAwsAdminKeys(cluster: Cluster, clusterName: string, fingerprints: readonly string[]): void {
  if (fingerprints.length <= 1 || !awsUsesStoredSSHKey(cluster)) return;
  throw new KopsError(
    'TooManySSHKeys',
    `cluster ${clusterName} has ${fingerprints.length} admin SSH public keys (${fingerprints.join(', ')}): exactly one can be used on AWS, where an instance has one key pair`,
    { hint: keepOneKeyHint(clusterName) },
  );
}
