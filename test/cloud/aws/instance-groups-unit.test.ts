/**
 * The AWS cloud provider's pure parts (version resolution, status, role) and the paths the
 * emulator cannot take: a target that drains for a while (moto deregisters at once), a drain that
 * never ends, AWS's answers for an instance already out of its group. The SDK clients are stubs
 * answering as AWS documents; time is a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../../src/cloud/aws/clients.js';
import {
  AwsCloudProvider,
  DeregisterError,
  TAG_DETACHED_FROM_ASG,
  resolveTemplateVersion,
  roleFromTags,
  templateStatus,
} from '../../../src/cloud/aws/instance-groups.js';
import type { CloudInstance, CloudInstanceGroup, Clock } from '../../../src/rolling-update/types.js';

describe('launch template versions', () => {
  const t = { id: 'lt-1', name: 'nodes.c', defaultVersion: 3, latestVersion: 5 };
  it.each([
    ['7', t, '7'],
    ['$Default', t, '3'],
    ['$Latest', t, '5'],
    ['$Default', undefined, undefined],
    ['$Other', t, undefined],
  ])('%s resolves to %s', (version, tmpl, want) => {
    expect(resolveTemplateVersion(version, tmpl)).toBe(want);
  });

  it.each([
    [{ id: 'lt-1', version: '3' }, 'UpToDate'],
    [{ version: '3' }, 'UpToDate'],
    [{ id: 'lt-1', version: '2' }, 'NeedsUpdate'],
    [{ id: 'lt-2', version: '3' }, 'NeedsUpdate'],
    [{ id: 'lt-1' }, 'NeedsUpdate'],
  ] as const)('an instance launched from %o is %s', (launched, want) => {
    expect(templateStatus({ id: 'lt-1', version: '3' }, launched)).toBe(want);
  });

  it('an instance of a group whose version is unknown needs updating (kops compares names)', () => {
    expect(templateStatus(undefined, { id: 'lt-1', version: '3' })).toBe('NeedsUpdate');
  });
});

describe('roles from the group tags', () => {
  it.each([
    [{ 'k8s.io/role/control-plane': '1' }, 'ControlPlane'],
    [{ 'k8s.io/role/master': '1' }, 'ControlPlane'],
    [{ 'k8s.io/role/bastion': '1' }, 'Bastion'],
    [{ 'k8s.io/role/apiserver': '1' }, 'APIServer'],
    [{ 'k8s.io/role/node': '1' }, 'Node'],
  ])('%o is %s', (tags, role) => {
    expect(roleFromTags(tags)).toBe(role);
  });
});

// ---------------------------------------------------------------------------------------------

type Handler = (command: string, input: Record<string, unknown>) => unknown;

/** AwsClients whose `send` goes to `handler` by command name; every call is recorded. */
function stubClients(handler: Handler): { clients: AwsClients; calls: string[] } {
  const calls: string[] = [];
  const send = async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = cmd.constructor.name.replace(/Command$/, '');
    calls.push(name);
    return handler(name, cmd.input);
  };
  // Real clients (the SDK's paginators check the class), their `send` replaced: nothing goes out.
  const stub = <T extends object>(client: T): T => Object.assign(client, { send });
  const clients = {
    autoscaling: stub(new AutoScalingClient({ region: 'us-east-1' })),
    ec2: stub(new EC2Client({ region: 'us-east-1' })),
    elbv2: stub(new ElasticLoadBalancingV2Client({ region: 'us-east-1' })),
  };
  return { clients: clients as unknown as AwsClients, calls };
}

function awsError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
}

const GROUP: CloudInstanceGroup = { name: 'control-plane-a', role: 'ControlPlane', cloudName: 'control-plane-a.masters.c', minSize: 1, maxSize: 1, targetSize: 1, instances: [] };
const INSTANCE: CloudInstance = { id: 'i-0abc', group: 'control-plane-a', status: 'NeedsUpdate', state: 'InService' };
const TG1 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tcp-c/1';
const TG2 = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tls-c/2';

