/**
 * The instance-group fields kops-ts acts on, end to end on the emulator: what the launch
 * templates, autoscaling groups and key pairs really hold after `update cluster --yes`, and that
 * the next plan is empty.
 *
 * - `spec.sshKeyName`: an existing key pair is used by name (nothing imported); `""` means none.
 * - the root volume in both spellings: IOPS, throughput and the KMS key, with kops's gp3/io1
 *   floors (3000 IOPS and 125 MiB/s for gp3, 100 IOPS for io1/io2);
 * - `taints`: the cluster autoscaler's `node-template/taint/<key>` = `<value>:<effect>` tags.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeKeyPairsCommand, DescribeLaunchTemplateVersionsCommand, ImportKeyPairCommand, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { KopsError } from '../../src/diagnostics.js';
import { applyAndConverge, changeLines, setupCluster, tagMap, type E2ECluster } from './update-helpers.js';

const NAME = 'igfields.example.com';
const NODES = 'nodes-us-east-1a';
const CP = 'control-plane-us-east-1a';
const KMS_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const USER_KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

async function editCluster(c: E2ECluster, edit: (spec: Cluster['spec']) => Cluster['spec']): Promise<void> {
  const current = await c.cs.getCluster(c.name);
  await c.cs.updateCluster({ ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

async function editGroup(c: E2ECluster, ig: string, edit: (spec: InstanceGroup['spec']) => InstanceGroup['spec']): Promise<void> {
  const current = await c.cs.getInstanceGroup(c.name, ig);
  await c.cs.updateInstanceGroup(c.name, { ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

/** The default version of each of the cluster's launch templates, by template name. */
async function defaultVersions(c: E2ECluster): Promise<Map<string, LaunchTemplateVersion>> {
  const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ['$Default'] }));
  return new Map((out.LaunchTemplateVersions ?? []).map((v) => [v.LaunchTemplateName ?? '', v]));
}

function rootEbs(v: LaunchTemplateVersion | undefined) {
  return v?.LaunchTemplateData?.BlockDeviceMappings?.[0]?.Ebs;
}

