/**
 * `delete instance` end to end on the AWS emulator, as `rolling-update cluster`'s test runs the
 * roll: an HA cluster (3 control planes, 3 node groups of 2) applied by `update cluster --yes`, a
 * fake Kubernetes API whose Nodes follow the emulator's instances, reached through the kubeconfig
 * context named after the cluster. Each case replaces one instance and checks what the cloud and
 * the API saw: the instance detached (surge) so its group launched a replacement, the cluster
 * validated with the replacement's Node in it before the drain evicted the old node's pods, the
 * old instance terminated, the group's other instance untouched. Also: without --yes nothing
 * changes, an unknown instance and another cluster's instance are not found (and not touched),
 * --surge=false, --cloudonly without any API, a control plane refused by the quorum guard, and
 * SIGINT (exit 130, lock released, the same command finishes the job).
 */
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { operatorPolicy } from '../../src/cloudup/aws/operator-policy.js';
import { ROLLING_UPDATE_ACTIONS } from '../../src/tasks/aws/iam-actions.js';
import { clusterPaths } from '../../src/statestore/layout.js';
import { openStateStore } from '../../src/statestore/open.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { startFaultProxy } from '../fakes/aws-fault-proxy.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { evaluate } from '../helpers/iam-sim.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'delinst.example.com';
const DECOY = 'decoy.example.com';
const DETACHED = 'kops.k8s.io/detached-from-asg';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let ec2: EC2Client;
let aws: ReturnType<typeof testAws>;

/** The step flags without kops's waits (the roll's test flags, less those delete instance does not take). */
const FAST = ['--validate-count', '1', '--post-drain-delay', '0s', '--drain-timeout', '1m', '--validation-timeout', '2m'];

interface Live {
  readonly id: string;
  readonly group: string;
  readonly cluster: string;
  readonly dns: string;
  readonly detachedFrom?: string;
}

async function running(): Promise<Live[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => {
    const tag = (k: string) => i.Tags?.find((t) => t.Key === k)?.Value;
    const from = tag(DETACHED);
    return { id: i.InstanceId!, group: tag('kops.k8s.io/instancegroup') ?? '', cluster: tag('KubernetesCluster') ?? '', dns: i.PrivateDnsName ?? '', ...(from ? { detachedFrom: from } : {}) };
  });
}
const ofGroup = async (g: string) => (await running()).filter((i) => i.cluster === NAME && i.group === g);

