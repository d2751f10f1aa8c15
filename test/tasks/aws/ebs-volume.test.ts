import { CreateVolumeCommand, DeleteTagsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags, toAwsTags } from '../../../src/tasks/aws/context.js';
import { ebsVolumeKind, ebsVolumeProblems, withDefaults, type EbsVolumeActual, type EbsVolumeDesired } from '../../../src/tasks/aws/ebs-volume.js';
import type { Task } from '../../../src/tasks/types.js';
import { rejectionOf } from '../../helpers/errors.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'etcd.example.com';
type Ctx = ReturnType<typeof awsTestContext>;

/** kops's etcd volume for member `m` of etcd cluster `etcd`, with its tags. */
function volume(m: string, etcd = 'main', over: Partial<EbsVolumeDesired> = {}): Task<EbsVolumeDesired> {
  const name = `${m}.etcd-${etcd}.${CLUSTER}`;
  return {
    kind: 'EBSVolume',
    name,
    desired: {
      availabilityZone: `us-east-1${m}`,
      tags: {
        Name: name,
        ...ownershipTags(CLUSTER),
        [`k8s.io/etcd/${etcd}`]: `${m}/a,b,c`,
        'k8s.io/role/control-plane': '1',
        'k8s.io/role/master': '1',
      },
      ...over,
    },
  };
}

async function describeVolume(ctx: Ctx, id: string | undefined) {
  return (await ctx.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id ?? ''] }))).Volumes?.[0];
}

async function expectRefusal(p: Promise<unknown>, pattern: RegExp): Promise<KopsError> {
  const e = await rejectionOf(p, KopsError);
  expect(e.message).toMatch(pattern);
  return e;
}

