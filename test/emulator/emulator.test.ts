import { DescribeVpcsCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { selectedEmulator } from './index.js';
import { testAws } from '../helpers/aws.js';

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
  it("knows kops's default Ubuntu 24.04 image, owned by Canonical", async () => {
    const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
    const t = testAws();
    const out = await t.clients.ec2.send(
      new DescribeImagesCommand({ Owners: ['099720109477'], Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'] }] }),
    );
    expect(out.Images?.map((i) => i.ImageId)).toEqual(['ami-0b1e8c4d5a6f70001']);
  });
});