async function asgInstances(group: string): Promise<string[]> {
  const all = (await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  const asg = all.find((a) => a.Tags?.some((t) => t.Key === 'KubernetesCluster' && t.Value === NAME) && a.Tags?.some((t) => t.Key === 'kops.k8s.io/instancegroup' && t.Value === group));
  return (asg?.Instances ?? []).map((i) => i.InstanceId!).sort();
}

const del = (args: string[], extraEnv: Record<string, string> = {}, signals?: SignalSource) =>
  cli(['--state', url, 'delete', 'instance', ...args, '--name', NAME], { env: { ...env, ...extraEnv }, ...(signals ? { signals } : {}) });

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  url = tempStore().url;
  const zones = 'us-east-1a,us-east-1b,us-east-1c';
  const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', zones, '--control-plane-zones', zones, '--node-count', '6', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  ec2 = aws.clients.ec2;
  // Only this cluster's instances are Nodes of its API (the decoy cluster's are not).
  const source = ec2InstanceSource(ec2);
  fake = await FakeKubeApiServer.start({ instances: async () => (await source()).filter((i) => i.tags['KubernetesCluster'] === NAME) });
  env.KUBECONFIG = writeScratchKubeconfig(fake.kubeconfig(NAME));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

describe('delete instance (HA cluster on the emulator, fake Kubernetes API)', () => {
  it('without --yes says what would be done and changes nothing', async () => {
    const before = await running();
    const [victim] = await ofGroup('nodes-us-east-1a');
    const r = await del([victim!.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Instance ${victim!.id} (${victim!.dns}) found for deletion in instance group nodes-us-east-1a (Node)`);
    expect(r.stdout).toContain('With surge: it is detached so nodes-us-east-1a launches its replacement');
    expect(r.stdout).toMatch(/\n\nMust specify --yes to delete instance\n$/);
    expect(await running()).toEqual(before);
    expect(fake.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('an id or node name that no instance of the cluster has is not found (exit 1), naming what was searched', async () => {
    const r = await del(['i-0123456789abcdef0', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/instance "i-0123456789abcdef0" not found by cloud id or Kubernetes Node name in the instance groups of cluster delinst\.example\.com \(.*nodes-us-east-1a.*\)/);
    expect(r.stderr).toContain("'kops-ts get instances --name delinst.example.com'");
  });

  it("another cluster's instance is never found, so never touched", async () => {
    // A decoy autoscaling group of another cluster, with an instance group of the same name.
    const image = ((await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images ?? [])[0]!.ImageId!;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'decoy-nodes', LaunchTemplateData: { ImageId: image, InstanceType: 't3.medium' } }));
    const ours = ((await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []).find((a) => a.AutoScalingGroupName?.startsWith('nodes-us-east-1a'))!;
    await aws.clients.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: `nodes-us-east-1a.${DECOY}`,
        LaunchTemplate: { LaunchTemplateName: 'decoy-nodes', Version: '$Latest' },
        MinSize: 1,
        MaxSize: 1,
        DesiredCapacity: 1,
        VPCZoneIdentifier: ours.VPCZoneIdentifier!,
        Tags: [
          { Key: 'KubernetesCluster', Value: DECOY, PropagateAtLaunch: true },
          { Key: 'kops.k8s.io/instancegroup', Value: 'nodes-us-east-1a', PropagateAtLaunch: true },
        ],
      }),
    );
    const decoy = (await running()).find((i) => i.cluster === DECOY)!;
    expect(decoy).toBeDefined();
    for (const args of [[decoy.id, '--yes'], [decoy.id, '--yes', '--cloudonly'], [decoy.dns, '--yes', '--cloudonly']]) {
      const r = await del(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('not found');
    }
    expect((await running()).find((i) => i.id === decoy.id)).toEqual(decoy);
  });

  it('by node name, with surge: detached, replacement launched and validated before the drain, old one terminated, the other instance untouched', async () => {
    const group = 'nodes-us-east-1a';
    const [victim, other] = await ofGroup(group);
    expect(other).toBeDefined();
    const beforeIds = (await ofGroup(group)).map((i) => i.id);
    fake.addPod({ namespace: 'shop', name: 'web-1', node: victim!.dns, owner: 'ReplicaSet/web', ready: true });
    // When the drain's eviction reaches the API, the replacement must already be a Node.
    let nodesAtEviction: string[] | undefined;
    fake.onRequest = (q) => {
      if (q.method === 'POST' && q.path.endsWith('/pods/web-1/eviction')) nodesAtEviction = [...fake.nodes.keys()];
    };
    fake.requests.length = 0;
    try {
      const r = await del([victim!.dns, '--yes', ...FAST]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stderr.split('\n');
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      expect(at(new RegExp(`${victim!.id} .*detached`))).toBeGreaterThanOrEqual(0);
      expect(at(/cluster validated/)).toBeGreaterThan(at(/detached/));
      expect(at(/ draining$/)).toBeGreaterThan(at(/cluster validated/));
      expect(at(/ terminating$/)).toBeGreaterThan(at(/ draining$/));
      expect(r.stdout).toContain(`Instance ${victim!.id} (${victim!.dns}) deleted; instance group ${group} has its replacement and the cluster validated`);
    } finally {
      fake.onRequest = undefined;
    }
    const after = await ofGroup(group);
    const replacement = after.filter((i) => !beforeIds.includes(i.id));
    expect(replacement).toHaveLength(1);
    expect(after.map((i) => i.id).sort()).toEqual([other!.id, replacement[0]!.id].sort());
    expect(after.find((i) => i.id === other!.id)).toEqual(other);
    expect(await asgInstances(group)).toEqual([other!.id, replacement[0]!.id].sort());
    expect(nodesAtEviction).toContain(replacement[0]!.dns);
    // The drain cordoned the old node and evicted its pod.
    expect(fake.requests.some((q) => q.method === 'PATCH' && q.path === `/api/v1/nodes/${victim!.dns}`)).toBe(true);
    expect(fake.requests.some((q) => q.method === 'POST' && q.path === '/api/v1/namespaces/shop/pods/web-1/eviction')).toBe(true);
  }, 120_000);

  it('--surge=false: drained and terminated first, the group replaces it, then the cluster validates', async () => {
    const group = 'nodes-us-east-1b';
    const [victim, other] = await ofGroup(group);
    const r = await del([victim!.id, '--surge=false', '--yes', ...FAST]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Without surge: it is drained and terminated');
    expect(r.stderr).not.toContain('detached');
    const lines = r.stderr.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/ terminating$/)).toBeGreaterThan(at(/ draining$/));
    expect(at(/cluster validated/)).toBeGreaterThan(at(/ terminating$/));
    const after = await ofGroup(group);
    expect(after).toHaveLength(2);
    expect(after.map((i) => i.id)).not.toContain(victim!.id);
    expect(after.find((i) => i.id === other!.id)).toEqual(other);
  }, 120_000);

  it('--cloudonly needs no Kubernetes API: detached, terminated, replaced', async () => {
    const group = 'nodes-us-east-1c';
    const [victim, other] = await ofGroup(group);
    const r = await del([victim!.id, '--cloudonly', '--yes'], { KUBECONFIG: '/nonexistent/kubeconfig' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Instance ${victim!.id} found for deletion`);
    // kops's delete instance surges with --cloudonly too (only the roll does not).
    expect(r.stderr).toMatch(new RegExp(`${victim!.id} .*detached`));
    expect(r.stderr).not.toMatch(/draining|validated/);
    const after = await ofGroup(group);
    expect(after).toHaveLength(2);
    expect(after.map((i) => i.id)).not.toContain(victim!.id);
    expect(after.find((i) => i.id === other!.id)).toEqual(other);
  }, 120_000);

  it('a control plane: never surged, and refused by the quorum guard while another control plane is NotReady', async () => {
    const cps = (await running()).filter((i) => i.cluster === NAME && i.group.startsWith('control-plane-'));
    expect(cps).toHaveLength(3);
    const [victim, sick] = cps;
    const preview = await del([victim!.id]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('control-plane instances are never detached');
    expect(preview.stdout).toContain('Without surge');
    fake.setNodeReady(sick!.dns, false);
    try {
      const r = await del([victim!.id, '--yes', ...FAST]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`refusing to take down control-plane instance ${victim!.id}`);
      expect(r.stderr).toContain(`control-plane node ${sick!.dns} is not Ready`);
      // The surge note once: the run's warning on stderr, not again in the head on stdout.
      expect(r.stdout).not.toContain('never detached');
      expect(r.stderr.split('control-plane instances are never detached')).toHaveLength(2);
    } finally {
      fake.setNodeReady(sick!.dns, true);
    }
    expect((await running()).filter((i) => i.cluster === NAME && i.group.startsWith('control-plane-'))).toEqual(cps);
    expect(fake.requests.some((q) => q.method === 'PATCH' && q.path === `/api/v1/nodes/${victim!.dns}`)).toBe(false);
  }, 120_000);

  it('SIGINT during the drain: exit 130, the lock released, the instance left detached; the same command finishes it', async () => {
    const group = 'nodes-us-east-1a';
    const [victim, other] = await ofGroup(group);
    const beforeIds = (await ofGroup(group)).map((i) => i.id);
    fake.addPod({ namespace: 'shop', name: 'web-2', node: victim!.dns, owner: 'ReplicaSet/web', ready: true });
    let handler: ((s: StopSignal) => void) | undefined;
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: () => undefined };
    fake.onRequest = (q) => {
      if (q.method === 'PATCH' && q.path === `/api/v1/nodes/${victim!.dns}`) handler?.('SIGINT');
    };
    let r;
    try {
      r = await del([victim!.id, '--yes', ...FAST], {}, signals);
    } finally {
      fake.onRequest = undefined;
    }
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`delete instance interrupted by SIGINT: instance ${victim!.id} was not terminated; the cluster lock is released`);
    expect(r.stderr).toContain(`kops-ts delete instance ${victim!.id} --name ${NAME} --state ${url} --yes`);
    expect(await openStateStore(url).read(clusterPaths.lock(NAME))).toBeUndefined();
    const left = (await running()).find((i) => i.id === victim!.id);
    expect(left?.detachedFrom).toBeDefined();
    const replacement = (await ofGroup(group)).filter((i) => !beforeIds.includes(i.id));
    expect(replacement).toHaveLength(1);

    const again = await del([victim!.id, '--yes', ...FAST]);
    expect(again.code, again.stderr).toBe(0);
    const after = await ofGroup(group);
    // Finished without a second replacement: the other instance and the first replacement.
    expect(after.map((i) => i.id).sort()).toEqual([other!.id, replacement[0]!.id].sort());
  }, 120_000);

  it("makes only the rolling update's AWS calls, which the operator policy allows (no new grant)", async () => {
    const proxy = await startFaultProxy(aws.endpoint);
    try {
      const [victim] = await ofGroup('nodes-us-east-1c');
      // The SDK reads its endpoint from the process's environment.
      vi.stubEnv('AWS_ENDPOINT_URL', proxy.endpoint);
      const r = await del([victim!.id, '--yes', ...FAST], { AWS_ENDPOINT_URL: proxy.endpoint });
      vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
      expect(r.code, r.stderr).toBe(0);
      const prefix: Record<string, string> = { ec2: 'ec2', autoscaling: 'autoscaling', elbv2: 'elasticloadbalancing', sts: 'sts' };
      const called = [...new Set(proxy.requests.map((q) => `${prefix[q.service] ?? q.service}:${q.operation}`))].sort();
      expect(called).toEqual(expect.arrayContaining(['autoscaling:DetachInstances', 'ec2:CreateTags', 'ec2:TerminateInstances']));
      expect(called.filter((a) => !ROLLING_UPDATE_ACTIONS.includes(a))).toEqual([]);
      const policy = operatorPolicy();
      const decided = await Promise.all(called.map(async (a) => `${a} ${await evaluate(policy, { action: a })}`));
      expect(decided.filter((d) => !d.endsWith(' Allowed'))).toEqual([]);
      // Nothing beyond what the policy lists: a call delete instance does not make stays denied.
      expect(await evaluate(policy, { action: 'autoscaling:SetInstanceProtection' })).toBe('ImplicitlyDenied');
    } finally {
      vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
      await proxy.close();
    }
  }, 120_000);

  it('a second SIGINT before the lock is taken names the same deletion: the instance, --state, then --cloudonly, --surge and --kubeconfig', async () => {
    const [victim] = await ofGroup('nodes-us-east-1b');
    const exits: number[] = [];
    // Both signals as the command starts listening: nothing is terminated, and the second one says how to finish.
    const signals: SignalSource = { listen: (h) => (h('SIGINT'), h('SIGINT'), () => undefined), exit: (code) => void exits.push(code) };
    const r = await del([victim!.id, '--cloudonly', '--surge=false', '--kubeconfig', "/nonexistent/kube config's", '--yes', ...FAST], {}, signals);
    expect(exits).toEqual([130]);
    expect(r.stderr).toContain(
      `finish with: kops-ts delete instance ${victim!.id} --name ${NAME} --state ${url} --cloudonly --surge=false --kubeconfig '/nonexistent/kube config'\\''s' --yes\n`,
    );
    expect((await running()).some((i) => i.id === victim!.id)).toBe(true);
  }, 60_000);
});
