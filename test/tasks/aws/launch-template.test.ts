import { gunzipSync } from 'node:zlib';
import {
  CreateLaunchTemplateVersionCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeTagsCommand,
  ModifyLaunchTemplateCommand,
  RegisterImageCommand,
  type DescribeLaunchTemplateVersionsCommandOutput,
  type DescribeLaunchTemplatesCommandOutput,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/cloud/aws/clients.js';
import { KopsError } from '../../../src/diagnostics.js';
import { newMemo, ownershipTags, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { launchTemplateKind, requestData, USER_DATA_LIMIT, type LaunchTemplateDesired } from '../../../src/tasks/aws/launch-template.js';
import { isUnknown, ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';

const CLUSTER = 'lt.example.com';
type Ctx = ReturnType<typeof awsTestContext>;

/** An image and two security groups made with the raw SDK, offered to the tasks as refs. */
async function prerequisites(ctx: Ctx) {
  const ec2 = ctx.clients.ec2;
  const image = await ec2.send(new RegisterImageCommand({ Name: 'kops-ts-lt-test', RootDeviceName: '/dev/xvda' }));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
  const sg = async (name: string) =>
    (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpc.Vpc?.VpcId }))).GroupId ?? '';
  const masters = await sg(`masters.${CLUSTER}`);
  const nodes = await sg(`nodes.${CLUSTER}`);
  const refs = staticRefs({
    'Image/ubuntu': { id: image.ImageId, rootDeviceName: '/dev/xvda' },
    [`SecurityGroup/masters.${CLUSTER}`]: { id: masters },
    [`SecurityGroup/nodes.${CLUSTER}`]: { id: nodes },
    [`IAMInstanceProfile/nodes.${CLUSTER}`]: { id: 'AIPA0', name: `nodes.${CLUSTER}` },
  });
  return { refs, imageId: image.ImageId ?? '', masters, nodes };
}

function template(ig: string, over: Partial<LaunchTemplateDesired> = {}): Task<LaunchTemplateDesired> {
  const name = `${ig}.${CLUSTER}`;
  const tags = { Name: name, ...ownershipTags(CLUSTER), 'kops.k8s.io/instancegroup': ig, 'k8s.io/role/node': '1' };
  return {
    kind: 'LaunchTemplate',
    name,
    desired: {
      imageId: ref('Image', 'ubuntu'),
      instanceType: 't3.medium',
      iamInstanceProfile: ref('IAMInstanceProfile', `nodes.${CLUSTER}`, 'name'),
      securityGroupIds: [ref('SecurityGroup', `nodes.${CLUSTER}`)],
      keyName: `kubernetes.${CLUSTER}-00:11`,
      userData: `#cloud-config\n# instance group ${ig}\nruncmd:\n  - kubeadm join\n`,
      rootVolume: { deviceName: ref('Image', 'ubuntu', 'rootDeviceName'), size: 128 },
      associatePublicIp: true,
      tags,
      ...over,
    },
  };
}

async function defaultVersion(ctx: Ctx, name: string) {
  const out = await ctx.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: name, Versions: ['$Default'] }));
  return out.LaunchTemplateVersions?.[0];
}

