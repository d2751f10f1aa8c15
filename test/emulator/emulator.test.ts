import { CreateVpcCommand, DescribeSecurityGroupRulesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { selectedEmulator } from './index.js';
import { testAws } from '../helpers/aws.js';
import { fixtureImages, registerTestImages } from './images.js';

describe('emulator harness', () => {
  it('gives each caller its own emulator account', async () => {
    const a = testAws();
    const b = testAws();
    const who = await a.clients.sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(a.account);
    await a.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const inA = await a.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.9.0.0/16'] }] }));
    const inB = await b.clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.9.0.0/16'] }] }));
    expect(inA.Vpcs).toHaveLength(1);
    expect(inB.Vpcs ?? []).toHaveLength(0);
    expect(a.counter.total()).toBe(3);
  });

  it('selects the emulator from KOPS_TS_EMULATOR only', () => {
    expect(selectedEmulator({})).toBe('moto');
    expect(selectedEmulator({ KOPS_TS_EMULATOR: 'LocalStack' })).toBe('localstack');
    expect(() => selectedEmulator({ KOPS_TS_EMULATOR: 'docker' })).toThrow(/expected "moto" or "localstack"/);
  });
});

describe('emulator images', () => {
  // moto's image file (MOTO_AMIS_PATH) gives kops's default image its real owner, which the
  // cluster tests resolve; tests that only need some image register one (images.ts).
  it("knows kops's default Ubuntu 24.04 image, owned by Canonical", async () => {
    const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
    const t = testAws();
    const out = await t.clients.ec2.send(
      new DescribeImagesCommand({ Owners: ['099720109477'], Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] }] }),
    );
    expect(out.Images?.map((i) => i.ImageId)).toEqual(['ami-0b1e8c4d5a6f70001']);
  });
});

describe('emulator launch templates (moto_server.py fix)', () => {
  it('launches an autoscaling group from a template version made by CreateLaunchTemplateVersion with user data, as AWS does', async () => {
    const ec2 = await import('@aws-sdk/client-ec2');
    const as = await import('@aws-sdk/client-auto-scaling');
    const t = testAws();
    // An image of the test's own account, registered through the EC2 API (works on every emulator).
    const [image] = await registerTestImages(t.clients.ec2, fixtureImages().slice(0, 1));
    const data = { ImageId: image!.imageId, InstanceType: 't3.medium' as const, UserData: Buffer.from('#!/bin/sh\necho one\n').toString('base64') };
    const lt = await t.clients.ec2.send(new ec2.CreateLaunchTemplateCommand({ LaunchTemplateName: 'lt', LaunchTemplateData: data }));
    const id = lt.LaunchTemplate?.LaunchTemplateId as string;
    await t.clients.ec2.send(new ec2.CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: { ...data, UserData: Buffer.from('#!/bin/sh\necho two\n').toString('base64') } }));
    await t.clients.ec2.send(new ec2.ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));
    await t.clients.autoscaling.send(
      new as.CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', MinSize: 1, MaxSize: 1, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: id, Version: '$Default' } }),
    );
    const g = await t.clients.autoscaling.send(new as.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));
    const instance = g.AutoScalingGroups?.[0]?.Instances?.[0];
    expect(instance?.InstanceId).toMatch(/^i-/);
    // The replacement after a terminate launches from version 2 too (the 500 the fix removes came here).
    await t.clients.autoscaling.send(new as.TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instance?.InstanceId, ShouldDecrementDesiredCapacity: false }));
    const after = await t.clients.autoscaling.send(new as.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));
    expect(after.AutoScalingGroups?.[0]?.Instances?.map((i) => i.InstanceId)).not.toContain(instance?.InstanceId);
    expect(after.AutoScalingGroups?.[0]?.Instances).toHaveLength(1);
  });
});

describe('emulator requests that meet (moto_server.py, one request at a time)', () => {
  // moto's DescribeSecurityGroupRules walks the dict of every VPC's groups that CreateVpc adds to:
  // run side by side on a plain moto_server, a few of these answer an HTML 500 ("dictionary changed
  // size during iteration"). AWS answers each as if it ran alone, and so must the tests' emulator.
  it('answers every one of many concurrent requests in one account', async () => {
    const t = testAws();
    const failures: string[] = [];
    for (let round = 0; round < 4; round++) {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        calls.push(t.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' })));
        calls.push(t.clients.ec2.send(new DescribeSecurityGroupRulesCommand({})));
      }
      for (const r of await Promise.allSettled(calls)) if (r.status === 'rejected') failures.push(String(r.reason).split('\n')[0]!);
    }
    expect(failures).toEqual([]);
    expect(t.counter.total()).toBe(240);
  }, 120_000);
});
