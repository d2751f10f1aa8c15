import {
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DisassociateAddressCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import { newMemo, type AwsTaskContext } from '../../../src/tasks/aws/context.js';
import { describe, expect, it } from 'vitest';
import { KopsError } from '../../../src/diagnostics.js';
import { natGatewayKind, type NatGatewayDesired } from '../../../src/tasks/aws/nat-gateway.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { awsTestContext, converge, expectIdempotent, nextRun, planKind, staticRefs } from './harness.js';
import { CLUSTER, Stack, baseNetwork, clusterTags, eipTask, elasticIpKind, subnetTask } from './network-fixtures.js';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function natTask(zone: string, eip = `${zone}.${CLUSTER}`): Task<NatGatewayDesired> {
  const name = `${zone}.${CLUSTER}`;
  return { kind: 'NatGateway', name, desired: { subnetId: ref('Subnet', `utility-${name}`), allocationId: ref('ElasticIP', eip), tags: clusterTags(name) } };
}

/** VPC, IGW, a utility subnet and an ElasticIP per zone. */
async function network(zones = ZONES.slice(0, 1)): Promise<Stack> {
  const stack = await baseNetwork(
    awsTestContext(),
    zones.map((z, i) => subnetTask(z, 'Utility', `172.20.${4 * i}.0/22`)),
  );
  await stack.add(elasticIpKind, zones.map((z) => eipTask(z)));
  return stack;
}

async function describeNat(stack: Stack, id: string) {
  return (await stack.ctx.clients.ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways?.[0];
}

describe('NatGateway', () => {
  it('creates the gateway in the utility subnet with the zone\'s address, waits until it is available, and is idempotent', async () => {
    const stack = await network();
    stack.ctx.aws.counter.reset();
    const outputs = await converge(stack.ctx, natGatewayKind, [natTask('us-east-1a')], stack.refs);
    // find, then the waiter's DescribeNatGateways after the create.
    expect(stack.ctx.aws.counter.counts.get('ec2:CreateNatGatewayCommand')).toBe(1);
    expect(stack.ctx.aws.counter.counts.get('ec2:DescribeNatGatewaysCommand')).toBe(2);
    await expectIdempotent(nextRun(stack.ctx), natGatewayKind, [natTask('us-east-1a')], stack.refs);

    const g = await describeNat(stack, outputs[`NatGateway/us-east-1a.${CLUSTER}`]?.id ?? '');
    expect(g?.State).toBe('available');
    expect(g?.SubnetId).toBe(stack.id(`Subnet/utility-us-east-1a.${CLUSTER}`));
    expect(g?.NatGatewayAddresses?.[0]?.AllocationId).toBe(stack.id(`ElasticIP/us-east-1a.${CLUSTER}`));
    expect(g?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: `us-east-1a.${CLUSTER}` }]));
  });

  it('replaces the gateway when its address changes; the old one is deleted (waited for) so its address can be released', async () => {
    const stack = await network();
    await stack.add(natGatewayKind, [natTask('us-east-1a')]);
    const oldId = stack.id(`NatGateway/us-east-1a.${CLUSTER}`);
    await stack.add(elasticIpKind, [eipTask('spare')]);
    const moved = natTask('us-east-1a', `spare.${CLUSTER}`);

    const plan = await planKind(nextRun(stack.ctx), natGatewayKind, [moved], stack.refs);
    expect(plan[0]?.action).toBe('replace');
    expect(plan[0]?.fields.map((f) => [f.field, f.forcesReplacement])).toEqual([['allocationId', true]]);

    const { outputs } = await expectIdempotent(nextRun(stack.ctx), natGatewayKind, [moved], stack.refs);
    expect(outputs[`NatGateway/us-east-1a.${CLUSTER}`]?.id).not.toBe(oldId);
    expect((await describeNat(stack, oldId))?.State).toBe('deleted');
    const oldEip = (await elasticIpKind.find(nextRun(stack.ctx), [eipTask('us-east-1a')])).get(`us-east-1a.${CLUSTER}`);
    if (!oldEip) throw new Error('old address not found');
    await elasticIpKind.delete?.(stack.ctx, oldEip);
  });

  it('ignores deleted gateways: one deleted behind its back is planned as a create', async () => {
    const stack = await network();
    await stack.add(natGatewayKind, [natTask('us-east-1a')]);
    const ec2 = stack.ctx.clients.ec2;
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: stack.id(`NatGateway/us-east-1a.${CLUSTER}`) }));
    // AWS frees the gateway's address once it is deleted; moto keeps it associated, so free it here.
    const eip = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [stack.id(`ElasticIP/us-east-1a.${CLUSTER}`)] }))).Addresses?.[0];
    if (eip?.AssociationId) await ec2.send(new DisassociateAddressCommand({ AssociationId: eip.AssociationId }));
    expect((await planKind(nextRun(stack.ctx), natGatewayKind, [natTask('us-east-1a')], stack.refs))[0]?.action).toBe('create');
    await expectIdempotent(nextRun(stack.ctx), natGatewayKind, [natTask('us-east-1a')], stack.refs);
  });

  it('updates tags in place', async () => {
    const stack = await network();
    await stack.add(natGatewayKind, [natTask('us-east-1a')]);
    const base = natTask('us-east-1a');
    const labelled: Task<NatGatewayDesired> = { ...base, desired: { ...base.desired, tags: { ...base.desired.tags, team: 'infra' } } };
    const plan = await planKind(nextRun(stack.ctx), natGatewayKind, [labelled], stack.refs);
    expect(plan[0]?.action).toBe('update');
    expect(plan[0]?.fields.map((f) => f.field)).toEqual(['tags']);
    const { outputs } = await expectIdempotent(nextRun(stack.ctx), natGatewayKind, [labelled], stack.refs);
    expect(outputs[`NatGateway/us-east-1a.${CLUSTER}`]?.id).toBe(stack.id(`NatGateway/us-east-1a.${CLUSTER}`));
  });

  it('finds the user\'s gateway by id (egress: nat-...) and never deletes it', async () => {
    const stack = await network();
    const created = await stack.ctx.clients.ec2.send(
      new CreateNatGatewayCommand({ SubnetId: stack.id(`Subnet/utility-us-east-1a.${CLUSTER}`), AllocationId: stack.id(`ElasticIP/us-east-1a.${CLUSTER}`) }),
    );
    const id = created.NatGateway?.NatGatewayId ?? '';
    const shared: Task<NatGatewayDesired> = { kind: 'NatGateway', name: `us-east-1a.${CLUSTER}`, shared: true, desired: { id, subnetId: 'subnet-unused' } };
    const { outputs } = await expectIdempotent(stack.ctx, natGatewayKind, [shared], stack.refs);
    expect(outputs[`NatGateway/us-east-1a.${CLUSTER}`]?.id).toBe(id);
    const actual = (await natGatewayKind.find(nextRun(stack.ctx), [shared])).get(shared.name);
    if (!actual) throw new Error('not found');
    await expect(natGatewayKind.delete?.(stack.ctx, actual)).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceReadOnly'));
    expect((await describeNat(stack, id))?.State).toBe('available');
    const missing = natGatewayKind.apply(stack.ctx, { action: 'create', name: 'x', desired: { id: 'nat-0123456789abcdef0', subnetId: 'subnet-x' }, fields: [], refs: staticRefs({}) });
    await expect(missing).rejects.toSatisfy((e) => KopsError.is(e, 'SharedResourceNotFound'));
  });

  it('finds every gateway with one call, whatever the number of tasks', async () => {
    const stack = await network(ZONES);
    const tasks = ZONES.map((z) => natTask(z));
    await stack.add(natGatewayKind, tasks);
    for (const ts of [tasks.slice(0, 1), tasks]) {
      stack.ctx.aws.counter.reset();
      expect((await natGatewayKind.find(nextRun(stack.ctx), ts)).size).toBe(ts.length);
      expect(stack.ctx.aws.counter.total()).toBe(1);
    }
  });

  it('deletes a gateway and waits for it to be gone; deleting again is success', async () => {
    const stack = await network();
    await stack.add(natGatewayKind, [natTask('us-east-1a')]);
    const actual = (await natGatewayKind.find(nextRun(stack.ctx), [natTask('us-east-1a')])).get(`us-east-1a.${CLUSTER}`);
    if (!actual) throw new Error('not found');
    stack.ctx.aws.counter.reset();
    await natGatewayKind.delete?.(stack.ctx, actual);
    expect(stack.ctx.aws.counter.counts.get('ec2:DescribeNatGatewaysCommand')).toBe(1);
    await natGatewayKind.delete?.(stack.ctx, actual);
    expect((await describeNat(stack, actual.id))?.State).toBe('deleted');
  });

  it('names the task and AWS\'s reason when a new gateway fails instead of becoming available', async () => {
    // Stub of real AWS behaviour moto never shows: CreateNatGateway answers `pending`, and the
    // gateway then goes `failed` with a FailureCode/FailureMessage (here: its VPC has no internet
    // gateway). The SDK waiter stops at the first `failed` answer.
    const sent: string[] = [];
    const ec2 = {
      send: async (command: object) => {
        sent.push(command.constructor.name);
        if (command instanceof CreateNatGatewayCommand) return { NatGateway: { NatGatewayId: 'nat-0f00', State: 'pending', SubnetId: 'subnet-1' } };
        if (command instanceof DescribeNatGatewaysCommand) {
          return { NatGateways: [{ NatGatewayId: 'nat-0f00', State: 'failed', FailureCode: 'Gateway.NotAttached', FailureMessage: 'Network vpc-1 has no Internet gateway attached' }] };
        }
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    } as unknown as EC2Client;
    const ctx: AwsTaskContext = { clients: { ec2 } as unknown as AwsClients, clusterName: CLUSTER, region: 'us-east-1', once: newMemo() };
    const refs = staticRefs({ [`Subnet/utility-us-east-1a.${CLUSTER}`]: { id: 'subnet-1' }, [`ElasticIP/us-east-1a.${CLUSTER}`]: { id: 'eipalloc-1' } });
    const p = natGatewayKind.apply(ctx, { action: 'create', name: `us-east-1a.${CLUSTER}`, desired: natTask('us-east-1a').desired, fields: [], refs });
    await expect(p).rejects.toSatisfy((e) => KopsError.is(e, 'NatGatewayNotAvailable'));
    await expect(p).rejects.toThrow(`NAT gateway nat-0f00 (task NatGateway/us-east-1a.${CLUSTER}) did not become available: Gateway.NotAttached: Network vpc-1 has no Internet gateway attached`);
    expect(sent).toEqual(['CreateNatGatewayCommand', 'DescribeNatGatewaysCommand']);
  });
});
