/**
 * delete cluster and what the AWS cloud controller made for the cluster's `type: LoadBalancer`
 * Services (src/cloud/aws/service-load-balancers.ts): a classic ELB with its `k8s-elb-<name>`
 * security group, an NLB with a listener and its target group, made in the cluster's subnets and
 * tagged as the controller tags them. The listing shows them and changes nothing; the delete
 * removes them with everything else; another cluster's, untagged and `shared` ones survive.
 */
import { describe, expect, it } from 'vitest';
import { AuthorizeSecurityGroupIngressCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand as CreateElbCommand, DeleteLoadBalancerCommand as DeleteElbCommand, DescribeLoadBalancersCommand as DescribeElbsCommand } from '@aws-sdk/client-elastic-load-balancing';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallRecorder } from '../../src/cloud/aws/call-scope.js';
import { AwsClients } from '../../src/cloud/aws/clients.js';
import { findBlockers } from '../../src/cloud/aws/delete-blockers.js';
import { ELB_DESCRIBE_TAGS_BATCH, TAG_SERVICE_NAME, listClassicLoadBalancers } from '../../src/cloud/aws/service-load-balancers.js';
import { operatorActions } from '../../src/cloudup/aws/operator-policy.js';
import { deleteResources, listClusterResources, type DeleteProgress } from '../../src/cloudup/delete-cluster.js';
import { dumpCluster } from '../../src/cloudup/inspect.js';
import { newMemo } from '../../src/tasks/aws/context.js';
import { DELETE_CLUSTER_ACTIONS } from '../../src/tasks/aws/iam-actions.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { fakeClock, ownedLeft } from './delete-cluster-helpers.js';
import { ownedFilter, setupCluster, type E2ECluster } from './update-helpers.js';

const tags = (m: Record<string, string>): { Key: string; Value: string }[] => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));
const legacy = (c: string) => ({ KubernetesCluster: c });
const owned = (c: string) => ({ [`kubernetes.io/cluster/${c}`]: 'owned' });

function awsOpts(c: E2ECluster) {
  const { region: _region, ...rest } = c.aws.options;
  return rest;
}

async function classicNames(c: E2ECluster): Promise<string[]> {
  const elb = await c.aws.clients.elb();
  return ((await elb.send(new DescribeElbsCommand({}))).LoadBalancerDescriptions ?? []).map((d) => d.LoadBalancerName ?? '').sort();
}

