import { DescribeDhcpOptionsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { dhcpDomainName, dhcpOptionsKind, type DhcpOptionsDesired } from '../../../src/tasks/aws/dhcp-options.js';
import { vpcDhcpOptionsAssociationKind, type VpcDhcpOptionsAssociationDesired } from '../../../src/tasks/aws/vpc-dhcp-options-association.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind } from './harness.js';
import { CLUSTER, Stack, clusterTags, dhcpTask, vpcKind, vpcRef, vpcTask } from './network-fixtures.js';

const KEY = `DHCPOptions/${CLUSTER}`;
const assocTask: Task<VpcDhcpOptionsAssociationDesired> = {
  kind: 'VPCDHCPOptionsAssociation',
  name: CLUSTER,
  desired: { vpcId: vpcRef, dhcpOptionsId: ref('DHCPOptions', CLUSTER) },
};

describe('DHCPOptions', () => {
  it('uses kops\'s domain name: ec2.internal in us-east-1, <region>.compute.internal elsewhere', () => {
    expect(dhcpDomainName('us-east-1')).toBe('ec2.internal');
    expect(dhcpDomainName('eu-west-1')).toBe('eu-west-1.compute.internal');
  });

  it('creates the options set with its tags and is idempotent', async () => {
    const ctx = awsTestContext();
    const { outputs } = await expectIdempotent(ctx, dhcpOptionsKind, [dhcpTask()]);
    const id = outputs[KEY]?.id ?? '';
    const o = (await ctx.clients.ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [id] }))).DhcpOptions?.[0];
    expect(o?.DhcpConfigurations).toEqual(
      expect.arrayContaining([
        { Key: 'domain-name', Values: [{ Value: 'ec2.internal' }] },
        { Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] },
      ]),
    );
    expect(o?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: CLUSTER }, { Key: 'KubernetesCluster', Value: CLUSTER }]));
  });

  it('replaces the set when its options change, and the association moves the VPC to the new set', async () => {
    const ctx = awsTestContext();
    const stack = new Stack(ctx);
    await stack.add(vpcKind, [vpcTask()]);
    await stack.add(dhcpOptionsKind, [dhcpTask()]);
    await stack.add(vpcDhcpOptionsAssociationKind, [assocTask]);
    const oldId = stack.id(KEY);

    const changed = dhcpTask('example.internal');
    const plan = await planKind(nextRun(ctx), dhcpOptionsKind, [changed]);
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields).toEqual([expect.objectContaining({ field: 'domainName', before: 'ec2.internal', after: 'example.internal', forcesReplacement: true })]);

    // The old set is still associated with the cluster's VPC: delete moves it off first.
    const run = nextRun(ctx);
    const stack2 = new Stack(run);
    Object.assign(stack2.outputs, stack.outputs);
    await stack2.add(dhcpOptionsKind, [changed]);
    const newId = stack2.id(KEY);
    expect(newId).not.toBe(oldId);
    const left = await ctx.clients.ec2.send(new DescribeDhcpOptionsCommand({ Filters: [{ Name: 'dhcp-options-id', Values: [oldId] }] }));
    expect(left.DhcpOptions).toEqual([]);

    const assocPlan = await planKind(nextRun(ctx), vpcDhcpOptionsAssociationKind, [assocTask], stack2.refs);
    expect(assocPlan[0]?.action).toBe('update');
    await expectIdempotent(nextRun(ctx), vpcDhcpOptionsAssociationKind, [assocTask], stack2.refs);
    const vpc = (await ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [stack.id(`VPC/${CLUSTER}`)] }))).Vpcs?.[0];
    expect(vpc?.DhcpOptionsId).toBe(newId);
  });

  it('finds every set with one call, whatever the number of tasks', async () => {
    const ctx = awsTestContext();
    const tasks: Task<DhcpOptionsDesired>[] = ['a', 'b', 'c'].map((n) => {
      const name = `${n}.${CLUSTER}`;
      return { ...dhcpTask(), name, desired: { ...dhcpTask().desired, tags: clusterTags(name) } };
    });
    await converge(ctx, dhcpOptionsKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      ctx.aws.counter.reset();
      expect((await dhcpOptionsKind.find(nextRun(ctx), ts)).size).toBe(ts.length);
      expect(ctx.aws.counter.total()).toBe(1);
    }
  });

  it('deleting a set that is already gone is success', async () => {
    const ctx = awsTestContext();
    await converge(ctx, dhcpOptionsKind, [dhcpTask()]);
    const actual = (await dhcpOptionsKind.find(nextRun(ctx), [dhcpTask()])).get(CLUSTER);
    if (!actual) throw new Error('not found');
    await dhcpOptionsKind.delete?.(ctx, actual);
    await dhcpOptionsKind.delete?.(ctx, actual);
    expect((await dhcpOptionsKind.find(nextRun(ctx), [dhcpTask()])).size).toBe(0);
  });
});
