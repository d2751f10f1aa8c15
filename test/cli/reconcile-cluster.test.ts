/**
 * `reconcile cluster` end to end on the AWS emulator, with a fake Kubernetes API whose Nodes follow
 * the emulator's instances: a cluster of one control plane and two node groups, every group's
 * launch template changed by an image edit, an instance group removed from the spec (its ASG and
 * launch template orphaned). Every AWS request goes through the fault proxy, which records them in
 * order, so the test reads the order of events: the control plane's launch template got its new
 * version and its instance was terminated before any node group's launch template changed; the
 * orphan's ASG was deleted only after the last node was terminated. Also: without --yes, one plan
 * and nothing written; a re-run plans and rolls nothing; SIGINT in the node roll names step 5 and
 * the same command finishes; an AWS error in step 4 names it (the control plane rolled, the nodes
 * untouched) and the same command finishes; SIGINT in the wait for the API names step 2. `-o json`:
 * one document on stdout (the plan and the steps; the steps done), the steps' reports on stderr.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SignalSource, StopSignal } from '../../src/cli/io.js';
import { RECONCILE_STEPS } from '../../src/cloudup/reconcile-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { clusterPaths } from '../../src/statestore/layout.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { FaultProxy, ProxiedRequest } from '../fakes/aws-fault-proxy.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv, recordThroughProxy } from '../helpers/operator-env.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { FAST_ROLL, KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'reconcile.example.com';
const CP = 'control-plane-us-east-1a';
const NODE_GROUPS = ['nodes-us-east-1a', 'nodes-us-east-1b'];
const ORPHAN = 'extra';
let env: Record<string, string>;
let store: { dir: string; url: string };
let kube: FakeKubeApiServer;
let ec2: EC2Client;
let aws: ReturnType<typeof testAws>;
let proxy: FaultProxy;
/** Every AWS request the CLI made through the proxy, in the order they arrived. */
let sent: ProxiedRequest[] = [];

const MUTATING = /^(Create|Delete|Modify|Update|Terminate|Run|Attach|Detach|Put|Set|Authorize|Revoke|Register|Deregister|Associate|Disassociate|Complete|Tag|Untag)/;

async function live(): Promise<{ id: string; group: string }[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => ({ id: i.InstanceId!, group: i.Tags?.find((t) => t.Key === 'kops.k8s.io/instancegroup')?.Value ?? '' }));
}

async function asgNames(): Promise<string[]> {
  return ((await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName!);
}

/** A new image for every group: a new launch template version for each. */
async function changeImage(): Promise<void> {
  const cs = new Clientset(openStateStore(store.url));
  const current = (await cs.listInstanceGroups(NAME))[0]!.object.spec.image ?? '';
  const images = (await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images ?? [];
  const image = images.find((i) => i.ImageId !== current && !current.endsWith(i.Name ?? '\u0000'))!.ImageId!;
  for (const v of await cs.listInstanceGroups(NAME)) await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, image } }, v.version);
}

/** The query parameters of a recorded request (EC2 and Auto Scaling speak the query protocol). */
const params = (q: ProxiedRequest) => new URLSearchParams(q.body);
/** Which group a launch template name or ASG name belongs to (kops's `<group>.<cluster>`, `<group>.masters.<cluster>`). */
const groupOfName = (n: string | null) => (n ?? '').replace(`.${NAME}`, '').replace(/\.masters$/, '');
/** Launch template id → its group, read from the emulator. */
let templateGroup = new Map<string, string>();
async function readTemplates(): Promise<void> {
  const r = await ec2.send(new DescribeLaunchTemplatesCommand({}));
  templateGroup = new Map((r.LaunchTemplates ?? []).map((t) => [t.LaunchTemplateId!, groupOfName(t.LaunchTemplateName!)]));
}
/** A new version of one of `groups`' launch templates. */
const newVersionOf = (groups: readonly string[]) => (q: ProxiedRequest) => q.operation === 'CreateLaunchTemplateVersion' && groups.includes(templateGroup.get(params(q).get('LaunchTemplateId') ?? '') ?? '');