describe('delete cluster: the load balancers of the cluster\'s Services', () => {
  it('lists them without changing anything, deletes them before the network, and leaves the others\'', async () => {
    const c = await setupCluster({ name: 'svc.k8s.local', zones: ['us-east-1a'] });
    expect((await c.update(true)).applied?.ok).toBe(true);
    const ec2 = c.aws.clients.ec2;
    const elb = await c.aws.clients.elb();
    const elbv2 = c.aws.clients.elbv2;
    const subnet = (await ec2.send(new DescribeSubnetsCommand({ Filters: ownedFilter(c.name) }))).Subnets![0]!;
    const vpc = subnet.VpcId!;
    const service = { [TAG_SERVICE_NAME]: 'default/web' };

    // A classic ELB as the controller makes it (both cluster tags: it saw KubernetesCluster on its
    // instance), and its security group tagged only kubernetes.io/cluster/<c>=owned (as a
    // controller configured with a cluster ID tags it), which the nodes' group lets in.
    const elbName = 'a0123456789abcdef0123456789abcde';
    const elbGroup = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `k8s-elb-${elbName}`, Description: `Security group for Kubernetes ELB ${elbName} (default/web)`, VpcId: vpc, TagSpecifications: [{ ResourceType: 'security-group', Tags: tags(owned(c.name)) }] }))).GroupId!;
    await elb.send(new CreateElbCommand({ LoadBalancerName: elbName, Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 30080 }], Subnets: [subnet.SubnetId!], SecurityGroups: [elbGroup], Tags: tags({ ...legacy(c.name), ...owned(c.name), ...service }) }));
    const nodes = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [...ownedFilter(c.name), { Name: 'group-name', Values: [`nodes.${c.name}`] }] }))).SecurityGroups![0]!.GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nodes, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 30080, ToPort: 30080, UserIdGroupPairs: [{ GroupId: elbGroup }] }] }));

    // An NLB (only the newer tag) with a listener forwarding to its target group (both tags).
    const nlb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'k8s-default-web-0123456789', Type: 'network', Subnets: [subnet.SubnetId!], Tags: tags({ ...owned(c.name), ...service }) }))).LoadBalancers![0]!;
    const tg = (await elbv2.send(new CreateTargetGroupCommand({ Name: 'k8s-default-web-abcdef0123', Protocol: 'TCP', Port: 30081, VpcId: vpc, TargetType: 'instance', Tags: tags({ ...legacy(c.name), ...owned(c.name), ...service }) }))).TargetGroups![0]!;
    await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: nlb.LoadBalancerArn!, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }] }));

    // Not the cluster's, in the same account: another cluster's, untagged, and shared with it.
    const zone = { AvailabilityZones: ['us-east-1a'], Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 80 }] };
    await elb.send(new CreateElbCommand({ ...zone, LoadBalancerName: 'other-cluster-elb', Tags: tags({ ...legacy('other.k8s.local'), ...owned('other.k8s.local'), ...service }) }));
    await elb.send(new CreateElbCommand({ ...zone, LoadBalancerName: 'untagged-elb' }));
    await elb.send(new CreateElbCommand({ ...zone, LoadBalancerName: 'shared-elb', Tags: tags({ ...legacy(c.name), [`kubernetes.io/cluster/${c.name}`]: 'shared' }) }));
    const otherNlb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'other-cluster-nlb', Type: 'network', Subnets: [subnet.SubnetId!], Tags: tags({ ...owned('other.k8s.local'), ...service }) }))).LoadBalancers![0]!;
    await elbv2.send(new CreateTargetGroupCommand({ Name: 'shared-tg', Protocol: 'TCP', Port: 80, VpcId: vpc, Tags: tags({ [`kubernetes.io/cluster/${c.name}`]: 'shared' }) }));

    // toolbox dump shows them as delete finds them.
    const dump = await dumpCluster({ clientset: c.cs, clusterName: c.name, aws: awsOpts(c) });
    expect(dump.loadBalancers.map((l) => `${l.type} ${l.name} ${l.subnets.join(',')}`)).toEqual(expect.arrayContaining([`classic ${elbName} ${subnet.SubnetId}`, `network k8s-default-web-0123456789 ${subnet.SubnetId}`]));
    expect(dump.loadBalancers.map((l) => l.name).filter((n) => !n.startsWith('api-'))).toEqual([elbName, 'k8s-default-web-0123456789']);
    expect(dump.resources).toEqual(expect.arrayContaining([{ type: 'load-balancer', name: elbName, id: elbName }, { type: 'target-group', name: 'k8s-default-web-abcdef0123', id: tg.TargetGroupArn }]));
    for (const other of ['other-cluster', 'untagged-elb', 'shared-']) expect(JSON.stringify(dump)).not.toContain(other);
    expect(dump.resources.filter((r) => r.type === 'load-balancer')).toHaveLength(3); // the API's NLB once
    // The classic ELB's security group too (found by its tag, as delete finds it), once.
    expect(dump.resources.filter((r) => r.id === elbGroup)).toEqual([{ type: 'security-group', name: `k8s-elb-${elbName}`, id: elbGroup }]);
    expect(new Set(dump.resources.map((r) => r.id)).size).toBe(dump.resources.length);

    // The listing: only reads, and it names them.
    c.aws.counter.reset();
    const recorder = new AwsCallRecorder();
    const opts = awsOpts(c);
    const inv = await listClusterResources({ clientset: c.cs, clusterName: c.name, aws: { ...opts, hooks: [...(opts.hooks ?? []), recorder.hook] } });
    expect([...c.aws.counter.counts.keys()].filter((k) => !/:(Describe|List|Get)/.test(k)), 'listing made a call that is not a read').toEqual([]);
    const listed = inv.resources.map((r) => `${r.type} ${r.name} ${r.id}`);
    expect(listed).toContain(`load-balancer ${elbName} ${elbName}`);
    expect(listed).toContain(`load-balancer k8s-default-web-0123456789 ${nlb.LoadBalancerArn}`);
    expect(listed).toContain(`target-group k8s-default-web-abcdef0123 ${tg.TargetGroupArn}`);
    expect(listed).toContain(`security-group k8s-elb-${elbName} ${elbGroup}`);
    for (const other of ['other-cluster-elb', 'untagged-elb', 'shared-elb', 'other-cluster-nlb', 'shared-tg']) expect(listed.join('\n')).not.toContain(other);
    // The API's NLB and target groups are listed once, as their kinds found them.
    expect(inv.resources.filter((r) => r.type === 'load-balancer').map((r) => r.kind).sort()).toEqual(['NetworkLoadBalancer', 'ServiceLoadBalancer', 'ServiceNetworkLoadBalancer']);
    expect(new Set(inv.resources.map((r) => r.id)).size).toBe(inv.resources.length);
    expect(await classicNames(c)).toEqual([elbName, 'other-cluster-elb', 'shared-elb', 'untagged-elb'].sort());

    // The order the rounds keep (the emulator makes no interfaces for load balancers, so nothing
    // would fail out of order there: the order itself is checked).
    const of = (kind: string) => inv.resources.filter((x) => x.kind === kind);
    for (const lb of [...of('ServiceLoadBalancer'), ...of('ServiceNetworkLoadBalancer')]) {
      for (const t of ['security-group', 'subnet', 'internet-gateway', 'vpc']) {
        for (const x of inv.resources.filter((y) => y.type === t)) expect(inv.before(lb, x), `${lb.name} before ${t} ${x.name}`).toBe(true);
      }
      expect(inv.before(of('SecurityGroup')[0]!, lb)).toBe(false);
    }
    expect(inv.before(of('ServiceNetworkLoadBalancer')[0]!, of('ServiceTargetGroup')[0]!)).toBe(true);
    expect(inv.before(of('ServiceTargetGroup')[0]!, of('VPC')[0]!)).toBe(true);

    const lines: string[] = [];
    const r = await deleteResources(inv, { clock: fakeClock(), progress: (p: DeleteProgress) => lines.push(`${p.resource.type}:${p.resource.name}\t${p.outcome}`) });
    expect(r.left.map((x) => `${x.resource.type} ${x.resource.name}: ${x.error}`)).toEqual([]);
    for (const n of [elbName, 'k8s-default-web-0123456789']) expect(lines).toContain(`load-balancer:${n}\tok`);
    expect(lines).toContain('target-group:k8s-default-web-abcdef0123\tok');
    expect(lines).toContain(`security-group:k8s-elb-${elbName}\tok`);
    // Order: a Service's load balancer before the groups, subnets, gateway and VPC; its target group after it.
    const first = (p: string) => lines.findIndex((l) => l.startsWith(p));
    for (const lb of [`load-balancer:${elbName}\t`, 'load-balancer:k8s-default-web-0123456789\t']) {
      for (const then of ['security-group:', 'subnet:', 'internet-gateway:', 'vpc:']) expect(lines.indexOf(`${lb}ok`), `${lb} before ${then}`).toBeLessThan(first(then));
    }
    expect(lines.indexOf('load-balancer:k8s-default-web-0123456789\tok')).toBeLessThan(lines.indexOf('target-group:k8s-default-web-abcdef0123\tok'));
    // Every call is in the operator policy; those outside the kinds are delete cluster's own.
    const declared = new Set(operatorActions());
    expect([...new Set(recorder.calls.flatMap((x) => x.actions))].filter((a) => !declared.has(a))).toEqual([]);
    const own = recorder.calls.filter((x) => !x.scope && x.service !== 's3').flatMap((x) => x.actions);
    expect(own).toEqual(expect.arrayContaining(['elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup']));
    expect([...new Set(own)].filter((a) => !DELETE_CLUSTER_ACTIONS.includes(a))).toEqual([]);

    // (The helper lists every ELBv2 load balancer and target group of the account: the survivors.)
    expect(await ownedLeft(c.aws, c.name)).toEqual(['load-balancer other-cluster-nlb', 'target-group shared-tg']);
    expect(await classicNames(c)).toEqual(['other-cluster-elb', 'shared-elb', 'untagged-elb']);
    const v2 = await elbv2.send(new DescribeLoadBalancersCommand({}));
    expect((v2.LoadBalancers ?? []).map((l) => l.LoadBalancerArn)).toEqual([otherNlb.LoadBalancerArn]);
    expect(((await elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((t) => t.TargetGroupName)).toEqual(['shared-tg']);
  }, 180_000);
});