describe('update cluster: instance-group fields on the emulator', () => {
  let c: E2ECluster;
  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    // A key pair the user made in EC2 beforehand, named in the spec.
    await c.aws.clients.ec2.send(new ImportKeyPairCommand({ KeyName: 'ops-team', PublicKeyMaterial: new TextEncoder().encode(USER_KEY) }));
    await editCluster(c, (spec) => ({ ...spec, sshKeyName: 'ops-team' }));
    // v1alpha2's flat fields, as kops writes them.
    await editGroup(c, NODES, (spec) => ({
      ...spec,
      rootVolumeIops: 4000,
      rootVolumeThroughput: 250,
      rootVolumeEncryptionKey: KMS_KEY,
      taints: ['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule'],
    }));
    // The rootVolume object, gp3 with IOPS below kops's floor and no throughput. (io1/io2 are
    // unit-tested: moto cannot launch an instance with one, see docs/aws-errors.md.)
    await editGroup(c, CP, (spec) => {
      const { rootVolumeSize: _s, rootVolumeType: _t, rootVolumeEncryption: _e, ...rest } = spec;
      return { ...rest, rootVolume: { size: 80, type: 'gp3', iops: 2000 } };
    });
    await applyAndConverge(c);
  }, 180_000);

  it('gives the root volume its IOPS, throughput and KMS key (flat fields, gp3)', async () => {
    const ebs = rootEbs((await defaultVersions(c)).get(`${NODES}.${NAME}`));
    expect(ebs).toMatchObject({ VolumeType: 'gp3', Iops: 4000, Throughput: 250, Encrypted: true, KmsKeyId: KMS_KEY });
  });

  it("raises gp3 IOPS and throughput to kops's baseline (rootVolume object)", async () => {
    const ebs = rootEbs((await defaultVersions(c)).get(`${CP}.masters.${NAME}`));
    expect(ebs).toMatchObject({ VolumeType: 'gp3', VolumeSize: 80, Iops: 3000, Throughput: 125, Encrypted: true });
    expect(ebs?.KmsKeyId).toBeUndefined();
  });

  it('tags the autoscaling group and its instances with the taints for the cluster autoscaler', async () => {
    const asg = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${NODES}.${NAME}`] }))).AutoScalingGroups?.[0];
    const tags = Object.fromEntries((asg?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    expect(tags).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/taint/dedicated': 'gpu:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/taint/spot': ':PreferNoSchedule',
      // The role's node labels, as kops advertises them (pkg/nodelabels), with an empty value.
      'k8s.io/cluster-autoscaler/node-template/label/node-role.kubernetes.io/node': '',
    });
    const lt = (await defaultVersions(c)).get(`${NODES}.${NAME}`);
    const instanceTags = tagMap(lt?.LaunchTemplateData?.TagSpecifications?.find((s) => s.ResourceType === 'instance')?.Tags);
    expect(instanceTags['k8s.io/cluster-autoscaler/node-template/taint/dedicated']).toBe('gpu:NoSchedule');
    // The control plane has no taints in its spec, so no taint tags.
    const cpAsg = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${CP}.masters.${NAME}`] }))).AutoScalingGroups?.[0];
    expect((cpAsg?.Tags ?? []).filter((t) => t.Key?.includes('node-template/taint/'))).toEqual([]);
  });

  it('uses the named key pair and imports none of its own', async () => {
    const versions = await defaultVersions(c);
    expect([...versions.values()].map((v) => v.LaunchTemplateData?.KeyName)).toEqual(['ops-team', 'ops-team']);
    const keys = await c.aws.clients.ec2.send(new DescribeKeyPairsCommand({}));
    expect((keys.KeyPairs ?? []).map((k) => k.KeyName)).toEqual(['ops-team']);
  });

  it('changes a taint in place: the tags follow, the next plan is empty', async () => {
    await editGroup(c, NODES, (spec) => ({ ...spec, taints: ['dedicated=gpu:NoExecute'] }));
    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([
      `AutoscalingGroup/${NODES}.${NAME}: update nodeTemplateTagKeys,tags`,
      `LaunchTemplate/${NODES}.${NAME}: update instanceTags,volumeTags`,
    ]);
    await applyAndConverge(c);
    const asg = (await c.aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`${NODES}.${NAME}`] }))).AutoScalingGroups?.[0];
    const tags = Object.fromEntries((asg?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    expect(tags['k8s.io/cluster-autoscaler/node-template/taint/dedicated']).toBe('gpu:NoExecute');
    expect(tags['k8s.io/cluster-autoscaler/node-template/taint/spot']).toBeUndefined();
  });

  it('sshKeyName "" removes the key from the launch templates (kops: no key pair at all)', async () => {
    await editCluster(c, (spec) => ({ ...spec, sshKeyName: '' }));
    const planned = await c.update(false);
    expect(changeLines(planned.plan)).toEqual([
      `LaunchTemplate/${CP}.masters.${NAME}: update keyName`,
      `LaunchTemplate/${NODES}.${NAME}: update keyName`,
    ]);
    await applyAndConverge(c);
    expect([...(await defaultVersions(c)).values()].map((v) => v.LaunchTemplateData?.KeyName)).toEqual([undefined, undefined]);
    // The user's key pair is theirs: never deleted.
    const keys = await c.aws.clients.ec2.send(new DescribeKeyPairsCommand({}));
    expect((keys.KeyPairs ?? []).map((k) => k.KeyName)).toEqual(['ops-team']);
  });

  it('refuses to plan with a key pair name that does not exist, naming it', async () => {
    await editCluster(c, (spec) => ({ ...spec, sshKeyName: 'no-such-key' }));
    const err = await c.update(false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KopsError);
    const diags = (err as KopsError).diagnostics ?? [];
    expect(diags.map((d) => d.code)).toEqual(['SharedResourceNotFound']);
    expect(diags[0]!.summary).toContain('SSHKey/no-such-key');
  });
});
