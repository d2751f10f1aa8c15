/**
 * An instance group's own instance profile and security group (spec.iam.profile,
 * spec.securityGroupOverride) and its other launch-template options (rootVolumeOptimization,
 * instanceInterruptionBehavior), end to end on the emulator, in a shared VPC as enterprises use them:
 * the launch template carries them and the next plan is empty; the role's own IAM is not built; a
 * missing profile or group stops `update` before any change, naming the field; `delete cluster`
 * leaves the user's profile and group alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand,
  DescribeLaunchTemplateVersionsCommand, DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, GetInstanceProfileCommand, GetRolePolicyCommand, ListInstanceProfilesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { deleteResources, listClusterResources } from '../../src/cloudup/delete-cluster.js';
import { AwsCallRecorder } from '../../src/cloud/aws/call-scope.js';
import { operatorActions } from '../../src/cloudup/aws/operator-policy.js';
import { lookupSharedNetwork } from '../../src/cloudup/new-cluster-shared.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import type { InstanceGroup } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { fakeClock } from './delete-cluster-helpers.js';
import { applyAndConverge, changeLines, setupCluster, type E2ECluster } from './update-helpers.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const NAME = 'overrides.k8s.local';
const NODES = 'nodes-us-east-1a';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

async function editGroup(c: E2ECluster, ig: string, edit: (spec: InstanceGroup['spec']) => InstanceGroup['spec']): Promise<void> {
  const current = await c.cs.getInstanceGroup(c.name, ig);
  await c.cs.updateInstanceGroup(c.name, { ...current.object, spec: edit({ ...current.object.spec }) }, current.version);
}

describe("update cluster: an instance group's own profile and security group (emulator, shared VPC)", () => {
  let c: E2ECluster;
  let profileArn: string;
  let userSg: string;
  beforeAll(async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.71.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.71.0.0/20', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    userSg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'platform-nodes', Description: 'managed by the platform team' }))).GroupId!;
    await aws.clients.iam.send(new CreateRoleCommand({ RoleName: 'platform-nodes', AssumeRolePolicyDocument: TRUST }));
    const profile = await aws.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'my-nodes', Path: '/platform/' }));
    profileArn = profile.InstanceProfile!.Arn!;
    await aws.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'my-nodes', RoleName: 'platform-nodes' }));

    const shared = await lookupSharedNetwork(aws.clients, { subnetIDs: [subnet] });
    const built = newCluster({ name: NAME, zones: ['us-east-1a'], subnetIDs: [subnet], networkID: shared.networkID, sharedSubnets: shared.subnets, ...(shared.networkCIDR ? { networkCIDRs: [shared.networkCIDR] } : {}) });
    const nodes = built.instanceGroups.find((g) => g.metadata.name === NODES)!;
    Object.assign(nodes.spec, { iam: { profile: profileArn }, securityGroupOverride: userSg, rootVolumeOptimization: true, maxPrice: '0.05', instanceInterruptionBehavior: 'terminate' });
    const cs = new Clientset(openStateStore(`memory://overrides-${aws.account}`));
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const { region: _region, ...awsOpts } = aws.options;
    c = { aws, cs, name: NAME, update: (yes = false, extra = {}) => updateCluster({ clientset: cs, clusterName: NAME, aws: awsOpts, yes, ...extra }) };
  }, 60_000);

  it("the launch template names the user's profile and group, EbsOptimized and the Spot interruption behaviour; no nodes role is built; the next plan is empty", async () => {
    const recorder = new AwsCallRecorder();
    const { region: _r, ...opts } = c.aws.options;
    const plan = await c.update(false, { aws: { ...opts, hooks: [...(opts.hooks ?? []), recorder.hook] } });
    // The pre-flight's GetInstanceProfile and DescribeSecurityGroups are in the operator policy.
    const calls = new Set(recorder.calls.flatMap((x) => x.actions));
    expect(calls).toContain('iam:GetInstanceProfile');
    expect([...calls].filter((a) => !operatorActions().includes(a) && !a.startsWith('s3:'))).toEqual([]);
    expect(plan.warnings.filter((w) => w.code === 'InstanceProfilePermissionsUnchecked').map((w) => w.path)).toEqual([`InstanceGroup/${NODES} spec.iam.profile`]);
    const keys = plan.plan.changes.map((x) => x.key);
    expect(keys.filter((k) => k.includes(`nodes.${NAME}`) && k.startsWith('IAM'))).toEqual([]);
    expect(keys).not.toContain('IAMInstanceProfile/my-nodes');
    expect(keys).not.toContain(`SecurityGroup/${userSg}`);
    await applyAndConverge(c);
    const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${NODES}.${NAME}`, Versions: ['$Default'] }));
    const data = out.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    expect(data?.IamInstanceProfile).toEqual({ Name: 'my-nodes' });
    expect(data?.NetworkInterfaces?.[0]?.Groups).toEqual([userSg]);
    expect(data?.EbsOptimized).toBe(true);
    expect(data?.InstanceMarketOptions).toMatchObject({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05', InstanceInterruptionBehavior: 'terminate' } });
    // The control plane's role is built; the nodes' is not (its only group has a profile of its own).
    const profiles = (await c.aws.clients.iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles?.map((p) => p.InstanceProfileName).sort();
    expect(profiles).toEqual([`masters.${NAME}`, 'my-nodes']);
  }, 180_000);

  it('rootVolumeOptimization false and no interruption behaviour: a new version says so; the next plan is empty', async () => {
    await editGroup(c, NODES, ({ instanceInterruptionBehavior: _b, ...spec }) => ({ ...spec, rootVolumeOptimization: false }));
    expect(changeLines((await c.update(false)).plan)).toEqual([`LaunchTemplate/${NODES}.${NAME}: update ebsOptimized,spotInterruptionBehavior`]);
    await applyAndConverge(c);
    const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${NODES}.${NAME}`, Versions: ['$Default'] }));
    expect(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.EbsOptimized).toBe(false);
    expect(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceMarketOptions?.SpotOptions?.InstanceInterruptionBehavior).toBeUndefined();
  }, 120_000);

  it('a profile or security group that does not exist stops update before any change, naming the field', async () => {
    const missing = profileArn.replace('my-nodes', 'no-such-profile');
    await editGroup(c, NODES, (spec) => ({ ...spec, iam: { profile: missing }, securityGroupOverride: 'sg-0123456789abcdef0' }));
    const err = await c.update(true).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KopsError);
    const diags = (err as KopsError).diagnostics.filter((d) => d.severity === 'error');
    expect(diags.map((d) => [d.code, d.path])).toEqual([
      ['InstanceProfileNotFound', `InstanceGroup/${NODES} spec.iam.profile`],
      ['SecurityGroupNotFound', `InstanceGroup/${NODES} spec.securityGroupOverride`],
    ]);
    expect(diags[0]?.summary).toBe(`the instance profile ${missing} does not exist (instance group ${NODES})`);
    // A group of another VPC cannot be the instances' (EC2 refuses it at launch): refused before.
    const otherVpc = (await c.aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.72.0.0/16' }))).Vpc!.VpcId!;
    const otherSg = (await c.aws.clients.ec2.send(new CreateSecurityGroupCommand({ VpcId: otherVpc, GroupName: 'elsewhere', Description: 'another VPC' }))).GroupId!;
    await editGroup(c, NODES, (spec) => ({ ...spec, iam: { profile: profileArn }, securityGroupOverride: otherSg }));
    const elsewhere = await c.update(false).then(() => undefined, (e: unknown) => e);
    expect((elsewhere as KopsError).diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.path])).toEqual([['SecurityGroupInOtherVpc', `InstanceGroup/${NODES} spec.securityGroupOverride`]]);
    // A profile of that name on another path is not the one the spec names.
    await editGroup(c, NODES, (spec) => ({ ...spec, iam: { profile: profileArn.replace('/platform/', '/') }, securityGroupOverride: userSg }));
    const other = await c.update(false).then(() => undefined, (e: unknown) => e);
    expect((other as KopsError).diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary)).toEqual([expect.stringContaining(`is ${profileArn}, not`)]);
    await editGroup(c, NODES, (spec) => ({ ...spec, iam: { profile: profileArn } }));
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
  }, 120_000);

  it("delete cluster never lists or deletes the user's profile, its role, or the user's security group", async () => {
    const inv = await listClusterResources({ clientset: c.cs, clusterName: NAME, aws: (({ region: _r, ...rest }) => rest)(c.aws.options) });
    const listed = inv.resources.map((r) => `${r.type} ${r.name} ${r.id}`).join('\n');
    expect(listed).not.toContain('my-nodes');
    expect(listed).not.toContain('platform-nodes');
    expect(listed).not.toContain(userSg);
    // Reported as kept under its name, as the user knows it.
    expect(inv.kept.filter((k) => k.what.startsWith('iam-instance-profile')).map((k) => [k.what.replace(/\(.*\)$/, '(id)'), k.why])).toEqual([
      ['iam-instance-profile my-nodes (id)', "shared: given by ARN in an instance group's spec.iam.profile, it is the user's"],
    ]);
    const r = await deleteResources(inv, { clock: fakeClock() });
    expect(r.left).toEqual([]);
    const profile = await c.aws.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'my-nodes' }));
    expect(profile.InstanceProfile?.Roles?.map((x) => x.RoleName)).toEqual(['platform-nodes']);
    expect((await c.aws.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [userSg] }))).SecurityGroups).toHaveLength(1);
  }, 180_000);
});

describe("update cluster: a role's last group moving to its own profile (emulator)", () => {
  it("warns that update --yes deletes the role's policies; a filtered update moves the group and deletes nothing", async () => {
    const c = await setupCluster({ name: 'moving.k8s.local', zones: ['us-east-1a'] });
    await applyAndConverge(c);
    await c.aws.clients.iam.send(new CreateRoleCommand({ RoleName: 'own-nodes', AssumeRolePolicyDocument: TRUST }));
    const arn = (await c.aws.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'own-nodes' }))).InstanceProfile!.Arn!;
    await c.aws.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'own-nodes', RoleName: 'own-nodes' }));
    await editGroup(c, NODES, (spec) => ({ ...spec, iam: { profile: arn } }));
    const plan = await c.update(false);
    expect(plan.warnings.filter((w) => w.code === 'RoleProfileNoLongerUsed').map((w) => w.path)).toEqual([`InstanceGroup/${NODES} spec.iam.profile`]);
    // The role's inline policy is an orphan (deleted); the role and profile are not (they stay, unused, until delete cluster).
    expect(plan.plan.changes.filter((x) => x.action === 'delete').map((x) => x.key)).toEqual(['IAMRolePolicy/nodes.moving.k8s.local']);
    const filtered = await c.update(true, { instanceGroups: [NODES] });
    expect(filtered.applied?.ok).toBe(true);
    expect(filtered.plan.changes.filter((x) => x.action === 'delete')).toEqual([]);
    expect((await c.aws.clients.iam.send(new GetRolePolicyCommand({ RoleName: 'nodes.moving.k8s.local', PolicyName: 'nodes.moving.k8s.local' }))).PolicyDocument).toBeTruthy();
    // Once rolled, update --yes deletes the role's policy; the next plan is empty.
    await applyAndConverge(c);
    expect((await c.aws.clients.iam.send(new ListRolePoliciesCommand({ RoleName: 'nodes.moving.k8s.local' }))).PolicyNames).toEqual([]);
  }, 180_000);
});