describe('deregister', () => {
  it('deregisters from every target group of the group, then polls every 5 s until the target is unused', async () => {
    let reads = 0;
    const { clients, calls } = stubClients((cmd, input) => {
      if (cmd === 'DescribeAutoScalingGroups') return { AutoScalingGroups: [{ AutoScalingGroupName: GROUP.cloudName, TargetGroupARNs: [TG2, TG1] }] };
      if (cmd === 'DeregisterTargets') return {};
      if (cmd === 'DescribeTargetHealth') {
        if (input['TargetGroupArn'] === TG2) return { TargetHealthDescriptions: [] };
        reads++;
        return { TargetHealthDescriptions: [{ Target: { Id: INSTANCE.id }, TargetHealth: { State: reads <= 3 ? 'draining' : 'unused' } }] };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const clock = fakeClock();
    await new AwsCloudProvider(clients).deregister(GROUP, INSTANCE, clock);
    expect(calls).toEqual(['DescribeAutoScalingGroups', 'DeregisterTargets', 'DeregisterTargets', ...Array(4).fill('DescribeTargetHealth'), 'DescribeTargetHealth']);
    expect(clock.slept).toEqual([5000, 5000, 5000]);
  });

  it('a target still draining when the bound runs out is a DeregisterError naming the instance, the target group and its state', async () => {
    const { clients } = stubClients((cmd) => {
      if (cmd === 'DescribeAutoScalingGroups') return { AutoScalingGroups: [{ AutoScalingGroupName: GROUP.cloudName, TargetGroupARNs: [TG1] }] };
      if (cmd === 'DeregisterTargets') return {};
      return { TargetHealthDescriptions: [{ Target: { Id: INSTANCE.id }, TargetHealth: { State: 'draining' } }] };
    });
    const clock = fakeClock();
    const err = await new AwsCloudProvider(clients, { deregisterTimeoutMs: 60_000 }).deregister(GROUP, INSTANCE, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeregisterError);
    expect((err as DeregisterError).message).toBe(`instance i-0abc is still draining in target group ${TG1} after 60s`);
    expect((err as DeregisterError).code).toBe('DeregisterTimeout');
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(60_000);
  });

  it('stops waiting when the signal aborts', async () => {
    const { clients } = stubClients((cmd) => {
      if (cmd === 'DescribeAutoScalingGroups') return { AutoScalingGroups: [{ AutoScalingGroupName: GROUP.cloudName, TargetGroupARNs: [TG1] }] };
      if (cmd === 'DeregisterTargets') return {};
      return { TargetHealthDescriptions: [{ Target: { Id: INSTANCE.id }, TargetHealth: { State: 'draining' } }] };
    });
    const ac = new AbortController();
    const clock: Clock = { now: () => 0, sleep: async (_ms, signal) => { ac.abort(new Error('interrupted')); if (signal?.aborted) throw signal.reason; } };
    await expect(new AwsCloudProvider(clients).deregister(GROUP, INSTANCE, clock, ac.signal)).rejects.toThrow('interrupted');
  });

  it('a target that is not registered (InvalidTarget) is already out', async () => {
    const { clients, calls } = stubClients((cmd) => {
      if (cmd === 'DescribeAutoScalingGroups') return { AutoScalingGroups: [{ AutoScalingGroupName: GROUP.cloudName, TargetGroupARNs: [TG1] }] };
      throw awsError('InvalidTarget', 'The following targets are not registered');
    });
    const clock = fakeClock();
    await new AwsCloudProvider(clients).deregister(GROUP, INSTANCE, clock);
    expect(calls).toEqual(['DescribeAutoScalingGroups', 'DeregisterTargets', 'DescribeTargetHealth']);
    expect(clock.slept).toEqual([]);
  });
});

describe('terminate and detach as AWS answers them', () => {
  it('an attached instance the group no longer has is terminated through EC2; NotFound there means already gone', async () => {
    const { clients, calls } = stubClients((cmd) => {
      if (cmd === 'TerminateInstanceInAutoScalingGroup') throw awsError('ValidationError', 'Instance Id not found - No managed instance found for instance ID: i-0abc');
      throw awsError('InvalidInstanceID.NotFound', "The instance ID 'i-0abc' does not exist");
    });
    await new AwsCloudProvider(clients).terminate(GROUP, INSTANCE);
    expect(calls).toEqual(['TerminateInstanceInAutoScalingGroup', 'TerminateInstances']);
  });

  it('asks the group to replace an attached instance without lowering its desired capacity', async () => {
    const inputs: Record<string, unknown>[] = [];
    const { clients, calls } = stubClients((_cmd, input) => void inputs.push(input));
    await new AwsCloudProvider(clients).terminate(GROUP, INSTANCE);
    expect(calls).toEqual(['TerminateInstanceInAutoScalingGroup']);
    expect(inputs).toEqual([{ InstanceId: 'i-0abc', ShouldDecrementDesiredCapacity: false }]);
  });

  it('other errors are not swallowed', async () => {
    const { clients } = stubClients(() => {
      throw awsError('AccessDenied', 'not authorized to perform: autoscaling:TerminateInstanceInAutoScalingGroup');
    });
    await expect(new AwsCloudProvider(clients).terminate(GROUP, INSTANCE)).rejects.toThrow(/not authorized/);
  });

  it('detach tags first, and an instance no longer in the group (AWS ValidationError) is already detached', async () => {
    const inputs: [string, Record<string, unknown>][] = [];
    const { clients } = stubClients((cmd, input) => {
      inputs.push([cmd, input]);
      if (cmd === 'DetachInstances') throw awsError('ValidationError', `The instance i-0abc is not part of Auto Scaling group ${GROUP.cloudName}.`);
      return {};
    });
    await new AwsCloudProvider(clients).detach(GROUP, INSTANCE);
    expect(inputs).toEqual([
      ['CreateTags', { Resources: ['i-0abc'], Tags: [{ Key: TAG_DETACHED_FROM_ASG, Value: GROUP.cloudName }] }],
      ['DetachInstances', { AutoScalingGroupName: GROUP.cloudName, InstanceIds: ['i-0abc'], ShouldDecrementDesiredCapacity: false }],
    ]);
  });
});

describe('listGroups as AWS answers it', () => {
  const tags = (m: Record<string, string>) => Object.entries(m).map(([Key, Value]) => ({ Key, Value }));
  const CLUSTER = 'c.example.com';
  const nodeTags = { KubernetesCluster: CLUSTER, 'kops.k8s.io/instancegroup': 'nodes', 'k8s.io/role/node': '1' };
  const ec2Instance = (id: string, state: string, t: Record<string, string>) => ({
    InstanceId: id,
    State: { Name: state },
    InstanceType: 't3.large',
    PrivateIpAddress: '10.0.0.1',
    PrivateDnsName: `ip-${id}.ec2.internal`,
    Placement: { AvailabilityZone: 'us-east-1b' },
    Tags: tags(t),
  });

  function provider(): { cloud: AwsCloudProvider; calls: string[] } {
    const { clients, calls } = stubClients((cmd, input) => {
      if (cmd === 'DescribeAutoScalingGroups') {
        expect(input['Filters']).toEqual([{ Name: 'tag:KubernetesCluster', Values: [CLUSTER] }]);
        return {
          AutoScalingGroups: [
            {
              AutoScalingGroupName: 'nodes.c.example.com', MinSize: 2, MaxSize: 4, DesiredCapacity: 3, Tags: tags(nodeTags),
              MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: 'lt-n', Version: '$Latest' } } },
              Instances: [
                { InstanceId: 'i-1', LifecycleState: 'InService', LaunchTemplate: { LaunchTemplateId: 'lt-n', Version: '1' } },
                { InstanceId: 'i-2', LifecycleState: 'Pending', LaunchTemplate: { LaunchTemplateId: 'lt-n', Version: '4' } },
                { InstanceId: 'i-3', LifecycleState: 'Terminating:Wait', LaunchTemplate: { LaunchTemplateId: 'lt-n', Version: '1' } },
                { InstanceId: 'i-4', LifecycleState: 'InService', LaunchTemplate: { LaunchTemplateId: 'lt-n', Version: '1' } },
              ],
            },
            // Being deleted, or not an instance group of kops's: left out.
            { AutoScalingGroupName: 'old.c.example.com', Status: 'Delete in progress', Tags: tags({ ...nodeTags, 'kops.k8s.io/instancegroup': 'old' }), Instances: [] },
            { AutoScalingGroupName: 'someone-elses', Tags: tags({ KubernetesCluster: CLUSTER }), Instances: [] },
          ],
        };
      }
      if (cmd === 'DescribeLaunchTemplates') {
        expect(input['LaunchTemplateIds']).toEqual(['lt-n']);
        return { LaunchTemplates: [{ LaunchTemplateId: 'lt-n', LaunchTemplateName: 'nodes.c.example.com', DefaultVersionNumber: 2, LatestVersionNumber: 4 }] };
      }
      if (cmd === 'DescribeInstances') {
        return {
          Reservations: [
            {
              Instances: [
                // i-1: the EC2 tags say version 4 (the group's field says 1): the tags win.
                ec2Instance('i-1', 'running', { ...nodeTags, 'aws:ec2launchtemplate:id': 'lt-n', 'aws:ec2launchtemplate:version': '4' }),
                // i-2: no template tags: the group's field (4) is used.
                ec2Instance('i-2', 'pending', nodeTags),
                // i-4: terminated through EC2, still listed by the group.
                ec2Instance('i-4', 'terminated', nodeTags),
                // Detached for surge: i-5 still runs, i-6 was stopped.
                ec2Instance('i-5', 'running', { ...nodeTags, [TAG_DETACHED_FROM_ASG]: 'nodes.c.example.com', 'aws:ec2launchtemplate:id': 'lt-n', 'aws:ec2launchtemplate:version': '1' }),
                ec2Instance('i-6', 'stopped', { ...nodeTags, [TAG_DETACHED_FROM_ASG]: 'nodes.c.example.com' }),
              ],
            },
          ],
        };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    return { cloud: new AwsCloudProvider(clients), calls };
  }

  it('resolves $Latest, reads versions from the instance tags first, skips terminating and stopped-detached instances', async () => {
    const { cloud, calls } = provider();
    const groups = await cloud.listGroups(CLUSTER);
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect({ ...g, instances: [] }).toEqual({ name: 'nodes', role: 'Node', cloudName: 'nodes.c.example.com', minSize: 2, maxSize: 4, targetSize: 3, instances: [] });
    expect(g.instances.map((i) => `${i.id} ${i.status} ${i.state}`)).toEqual(['i-1 UpToDate InService', 'i-2 UpToDate Pending', 'i-5 Detached Detached']);
    expect(g.instances[0]).toEqual({
      id: 'i-1', group: 'nodes', status: 'UpToDate', state: 'InService', machineType: 't3.large', privateIp: '10.0.0.1',
      nodeName: 'ip-i-1.ec2.internal', providerId: 'aws:///us-east-1b/i-1',
    });
    expect(calls).toEqual(['DescribeAutoScalingGroups', 'DescribeLaunchTemplates', 'DescribeInstances']);
  });

  it('a group whose launch template was deleted by hand does not stop the listing: its instances need updating', async () => {
    const group = (ig: string, lt: string) => ({
      AutoScalingGroupName: `${ig}.c.example.com`, MinSize: 1, MaxSize: 1, DesiredCapacity: 1,
      Tags: tags({ ...nodeTags, 'kops.k8s.io/instancegroup': ig }),
      LaunchTemplate: { LaunchTemplateId: lt, Version: '$Default' },
      Instances: [{ InstanceId: `i-${ig}`, LifecycleState: 'InService', LaunchTemplate: { LaunchTemplateId: lt, Version: '1' } }],
    });
    const asked: string[][] = [];
    const { clients } = stubClients((cmd, input) => {
      if (cmd === 'DescribeAutoScalingGroups') return { AutoScalingGroups: [group('a', 'lt-a'), group('b', 'lt-gone')] };
      if (cmd === 'DescribeInstances') return { Reservations: [] };
      const ids = input['LaunchTemplateIds'] as string[];
      asked.push(ids);
      if (ids.includes('lt-gone')) throw awsError('InvalidLaunchTemplateId.NotFound', 'At least one of the launch templates specified in the request does not exist.');
      return { LaunchTemplates: [{ LaunchTemplateId: 'lt-a', LaunchTemplateName: 'a.c.example.com', DefaultVersionNumber: 1, LatestVersionNumber: 1 }] };
    });
    const groups = await new AwsCloudProvider(clients).listGroups(CLUSTER);
    expect(groups.map((g) => `${g.name}: ${g.instances.map((i) => i.status).join(',')}`)).toEqual(['a: UpToDate', 'b: NeedsUpdate']);
    expect(asked).toEqual([['lt-a', 'lt-gone'], ['lt-a'], ['lt-gone']]);
  });

  it('lists nothing, and describes nothing more, when the cluster has no groups', async () => {
    const { clients, calls } = stubClients(() => ({ AutoScalingGroups: [] }));
    expect(await new AwsCloudProvider(clients).listGroups(CLUSTER)).toEqual([]);
    expect(calls).toEqual(['DescribeAutoScalingGroups']);
  });
});
