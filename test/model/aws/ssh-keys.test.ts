/** The AWS rule for admin SSH keys: one when the instances take the store's key, any number when spec.sshKeyName names their key pair. */
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { checkAwsAdminKeys } from '../../../src/model/aws/ssh-keys.js';
import type { Cluster } from '../../../src/model/api/types.js';
import { userCluster } from '../helpers.js';

const NAME = 'keys.example.com';
const TWO = ['00:11', 'aa:bb'];

function cluster(sshKeyName?: string): Cluster {
  const c = userCluster(['us-east-1a'], { name: NAME });
  return sshKeyName === undefined ? c : { ...c, spec: { ...c.spec, sshKeyName } };
}

function refusal(f: () => void): KopsError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof KopsError) return e;
    throw e;
  }
  return undefined;
}

describe('checkAwsAdminKeys', () => {
  it('refuses two keys of a cluster that uses the store\'s key, naming the cluster, the fingerprints and the commands that keep one', () => {
    const e = refusal(() => checkAwsAdminKeys(cluster(), NAME, TWO));
    expect(e?.code).toBe('TooManySSHKeys');
    expect(e?.exitCode).toBe(1);
    expect(e?.message).toBe(`cluster ${NAME} has 2 admin SSH public keys (00:11, aa:bb): exactly one can be used on AWS, where an instance has one key pair`);
    expect(e?.diagnostics[0]?.hint).toBe(`keep one: kops-ts delete sshpublickey --name ${NAME} --yes (deletes every key), then kops-ts create sshpublickey --name ${NAME} -i <key to keep>`);
  });

  it('accepts none or one key, and any number when spec.sshKeyName names the key pair (or none): the store\'s keys are not used then', () => {
    expect(refusal(() => checkAwsAdminKeys(cluster(), NAME, []))).toBeUndefined();
    expect(refusal(() => checkAwsAdminKeys(cluster(), NAME, ['00:11']))).toBeUndefined();
    expect(refusal(() => checkAwsAdminKeys(cluster('corp-admin'), NAME, TWO))).toBeUndefined();
    expect(refusal(() => checkAwsAdminKeys(cluster(''), NAME, TWO))).toBeUndefined();
  });
});