describe('LaunchTemplate', () => {
  it('requests Spot instances at maxPrice in the market options, a new version to change or remove it, no change after', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const spot = template('spot', { spotMaxPrice: '0.05' });
    await expectIdempotent(ctx, launchTemplateKind, [spot], refs);
    expect((await defaultVersion(ctx, spot.name))?.LaunchTemplateData?.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } });

    const onDemand = template('spot');
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [onDemand], refs);
    expect(plan?.fields.map((f) => [f.field, f.before, f.after])).toEqual([['spotMaxPrice', '0.05', null]]);
    await expectIdempotent(nextRun(ctx), launchTemplateKind, [onDemand], refs);
    const v = await defaultVersion(ctx, spot.name);
    expect(v?.VersionNumber).toBe(2);
    expect(v?.LaunchTemplateData?.InstanceMarketOptions).toBeUndefined();
  });

  it('carries detailed monitoring, CPU credits and tenancy; a new version to change or remove them, no change after', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const set = template('opts', { detailedMonitoring: true, cpuCredits: 'unlimited', tenancy: 'dedicated' });
    await expectIdempotent(ctx, launchTemplateKind, [set], refs);
    expect((await defaultVersion(ctx, set.name))?.LaunchTemplateData).toMatchObject({
      Monitoring: { Enabled: true },
      CreditSpecification: { CpuCredits: 'unlimited' },
      Placement: { Tenancy: 'dedicated' },
    });

    const unset = template('opts');
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [unset], refs);
    expect(plan?.fields.map((f) => [f.field, f.before, f.after])).toEqual([
      ['cpuCredits', 'unlimited', null],
      ['detailedMonitoring', true, false],
      ['tenancy', 'dedicated', null],
    ]);
    await expectIdempotent(nextRun(ctx), launchTemplateKind, [unset], refs);
    const data = (await defaultVersion(ctx, set.name))?.LaunchTemplateData;
    expect(data?.Monitoring).toEqual({ Enabled: false });
    expect(data?.CreditSpecification).toBeUndefined();
    expect(data?.Placement).toBeUndefined();
  });

  it('creates templates with the full data, and plans no change on the next run', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, imageId, nodes } = await prerequisites(ctx);
    const tasks = [template('nodes-us-east-1a'), template('nodes-us-east-1b', { associatePublicIp: false, keyName: undefined })];
    const { outputs } = await expectIdempotent(ctx, launchTemplateKind, tasks, refs);

    const out = outputs[`LaunchTemplate/nodes-us-east-1a.${CLUSTER}`];
    expect(out?.id).toMatch(/^lt-/);
    expect(out?.name).toBe(`nodes-us-east-1a.${CLUSTER}`);
    expect(out?.version).toBe('1');
    const v = await defaultVersion(ctx, `nodes-us-east-1a.${CLUSTER}`);
    const data = v?.LaunchTemplateData;
    expect(data?.ImageId).toBe(imageId);
    expect(Buffer.from(data?.UserData ?? '', 'base64').toString()).toContain('# instance group nodes-us-east-1a');
    expect(data?.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' });
    expect(data?.BlockDeviceMappings?.[0]).toMatchObject({
      DeviceName: '/dev/xvda',
      Ebs: { VolumeSize: 128, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
    });
    expect(data?.NetworkInterfaces?.[0]).toMatchObject({ DeviceIndex: 0, AssociatePublicIpAddress: true, Groups: [nodes] });
    expect(data?.IamInstanceProfile).toEqual({ Name: `nodes.${CLUSTER}` });
    const instanceTags = data?.TagSpecifications?.find((s) => s.ResourceType === 'instance')?.Tags ?? [];
    expect(instanceTags).toContainEqual({ Key: 'kops.k8s.io/instancegroup', Value: 'nodes-us-east-1a' });
    expect(data?.TagSpecifications?.find((s) => s.ResourceType === 'volume')?.Tags).toEqual(instanceTags);
    const lts = await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [`nodes-us-east-1b.${CLUSTER}`] }));
    expect(lts.LaunchTemplates?.[0]?.Tags).toContainEqual({ Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'owned' });
    expect((await defaultVersion(ctx, `nodes-us-east-1b.${CLUSTER}`))?.LaunchTemplateData?.KeyName).toBeUndefined();
  });

  it('updates in place by a new default version that carries the full data', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, imageId, masters, nodes } = await prerequisites(ctx);
    await converge(ctx, launchTemplateKind, [template('nodes')], refs);

    const changed = template('nodes', {
      instanceType: 't3.large',
      userData: '#cloud-config\n# changed\n',
      securityGroupIds: [ref('SecurityGroup', `nodes.${CLUSTER}`), ref('SecurityGroup', `masters.${CLUSTER}`)],
      keyName: undefined,
    });
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [changed], refs);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.map((f) => f.field)).toEqual(['instanceType', 'keyName', 'securityGroupIds', 'userData']);
    expect(plan?.fields.find((f) => f.field === 'userData')?.blob).toBe(true);
    expect(plan?.fields.find((f) => f.field === 'keyName')?.after).toBeNull();
    expect(plan?.security).toEqual(['ingress']);

    const { outputs } = await expectIdempotent(nextRun(ctx), launchTemplateKind, [changed], refs);
    expect(outputs[`LaunchTemplate/nodes.${CLUSTER}`]?.version).toBe('2');
    const lt = (await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [`nodes.${CLUSTER}`] }))).LaunchTemplates?.[0];
    expect([lt?.DefaultVersionNumber, lt?.LatestVersionNumber]).toEqual([2, 2]);
    const data = (await defaultVersion(ctx, `nodes.${CLUSTER}`))?.LaunchTemplateData;
    // Unchanged fields are in the new version too (AWS would inherit nothing without SourceVersion).
    expect(data?.ImageId).toBe(imageId);
    expect(data?.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize).toBe(128);
    expect([...(data?.NetworkInterfaces?.[0]?.Groups ?? [])].sort()).toEqual([masters, nodes].sort());
    expect(data?.KeyName).toBeUndefined();
  });

  it('changes the template tags alone without a new version', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const base = template('nodes');
    const out = await converge(ctx, launchTemplateKind, [base], refs);
    const id = out[`LaunchTemplate/nodes.${CLUSTER}`]?.id ?? '';
    const retagged = template('nodes', { tags: { ...base.desired.tags, team: 'infra' }, instanceTags: base.desired.tags });
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [retagged], refs);
    expect(plan?.fields.map((f) => f.field)).toEqual(['tags']);
    const applied = await converge(nextRun(ctx), launchTemplateKind, [retagged], refs);
    expect(applied[`LaunchTemplate/nodes.${CLUSTER}`]?.version).toBe('1');
    const lt = (await ctx.clients.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates?.[0];
    expect(lt?.LatestVersionNumber).toBe(1);
    // moto 5.2.1 snapshots a template's tags at creation, so DescribeLaunchTemplates never shows
    // tags added later (real AWS does, and the next plan is then a no-op); its tag store has them.
    const tags = await ctx.clients.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
    expect(tags.Tags?.map((t) => [t.Key, t.Value])).toContainEqual(['team', 'infra']);
  });

  it('gzips user data on request and compares it by its decoded text', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const task = template('nodes', { compressUserData: true });
    await expectIdempotent(ctx, launchTemplateKind, [task], refs);
    const raw = Buffer.from((await defaultVersion(ctx, `nodes.${CLUSTER}`))?.LaunchTemplateData?.UserData ?? '', 'base64');
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(raw).toString()).toBe(task.desired.userData);
    // Switching compression off is a change of its own (the text is the same).
    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [template('nodes')], refs);
    expect(plan?.fields.map((f) => f.field)).toEqual(['compressUserData']);
  });

  it('refuses user data over the 16 KB limit, naming the template and the fix', () => {
    const refs = staticRefs({ 'Image/ubuntu': { id: 'ami-1', rootDeviceName: '/dev/xvda' }, [`SecurityGroup/nodes.${CLUSTER}`]: { id: 'sg-1' }, [`IAMInstanceProfile/nodes.${CLUSTER}`]: { name: 'p' } });
    // Incompressible: every line differs.
    const big = Array.from({ length: 2000 }, (_, i) => `echo ${(i * 7919).toString(36)}${i}`).join('\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(USER_DATA_LIMIT);
    const call = () => requestData(`nodes.${CLUSTER}`, template('nodes', { userData: big }).desired, refs);
    expect(call).toThrow(KopsError);
    expect(call).toThrow(new RegExp(`user-data of LaunchTemplate/nodes.${CLUSTER} is \\d+ bytes`));
    // Repetitive cloud-config compresses well under the limit.
    const repetitive = '#cloud-config\n' + 'write_files: []\n'.repeat(2000);
    const data = requestData(`nodes.${CLUSTER}`, template('nodes', { userData: repetitive, compressUserData: true }).desired, refs);
    expect(Buffer.from(data.UserData ?? '', 'base64').length).toBeLessThan(USER_DATA_LIMIT);
  });

  it('plans a changed default version made behind its back, and restores the data as a new version', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs, imageId } = await prerequisites(ctx);
    const task = template('nodes');
    const out = await converge(ctx, launchTemplateKind, [task], refs);
    const id = out[`LaunchTemplate/nodes.${CLUSTER}`]?.id;
    const ec2 = ctx.clients.ec2;
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: { ImageId: imageId, InstanceType: 'm5.xlarge' } }));
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));

    const [plan] = await planKind(nextRun(ctx), launchTemplateKind, [task], refs);
    expect(plan?.action).toBe('update');
    expect(plan?.fields.find((f) => f.field === 'instanceType')).toMatchObject({ before: 'm5.xlarge', after: 't3.medium' });
    expect(plan?.fields.find((f) => f.field === 'httpTokens')).toMatchObject({ before: 'optional', after: 'required', security: 'exposure' });
    const { outputs } = await expectIdempotent(nextRun(ctx), launchTemplateKind, [task], refs);
    expect(outputs[`LaunchTemplate/nodes.${CLUSTER}`]?.version).toBe('3');
  });

  it('finds with two calls however many templates there are (one before any exists)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const three = [template('a'), template('b'), template('c')];
    ctx.aws.counter.reset();
    await launchTemplateKind.find(nextRun(ctx), three);
    expect(ctx.aws.counter.total()).toBe(1);
    await converge(ctx, launchTemplateKind, three, refs);
    const counts: number[] = [];
    for (const tasks of [three.slice(0, 1), three]) {
      ctx.aws.counter.reset();
      const found = await launchTemplateKind.find(nextRun(ctx), tasks);
      expect(found.size).toBe(tasks.length);
      counts.push(ctx.aws.counter.total());
    }
    expect(counts).toEqual([2, 2]);
  });

  it('ignores templates of other clusters, and deletes (twice is fine)', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const other = { ...template('nodes'), name: `nodes.other.example.com` };
    await converge({ ...ctx, clusterName: 'other.example.com' }, launchTemplateKind, [{ ...other, desired: { ...other.desired, tags: ownershipTags('other.example.com') } }], refs);
    const found = await launchTemplateKind.find(nextRun(ctx), [other]);
    expect(found.size).toBe(0);

    await converge(ctx, launchTemplateKind, [template('nodes')], refs);
    const actual = (await launchTemplateKind.find(nextRun(ctx), [template('nodes')])).get(`nodes.${CLUSTER}`);
    expect(actual).toBeDefined();
    if (!actual) return;
    await launchTemplateKind.delete?.(ctx, actual);
    await launchTemplateKind.delete?.(ctx, actual);
    expect((await launchTemplateKind.find(nextRun(ctx), [template('nodes')])).size).toBe(0);
  });

  it('shows refs to tasks not yet created as unknown', () => {
    const view = launchTemplateKind.view(template('nodes').desired, staticRefs({}));
    expect(isUnknown(view.imageId)).toBe(true);
    expect(isUnknown(view.iamInstanceProfile)).toBe(true);
  });

  it('follows NextToken through every page of both listings (stubbed: moto never pages EC2)', async () => {
    // Real AWS returns at most MaxResults (200) templates or versions a page, with a NextToken.
    const clients = new AwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const calls: string[] = [];
    const names = ['a', 'b', 'c'].map((n) => `${n}.${CLUSTER}`);
    const send = async (cmd: { constructor: { name: string }; input: { NextToken?: string } }) => {
      const page = Number(cmd.input.NextToken ?? '0');
      calls.push(`${cmd.constructor.name}:${page}`);
      const next = page + 1 < names.length ? String(page + 1) : undefined;
      const name = names[page] ?? '';
      if (cmd.constructor.name === 'DescribeLaunchTemplatesCommand') {
        return { LaunchTemplates: [{ LaunchTemplateId: `lt-${page}`, LaunchTemplateName: name, DefaultVersionNumber: 1, Tags: [] }], NextToken: next } satisfies Partial<DescribeLaunchTemplatesCommandOutput>;
      }
      return {
        LaunchTemplateVersions: [{ LaunchTemplateId: `lt-${page}`, LaunchTemplateName: name, VersionNumber: 1, LaunchTemplateData: { InstanceType: 't3.medium' } }],
        NextToken: next,
      } satisfies Partial<DescribeLaunchTemplateVersionsCommandOutput>;
    };
    Object.assign(clients.ec2, { send });
    const ctx: AwsTaskContext = { clients, clusterName: CLUSTER, region: 'us-east-1', once: newMemo() };
    const found = await launchTemplateKind.find(ctx, ['a', 'b', 'c'].map((n) => template(n)));
    expect([...found.keys()].sort()).toEqual(names);
    expect(found.get(names[2] ?? '')?.data.instanceType).toBe('t3.medium');
    expect(calls).toEqual([
      'DescribeLaunchTemplatesCommand:0',
      'DescribeLaunchTemplatesCommand:1',
      'DescribeLaunchTemplatesCommand:2',
      'DescribeLaunchTemplateVersionsCommand:0',
      'DescribeLaunchTemplateVersionsCommand:1',
      'DescribeLaunchTemplateVersionsCommand:2',
    ]);
  });

  it('claims as orphans only this cluster\'s owned templates that no task describes', async () => {
    const ctx = awsTestContext(CLUSTER);
    const { refs } = await prerequisites(ctx);
    const other = { ...template('x'), name: 'x.other.example.com' };
    await converge({ ...ctx, clusterName: 'other.example.com' }, launchTemplateKind, [{ ...other, desired: { ...other.desired, tags: ownershipTags('other.example.com') } }], refs);
    // The cluster tag but not the ownership tag: someone else's, never deleted.
    const legacy = template('legacy', { tags: { Name: 'legacy', KubernetesCluster: CLUSTER } });
    await converge(ctx, launchTemplateKind, [template('kept'), template('removed'), legacy], refs);
    const orphans = await launchTemplateKind.findOrphans!(nextRun(ctx), [template('kept')], new Map());
    expect(orphans.map((o) => o.name)).toEqual([`removed.${CLUSTER}`]);
    expect(orphans[0]!.actual.id).toMatch(/^lt-/);
  });
});