const reconcile = (args: string[], signals?: SignalSource) =>
  cli(['--state', store.url, 'reconcile', 'cluster', NAME, ...args], { env, ...(signals ? { signals } : {}) });

beforeAll(async () => {
  aws = testAws();
  env = await operatorEnv(aws);
  store = tempStore();
  const state = ['--state', store.url];
  const create = await cli([...state, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--node-count', '2', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const ig = await cli([...state, 'create', 'instancegroup', ORPHAN, '--name', NAME, '--role', 'Node', '--subnet', 'us-east-1a', '--edit=false'], { env });
  expect(ig.code, ig.stderr).toBe(0);
  const update = await cli([...state, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  ec2 = aws.clients.ec2;
  kube = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2) });
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
  // From here on the CLI's clients go through the proxy.
  proxy = await recordThroughProxy(aws, env, (q) => sent.push(q));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await kube?.close();
  await proxy?.close();
});

describe('reconcile cluster on AWS (emulator, fake Kubernetes API)', () => {
  it('without --yes: one update plan (deletions included), nothing written to the store or the cloud', async () => {
    await changeImage();
    const cs = new Clientset(openStateStore(store.url));
    await cs.deleteInstanceGroup(NAME, ORPHAN);
    expect((await asgNames()).some((n) => groupOfName(n) === ORPHAN)).toBe(true);
    const before = snapshot(store.dir);
    sent = [];
    const r = await reconcile([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/Will modify resources:/g)).toHaveLength(1);
    expect(r.stdout).toContain(`${ORPHAN}.${NAME}`);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toBe(`With --yes, kops-ts reconcile cluster --name ${NAME} --state ${store.url} --yes updates and rolls the control plane first, then updates and rolls every other group, and deletes what the model no longer wants last.`);
    expect(snapshot(store.dir)).toEqual(before);
    expect(sent.some((q) => q.operation === 'DescribeLaunchTemplateVersions' || q.operation === 'DescribeLaunchTemplates'), 'the plan read the cloud through the proxy').toBe(true);
    expect(sent.filter((q) => MUTATING.test(q.operation)).map((q) => q.operation)).toEqual([]);

    // -o json: the same plan as update cluster -o json's document, with the steps, alone on stdout.
    sent = [];
    const j = await reconcile(['-o', 'json']);
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as { cluster: string; outcome: string; plan: { kind: string; changes: { key: string }[] }; steps: { id: string }[] };
    expect(doc.cluster).toBe(NAME);
    expect(doc.outcome).toBe('preview');
    expect(doc.plan.kind).toBe('Plan');
    expect(doc.plan.changes.some((ch) => ch.key.includes(`${ORPHAN}.${NAME}`))).toBe(true);
    expect(doc.steps.map((st) => st.id)).toEqual(['update-control-plane', 'wait-for-api', 'roll-control-plane', 'update-all', 'roll-all', 'prune']);
    expect(j.stderr).not.toContain('Will modify resources:');
    expect(snapshot(store.dir)).toEqual(before);
    expect(sent.filter((q) => MUTATING.test(q.operation)).map((q) => q.operation)).toEqual([]);
    expect((await reconcile(['-o', 'yaml'])).code).toBe(2);
  }, 120_000);

  it('--yes: the control plane updated and rolled before any node group changed; the orphan deleted after the node roll', async () => {
    const before = await live();
    const cpIds = before.filter((i) => i.group === CP).map((i) => i.id);
    const nodeIds = before.filter((i) => NODE_GROUPS.includes(i.group)).map((i) => i.id);
    expect(cpIds).toHaveLength(1);
    expect(nodeIds).toHaveLength(2);
    await readTemplates();
    sent = [];
    const r = await reconcile(['--yes', ...FAST_ROLL]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('reconcile: ')).map((l) => l.slice(0, 14))).toEqual(['reconcile: 1/6', 'reconcile: 2/6', 'reconcile: 3/6', 'reconcile: 4/6', 'reconcile: 5/6', 'reconcile: 6/6', 'reconcile: don']);

    if (process.env.SHOW_SENT) console.log(sent.filter((q) => MUTATING.test(q.operation)).map((q) => `${q.operation} ${q.body.slice(0, 200)}`).join('\n'));
    // The events, in the order AWS saw them.
    const at = (pred: (q: ProxiedRequest) => boolean) => sent.flatMap((q, i) => (pred(q) ? [i] : []));
    const ltVersion = (groups: readonly string[]) => at(newVersionOf(groups));
    const terminated = (ids: readonly string[]) => at((q) => (q.operation === 'TerminateInstances' || q.operation === 'TerminateInstanceInAutoScalingGroup') && [...params(q).values()].some((v) => ids.includes(v)));
    const cpTemplate = ltVersion([CP]);
    const nodeTemplates = ltVersion(NODE_GROUPS);
    const cpGone = terminated(cpIds);
    const nodesGone = terminated(nodeIds);
    const orphanDeleted = at((q) => q.operation === 'DeleteAutoScalingGroup' && groupOfName(params(q).get('AutoScalingGroupName')) === ORPHAN);
    expect(cpTemplate.length, 'the control plane got a new launch template version').toBeGreaterThan(0);
    expect(nodeTemplates.length, 'the node groups got new launch template versions').toBeGreaterThan(0);
    expect(cpGone.length).toBeGreaterThan(0);
    expect(nodesGone.length).toBeGreaterThan(0);
    expect(orphanDeleted).toHaveLength(1);
    expect(Math.max(...cpTemplate)).toBeLessThan(Math.min(...cpGone));
    expect(Math.max(...cpGone), 'the control plane was replaced before any node group template changed').toBeLessThan(Math.min(...nodeTemplates));
    expect(Math.max(...nodeTemplates)).toBeLessThan(Math.min(...nodesGone));
    expect(Math.max(...nodesGone), 'the orphan survived the node roll').toBeLessThan(orphanDeleted[0]!);

    const after = await live();
    expect(after.filter((i) => before.some((b) => b.id === i.id) && i.group !== ORPHAN)).toEqual([]);
    expect((await asgNames()).some((n) => groupOfName(n) === ORPHAN)).toBe(false);
    expect(await openStateStore(store.url).read(clusterPaths.lock(NAME))).toBeUndefined();
  }, 240_000);

  it('a re-run has nothing to do: every step plans or rolls nothing, exit 0, nothing changed in the cloud', async () => {
    sent = [];
    const r = await reconcile(['--yes', ...FAST_ROLL]);
    expect(r.code, r.stderr).toBe(0);
    expect(sent.length).toBeGreaterThan(0);
    expect(r.stdout.match(/No changes need to be applied/g)).toHaveLength(3);
    expect(r.stdout.match(/No rolling-update required\./g)).toHaveLength(2);
    expect(sent.filter((q) => MUTATING.test(q.operation)).map((q) => q.operation)).toEqual([]);

    // -o json: the steps' reports move to stderr; stdout is one document, every step done.
    const j = await reconcile(['--yes', '-o', 'json', ...FAST_ROLL]);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ cluster: NAME, outcome: 'reconciled', steps: RECONCILE_STEPS.map(({ id, title }) => ({ id, title, outcome: 'done' })) });
    expect(j.stderr.match(/No changes need to be applied/g)).toHaveLength(3);
    expect(j.stderr.match(/No rolling-update required\./g)).toHaveLength(2);
  }, 120_000);

  it('SIGINT during the node roll: exit 130 naming step 5, the lock released; the same command finishes', async () => {
    await changeImage();
    const nodes = (await live()).filter((i) => NODE_GROUPS.includes(i.group));
    let handler: ((s: StopSignal) => void) | undefined;
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: () => undefined };
    // Step 4 gives the node groups their new versions; the first cordon after it is the node roll's.
    await readTemplates();
    const nodeTemplateChanged = () => sent.some(newVersionOf(NODE_GROUPS));
    sent = [];
    let fired = false;
    kube.onRequest = (q) => {
      if (!fired && q.method === 'PATCH' && q.path.startsWith('/api/v1/nodes/') && nodeTemplateChanged()) {
        fired = true;
        handler?.('SIGINT');
      }
    };
    let r;
    try {
      r = await reconcile(['--yes', ...FAST_ROLL], signals);
    } finally {
      kube.onRequest = undefined;
    }
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopped at step 5\/6 \(rolling-update cluster\)/);
    expect(r.stderr).toContain(`kops-ts reconcile cluster --name ${NAME} --state ${store.url} --yes`);
    expect(await openStateStore(store.url).read(clusterPaths.lock(NAME))).toBeUndefined();
    expect(nodes.length).toBe(2);
    expect((await live()).filter((i) => nodes.some((n) => n.id === i.id)).length, 'a node was left to roll').toBeGreaterThan(0);

    const again = await reconcile(['--yes', ...FAST_ROLL]);
    expect(again.code, again.stderr).toBe(0);
    const left = (await live()).filter((i) => nodes.some((n) => n.id === i.id));
    expect(left).toEqual([]);
  }, 240_000);

  it('an AWS error in step 4 stops the sequence naming the step and what was done; the same command finishes', async () => {
    await changeImage();
    await readTemplates();
    const nodes = (await live()).filter((i) => NODE_GROUPS.includes(i.group));
    const cp = (await live()).filter((i) => i.group === CP);
    proxy.inject({ service: 'ec2', operation: 'CreateLaunchTemplateVersion', code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', when: newVersionOf(NODE_GROUPS) });
    let r;
    try {
      r = await reconcile(['--yes', ...FAST_ROLL]);
    } finally {
      proxy.clear();
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stopped at step 4\/6 \(update all instance groups, no deletions\): .*; steps 1-3\/6 were done before it/);
    expect(r.stderr).toContain(`fix the cause, then resume`);
    expect(r.stderr).not.toContain('reconcile: 5/6');
    // The control plane was rolled; the nodes were not touched.
    expect((await live()).filter((i) => cp.some((c) => c.id === i.id))).toEqual([]);
    expect((await live()).filter((i) => nodes.some((n) => n.id === i.id))).toHaveLength(2);
    expect(await openStateStore(store.url).read(clusterPaths.lock(NAME))).toBeUndefined();

    const again = await reconcile(['--yes', ...FAST_ROLL]);
    expect(again.code, again.stderr).toBe(0);
    // Steps 1, 3 and 6 had nothing left to do; 4 and 5 did the rest.
    expect(again.stdout.match(/No changes need to be applied/g)).toHaveLength(2);
    expect(again.stdout.match(/No rolling-update required\./g)).toHaveLength(1);
    expect((await live()).filter((i) => nodes.some((n) => n.id === i.id))).toEqual([]);
  }, 240_000);

  it('--force-unlock without --yes is refused before anything runs', async () => {
    const r = await reconcile(['--force-unlock', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force-unlock without --yes');
    expect(r.stderr).toContain(`kops-ts reconcile cluster --name ${NAME} --state ${store.url} --force-unlock abc --yes`);
  });

  it('SIGINT while waiting for the API (step 2): the wait ends, exit 130 naming step 2, no lock left', async () => {
    let handler: ((s: StopSignal) => void) | undefined;
    const signals: SignalSource = { listen: (h) => ((handler = h), () => (handler = undefined)), exit: () => undefined };
    // Step 1 does not reach the API: the first list of Nodes is step 2's first validation.
    kube.onRequest = (q) => {
      if (q.method === 'GET' && q.path.startsWith('/api/v1/nodes')) handler?.('SIGINT');
    };
    let r;
    try {
      r = await reconcile(['--yes', ...FAST_ROLL], signals);
    } finally {
      kube.onRequest = undefined;
    }
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Stopping on SIGINT: the wait for the API ends');
    expect(r.stderr).toMatch(/stopped at step 2\/6 \(wait for the API[^)]*\)\): interrupted by SIGINT while waiting for the API: nothing was changed by this step; step 1\/6 was done before it/);
    expect(r.stderr).not.toContain('reconcile: 3/6');
    expect(await openStateStore(store.url).read(clusterPaths.lock(NAME))).toBeUndefined();
  }, 120_000);
});