describe('the classic ELB listing', () => {
  it('follows every page (Marker) and asks for tags at most 20 names a call', async () => {
    const aws = testAws();
    const elb = await aws.clients.elb();
    const names = Array.from({ length: 25 }, (_, i) => `lb-${String(i).padStart(2, '0')}`);
    for (const n of names) await elb.send(new CreateElbCommand({ LoadBalancerName: n, AvailabilityZones: ['us-east-1a'], Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 80 }], Tags: tags({ n }) }));
    const batches: number[] = [];
    const recorded = testAwsHooked(aws, (op, input) => {
      if (op === 'DescribeTagsCommand') batches.push((input as { LoadBalancerNames: string[] }).LoadBalancerNames.length);
    });
    aws.counter.reset();
    const listed = await listClassicLoadBalancers(await recorded.elb(), 7);
    expect(listed.map((l) => `${l.name}=${l.tags.n}`)).toEqual(names.map((n) => `${n}=${n}`));
    expect(aws.counter.counts.get('elb:DescribeLoadBalancersCommand')).toBe(4); // 7 + 7 + 7 + 4
    expect(batches).toEqual([ELB_DESCRIBE_TAGS_BATCH, 5]);
  });

  it('leaves out one deleted between the listing and its tags (AWS refuses the whole DescribeTags then)', async () => {
    const aws = testAws();
    const elb = await aws.clients.elb();
    for (const n of ['lb-a', 'lb-b', 'lb-c']) await elb.send(new CreateElbCommand({ LoadBalancerName: n, AvailabilityZones: ['us-east-1a'], Listeners: [{ Protocol: 'TCP', LoadBalancerPort: 80, InstanceProtocol: 'TCP', InstancePort: 80 }], Tags: tags({ n }) }));
    const calls: string[] = [];
    // The client as the listing sees it: lb-b is deleted just before the first DescribeTags reaches the emulator.
    const racing = new Proxy(elb, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver) as unknown;
        return async (cmd: { constructor: { name: string }; input: { LoadBalancerNames?: string[] } }) => {
          calls.push(`${cmd.constructor.name} ${cmd.input.LoadBalancerNames?.join(',') ?? ''}`.trim());
          if (cmd.constructor.name === 'DescribeTagsCommand' && calls.filter((c) => c.startsWith('DescribeTags')).length === 1) await elb.send(new DeleteElbCommand({ LoadBalancerName: 'lb-b' }));
          return (target.send as (c: unknown) => Promise<unknown>).call(target, cmd);
        };
      },
    });
    const listed = await listClassicLoadBalancers(racing);
    expect(listed.map((l) => `${l.name}=${l.tags.n}`)).toEqual(['lb-a=lb-a', 'lb-c=lb-c']);
    expect(calls).toEqual(['DescribeLoadBalancersCommand', 'DescribeTagsCommand lb-a,lb-b,lb-c', 'DescribeTagsCommand lb-a', 'DescribeTagsCommand lb-b', 'DescribeTagsCommand lb-c']);
  });
});