describe('EBSVolume', () => {
  it('creates kops\'s etcd volumes (20 GiB gp3, 3000 IOPS, 125 MiB/s, encrypted, tagged) and plans no change next', async () => {
    const ctx = awsTestContext(CLUSTER);
    const tasks = [volume('a'), volume('b'), volume('a', 'events')];
    const { outputs } = await expectIdempotent(ctx, ebsVolumeKind, tasks);
    const out = outputs[`EBSVolume/a.etcd-main.${CLUSTER}`];
    expect(out).toMatchObject({ name: `a.etcd-main.${CLUSTER}`, availabilityZone: 'us-east-1a' });
    const v = await describeVolume(ctx, out?.id);
    expect(v).toMatchObject({ Size: 20, VolumeType: 'gp3', Iops: 3000, Throughput: 125, Encrypted: true, AvailabilityZone: 'us-east-1a' });
    expect(v?.Tags).toEqual(expect.arrayContaining([{ Key: 'k8s.io/etcd/main', Value: 'a/a,b,c' }, { Key: 'k8s.io/role/control-plane', Value: '1' }]));
  });

  it('grows a volume and raises its throughput in place', async () => {
    const ctx = awsTestContext(CLUSTER);
    const out = await converge(ctx, ebsVolumeKind, [volume('a')]);
    const bigger = volume('a', 'main', { sizeGb: 40, throughput: 250 });
    const [plan] = await planKind(nextRun(ctx), ebsVolumeKind, [bigger]);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => [f.field, f.before, f.after])).toEqual([
      ['sizeGb', 20, 40],
      ['throughput', 125, 250],
    ]);
    await expectIdempotent(nextRun(ctx), ebsVolumeKind, [bigger]);
    const id = out[`EBSVolume/a.etcd-main.${CLUSTER}`]?.id;
    expect(await describeVolume(ctx, id)).toMatchObject({ VolumeId: id, Size: 40, Throughput: 250, Iops: 3000 });
  });

  it('refuses at plan time to move, re-encrypt or shrink an etcd volume, naming every one', async () => {
    const ctx = awsTestContext(CLUSTER);
    const out = await converge(ctx, ebsVolumeKind, [volume('a'), volume('b')]);
    const moved = volume('a', 'main', { availabilityZone: 'us-east-1c' });
    const e = await expectRefusal(planKind(nextRun(ctx), ebsVolumeKind, [moved]), /cannot change availabilityZone of an etcd volume in place \(us-east-1a -> us-east-1c\)/);
    expect(e.code).toBe('CannotChangeField');
    expect(e.diagnostics[0]).toMatchObject({ task: `EBSVolume/a.etcd-main.${CLUSTER}` });
    expect(e.diagnostics[0]?.hint).toMatch(/etcd backup and restore/);

    const both = await expectRefusal(
      planKind(nextRun(ctx), ebsVolumeKind, [moved, volume('b', 'main', { encrypted: false, sizeGb: 10 })]),
      /^3 etcd volumes cannot be changed in place/,
    );
    expect(both.diagnostics.map((d) => d.summary)).toEqual([
      'cannot change availabilityZone of an etcd volume in place (us-east-1a -> us-east-1c)',
      'cannot change encrypted of an etcd volume in place (true -> false)',
      'cannot shrink an EBS volume (20 -> 10 GiB)',
    ]);
    // Nothing was touched.
    expect(await describeVolume(ctx, out[`EBSVolume/a.etcd-main.${CLUSTER}`]?.id)).toMatchObject({ AvailabilityZone: 'us-east-1a', Size: 20 });
  });

  it('refuses in apply too, before touching the volume', async () => {
    const ctx = awsTestContext(CLUSTER);
    await converge(ctx, ebsVolumeKind, [volume('a')]);
    const actual = (await ebsVolumeKind.find(nextRun(ctx), [volume('a')])).get(`a.etcd-main.${CLUSTER}`);
    expect(actual).toBeDefined();
    if (!actual) return;
    const moved = volume('a', 'main', { availabilityZone: 'us-east-1b', sizeGb: 30 });
    const fields = [{ field: 'availabilityZone', before: 'us-east-1a', after: 'us-east-1b', forcesReplacement: false }];
    await expectRefusal(
      ebsVolumeKind.apply(ctx, { action: 'update', name: moved.name, desired: moved.desired, actual, fields, refs: staticRefs({}) }),
      /cannot change availabilityZone/,
    );
    expect(await describeVolume(ctx, actual.id)).toMatchObject({ AvailabilityZone: 'us-east-1a', Size: 20 });
  });

  it('puts back a tag removed behind its back', async () => {
    const ctx = awsTestContext(CLUSTER);
    const out = await converge(ctx, ebsVolumeKind, [volume('a')]);
    const id = out[`EBSVolume/a.etcd-main.${CLUSTER}`]?.id ?? '';
    await ctx.clients.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'k8s.io/etcd/main' }] }));
    const [plan] = await planKind(nextRun(ctx), ebsVolumeKind, [volume('a')]);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => f.field)).toEqual(['tags']);
    await expectIdempotent(nextRun(ctx), ebsVolumeKind, [volume('a')]);
    expect((await describeVolume(ctx, id))?.Tags).toContainEqual({ Key: 'k8s.io/etcd/main', Value: 'a/a,b,c' });
  });

  it('finds with one call however many volumes', async () => {
    const ctx = awsTestContext(CLUSTER);
    const six = ['a', 'b', 'c'].flatMap((m) => [volume(m), volume(m, 'events')]);
    await converge(ctx, ebsVolumeKind, six);
    const counts: number[] = [];
    for (const tasks of [six.slice(0, 1), six]) {
      ctx.aws.counter.reset();
      expect((await ebsVolumeKind.find(nextRun(ctx), tasks)).size).toBe(tasks.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([1, 1]);
  });

  it('refuses to guess between two volumes with the same name', async () => {
    const ctx = awsTestContext(CLUSTER);
    await converge(ctx, ebsVolumeKind, [volume('a')]);
    const task = volume('a');
    await ctx.clients.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 20, TagSpecifications: [{ ResourceType: 'volume', Tags: toAwsTags(task.desired.tags) }] }));
    const e = await expectRefusal(planKind(nextRun(ctx), ebsVolumeKind, [task]), new RegExp(`found 2 EBS volumes named a.etcd-main.${CLUSTER}`));
    expect(e.code).toBe('DuplicateResource');
  });

  it('deletes a volume; deleting it again is fine', async () => {
    const ctx = awsTestContext(CLUSTER);
    await converge(ctx, ebsVolumeKind, [volume('a')]);
    const actual = (await ebsVolumeKind.find(nextRun(ctx), [volume('a')])).get(`a.etcd-main.${CLUSTER}`);
    if (!actual) throw new Error('volume not found');
    await ebsVolumeKind.delete?.(ctx, actual);
    await ebsVolumeKind.delete?.(ctx, actual);
    expect((await ebsVolumeKind.find(nextRun(ctx), [volume('a')])).size).toBe(0);
  });

  it('fills in kops\'s defaults, and leaves IOPS and throughput to AWS for other types', () => {
    expect(withDefaults({ availabilityZone: 'z', tags: {} })).toMatchObject({ sizeGb: 20, volumeType: 'gp3', iops: 3000, throughput: 125, encrypted: true });
    const gp2 = withDefaults({ availabilityZone: 'z', volumeType: 'gp2', tags: {} });
    expect([gp2.iops, gp2.throughput]).toEqual([undefined, undefined]);
    const actual: EbsVolumeActual = { id: 'vol-1', name: 'n', availabilityZone: 'z', sizeGb: 20, volumeType: 'gp3', encrypted: true, kmsKeyId: 'arn:k1', state: 'available', tags: {} };
    // No KMS key in the spec: the account default is fine, whatever it is.
    expect(ebsVolumeProblems('n', { availabilityZone: 'z', tags: {} }, actual)).toEqual([]);
    expect(ebsVolumeProblems('n', { availabilityZone: 'z', kmsKeyId: 'arn:k2', tags: {} }, actual).map((d) => d.summary)).toEqual([
      'cannot change kmsKeyId of an etcd volume in place (arn:k1 -> arn:k2)',
    ]);
  });
});
