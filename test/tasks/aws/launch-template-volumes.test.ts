/** LaunchTemplate's extra volumes (kops's spec.volumes) on moto: mapped after the root, read back, a new version to change them. */
import { CreateSecurityGroupCommand, CreateVpcCommand, DescribeLaunchTemplateVersionsCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { ownershipTags } from '../../../src/tasks/aws/context.js';
import { launchTemplateKind, requestData, type ExtraVolume, type LaunchTemplateDesired } from '../../../src/tasks/aws/launch-template.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'ltvol.example.com';
type Ctx = ReturnType<typeof awsTestContext>;

async function refsFor(ctx: Ctx) {
  const ec2 = ctx.clients.ec2;
  const image = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-ltvol-test', RootDeviceName: '/dev/sda1' }));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `nodes.${CLUSTER}`, Description: 'nodes', VpcId: vpc.Vpc?.VpcId }));
  return staticRefs({ 'Image/ubuntu': { id: image.ImageId, rootDeviceName: '/dev/sda1' }, [`SecurityGroup/nodes.${CLUSTER}`]: { id: sg.GroupId } });
}

function template(volumes?: ExtraVolume[]): Task<LaunchTemplateDesired> {
  const name = `nodes.${CLUSTER}`;
  return {
    kind: 'LaunchTemplate',
    name,
    desired: {
      imageId: ref('Image', 'ubuntu'),
      instanceType: 't3.medium',
      securityGroupIds: [ref('SecurityGroup', `nodes.${CLUSTER}`)],
      rootVolume: { deviceName: ref('Image', 'ubuntu', 'rootDeviceName'), size: 64 },
      ...(volumes ? { volumes } : {}),
      tags: { Name: name, ...ownershipTags(CLUSTER) },
    },
  };
}

const DATA: ExtraVolume = { deviceName: '/dev/xvdd', size: 500, type: 'gp3', iops: 3000, throughput: 125, encrypted: true, kmsKeyId: 'alias/data', deleteOnTermination: true };
const SCRATCH: ExtraVolume = { deviceName: '/dev/xvde', size: 200, type: 'st1', encrypted: false, deleteOnTermination: false };

async function mappings(ctx: Ctx) {
  const out = await ctx.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `nodes.${CLUSTER}`, Versions: ['$Default'] }));
  const v = out.LaunchTemplateVersions?.[0];
  return { version: v?.VersionNumber, mappings: v?.LaunchTemplateData?.BlockDeviceMappings ?? [] };
}

describe('LaunchTemplate extra volumes', () => {
  it('maps each volume after the root, reads them back so a re-plan is empty, and changes them by a new version', async () => {
    const ctx = awsTestContext(CLUSTER);
    const refs = await refsFor(ctx);
    await expectIdempotent(ctx, launchTemplateKind, [template([DATA, SCRATCH])], refs);
    const first = await mappings(ctx);
    expect(first.mappings.map((m) => m.DeviceName)).toEqual(['/dev/sda1', '/dev/xvdd', '/dev/xvde']);
    expect(first.mappings[1]?.Ebs).toEqual({ VolumeSize: 500, VolumeType: 'gp3', Iops: 3000, Throughput: 125, Encrypted: true, KmsKeyId: 'alias/data', DeleteOnTermination: true });
    expect(first.mappings[2]?.Ebs).toEqual({ VolumeSize: 200, VolumeType: 'st1', Encrypted: false, DeleteOnTermination: false });

    // Grown: one field change, `volumes`, and a new default version (what marks instances NeedsUpdate).
    const grown = template([{ ...DATA, size: 800 }, SCRATCH]);
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [grown], refs);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => f.field)).toEqual(['volumes']);
    expect((plan?.fields[0]?.after as { size: number }[]).map((v) => v.size)).toEqual([800, 200]);
    await expectIdempotent(nextRun(ctx), launchTemplateKind, [grown], refs);
    expect((await mappings(ctx)).version).toBe(2);

    // Removed from the spec: the next version maps the root alone.
    const [removal] = await planKind(nextRun(ctx), launchTemplateKind, [template()], refs);
    expect(removal?.fields.map((f) => [f.field, f.after])).toEqual([['volumes', []]]);
    await expectIdempotent(nextRun(ctx), launchTemplateKind, [template()], refs);
    const last = await mappings(ctx);
    expect([last.version, last.mappings.map((m) => m.DeviceName)]).toEqual([3, ['/dev/sda1']]);
  });

  it("compares volumes by device, whatever their order in the spec", async () => {
    const ctx = awsTestContext(CLUSTER);
    const refs = await refsFor(ctx);
    await expectIdempotent(ctx, launchTemplateKind, [template([DATA, SCRATCH])], refs);
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [template([SCRATCH, DATA])], refs);
    expect(plan?.action).toBe('noop');
  });

  it("refuses a volume on the image's root device, naming the template and the fix", async () => {
    const ctx = awsTestContext(CLUSTER);
    const refs = await refsFor(ctx);
    const t = template([{ ...DATA, deviceName: '/dev/sda1' }]);
    let caught: unknown;
    try {
      requestData(t.name, t.desired, refs);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KopsError);
    expect((caught as KopsError).code).toBe('VolumeOnRootDevice');
    expect((caught as KopsError).message).toBe(`LaunchTemplate/nodes.${CLUSTER}: the extra volume /dev/sda1 is the image's root device`);
  });
});
