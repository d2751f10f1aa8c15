/**
 * spec.iam.useServiceAccountExternalPermissions with the cluster autoscaler, end to end on the
 * emulator: `update --yes` makes the autoscaler's role (trusting the cluster's OIDC provider for
 * kube-system/cluster-autoscaler) with its grants, takes them off the control plane's role, and
 * writes its Deployment with the role's real ARN and a projected token; the addons digest the
 * control planes' launch template names is the written addons.sh's; the next plan is empty;
 * turning it off moves the grants back and deletes the role.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePolicy } from '../../src/tasks/aws/iam-listing.js';
import { uniqueBucket } from '../helpers/aws.js';
import { applyAndConverge, changeLines, editSpec, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'irsaca.example.com';
const CP = 'control-plane-us-east-1a';
const ROLE = `cluster-autoscaler.kube-system.sa.${NAME}`;

const actions = (doc: unknown): string[] => ((doc as { Statement: { Action: string | string[] }[] }).Statement).flatMap((s) => [s.Action].flat());

describe('update cluster: the cluster autoscaler with its own role on the emulator', () => {
  let c: E2ECluster;
  let written: readonly string[] = [];
  const text = async (key: string) => Buffer.from((await c.cs.store.read(key))!.data).toString('utf8');
  const inline = async (role: string) => decodePolicy((await c.aws.clients.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: role }))).PolicyDocument!, 'test');

  beforeAll(async () => {
    c = await setupCluster({ name: NAME, zones: ['us-east-1a'] });
    const bucket = uniqueBucket('irsa-ca');
    await c.aws.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await editSpec(c, (s) => ({
      ...s,
      clusterAutoscaler: { enabled: true },
      serviceAccountIssuerDiscovery: { discoveryStore: `s3://${bucket}/${NAME}`, enableAWSOIDCProvider: true },
      iam: { ...s.iam, useServiceAccountExternalPermissions: true },
    }));
    written = (await applyAndConverge(c)).bootstrap?.written ?? [];
  }, 180_000);

  it('the autoscaler\'s role has its grants; the control plane\'s role has not', async () => {
    const role = (await c.aws.clients.iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
    const trust = JSON.stringify(decodePolicy(role.AssumeRolePolicyDocument!, 'test'));
    expect(trust).toContain('"system:serviceaccount:kube-system:cluster-autoscaler"');
    expect(actions(await inline(ROLE))).toEqual(expect.arrayContaining(['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup']));
    expect(actions(await inline(`masters.${NAME}`))).not.toContain('autoscaling:SetDesiredCapacity');
  });

  it('the Deployment names the role\'s ARN and mounts a token for amazonaws.com; the launch template names the written addons.sh', async () => {
    const arn = (await c.aws.clients.iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!.Arn!;
    expect(arn).toBe(`arn:aws:iam::${c.aws.account}:role/${ROLE}`);
    const manifest = written.find((p) => p.includes('/addons/cluster-autoscaler/') && p.endsWith('/manifest.yaml'))!;
    const deployment = parseAllDocuments(await text(manifest)).map((d) => d.toJS() as Record<string, any>).find((d) => d.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'AWS_ROLE_ARN', value: arn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/amazonaws.com/token' }]));
    expect(pod.volumes[0].projected.sources[0].serviceAccountToken.audience).toBe('amazonaws.com');
    const lt = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `${CP}.masters.${NAME}`, Versions: ['$Default'] }));
    const userData = gunzipSync(Buffer.from(lt.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64')).toString();
    const named = /\n {4}addons: ([0-9a-f]{64})\n/.exec(userData)?.[1];
    expect(named).toBeDefined();
    expect(createHash('sha256').update(await text(`${NAME}/igconfig/control-plane/${CP}/addons.sh`)).digest('hex')).toBe(named);
  });

  it('a second update plans nothing', async () => {
    expect(changeLines((await c.update(false)).plan)).toEqual([]);
  });

  it('turned off: the grants go back to the control plane\'s role and the role is deleted', async () => {
    await editSpec(c, (s) => ({ ...s, iam: { ...s.iam, useServiceAccountExternalPermissions: false } }));
    const lines = changeLines((await c.update(false)).plan);
    expect(lines).toEqual(expect.arrayContaining([`IAMRole/${ROLE}: delete `, `IAMRolePolicy/${ROLE}: delete `, `IAMRolePolicy/masters.${NAME}: update document`]));
    await applyAndConverge(c);
    expect(actions(await inline(`masters.${NAME}`))).toContain('autoscaling:SetDesiredCapacity');
    await expect(c.aws.clients.iam.send(new GetRoleCommand({ RoleName: ROLE }))).rejects.toMatchObject({ name: expect.stringMatching(/NoSuchEntity/) });
  }, 180_000);
});