describe('blockers', () => {
  it('an interface of a load balancer the run deleted is named as going with it', async () => {
    const aws = testAws();
    const ec2 = aws.clients.ec2;
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.9.1.0/24' }))).Subnet!.SubnetId!;
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Description: 'ELB a0123456789abcdef' }))).NetworkInterface!.NetworkInterfaceId!;
    const ctx = { clients: aws.clients, clusterName: 'b.k8s.local', region: 'us-east-1', once: newMemo() };
    const left = [{ kind: 'Subnet', type: 'subnet', name: 'us-east-1a.b.k8s.local', id: subnet, remove: async () => {} }];
    const lb = { kind: 'ServiceLoadBalancer', type: 'load-balancer', name: 'a0123456789abcdef', id: 'a0123456789abcdef', remove: async () => {} };
    const named = await findBlockers(ctx, left, [...left, lb]);
    expect(named.find((b) => b.what.startsWith(`network interface ${eni}`))?.why).toMatch(/^it belongs to the cluster's load balancer a0123456789abcdef; AWS removes .* --wait$/);
    // Not the cluster's load balancer: the general advice.
    const other = await findBlockers(ctx, left, left);
    expect(other.find((b) => b.what.startsWith(`network interface ${eni}`))?.why).toMatch(/^managed by AWS for a load balancer/);
  });
});

/** The test account's clients with one more hook that sees each call's operation and input. */
function testAwsHooked(aws: TestAws, see: (operation: string, input: unknown) => void): AwsClients {
  return new AwsClients({ ...aws.options, hooks: [...(aws.options.hooks ?? []), (req) => see(req.operation, req.input)] });
}
