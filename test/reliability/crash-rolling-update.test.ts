/**
 * Reliability 3, a rolling update interrupted at every step, then resumed: an HA cluster (3
 * control planes, one node group: the other two `create cluster` makes are deleted before the
 * first update, as the roll of a node group is the same whichever zone it is in) applied on the emulator, its image changed and applied, so every
 * instance needs an update; the fake Kubernetes API backs a Node with each running instance.
 * `kops-ts rolling-update cluster --yes` runs as the real binary in a child process, through the
 * kill proxy (test/reliability/kill-proxy.ts) that SIGKILLs it at its k-th mutating AWS call
 * (`before`: never reached AWS; `after`: AWS did it, the run never learned), or through the fake
 * Kubernetes API's hook at a point of the Kubernetes side (a control plane's cordon, an eviction).
 * A user then re-runs the same command until it exits 0, breaking the dead run's lock with the
 * `--force-unlock <id>` the error names. Then:
 *
 * - every instance that needed an update was terminated exactly once across all runs (the
 *   terminate calls that reached AWS, by instance id), and no other instance was;
 * - the live instances are the groups' members, one per group, all on a newer launch template
 *   version, none of the old ones, none left detached; the preview says no update is required and
 *   the progress record is gone;
 * - never two control planes down at once: a control plane is down from the cordon of its node
 *   until its group has a Ready, schedulable Node again (sampled at every request the fake API
 *   sees, across the killed and the resuming runs);
 * - the cluster lock is free.
 *
 * CI: the first, middle and last mutating call, the first detach tag (a surge half done), and the
 * two Kubernetes points.
 * KOPS_TS_RELIABILITY=full: every k in both modes. KOPS_TS_ROLL_CRASH_K=3,17: chosen k.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { progressPath } from '../../src/rolling-update/progress.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { readClusterLock } from '../../src/statestore/lock.js';
import { openStateStore } from '../../src/statestore/open.js';
import { FakeKubeApiServer, ec2InstanceSource, type JsonObject, type RecordedRequest } from '../fakes/kube-apiserver.js';
import { awsEndpoint, testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { FAST_ROLL, KEY, cli, tempStore } from '../cli/harness.js';
import { spawnBin, type ChildResult } from './child.js';
import { startKillProxy, type KillMode, type KillProxy, type MutatingCall } from './kill-proxy.js';

const FULL = process.env.KOPS_TS_RELIABILITY === 'full';
const NAME = 'rollcrash.example.com';
const FAST = FAST_ROLL;
const CP_LABEL = 'node-role.kubernetes.io/control-plane';

let aws: ReturnType<typeof testAws>;
let url: string;
/** The child's environment: AWS through the kill proxy, the kubeconfig of the fake API. */
let childEnv: Record<string, string>;
/** The in-process CLI's environment (setup and `update cluster`): AWS direct. */
let setupEnv: Record<string, string>;
let proxy: KillProxy;
let fake: FakeKubeApiServer;
let images: string[] = [];
let imageTurn = 0;
/** Mutating calls of a clean roll (what k runs over). */
let total = 0;
/** The clean roll's first detach tag (CreateTags), 1-based: killed after it, the instance is marked but still in its group. */
let detachTag = 0;

const rollArgs = (extra: string[] = []) => ['--state', url, 'rolling-update', 'cluster', NAME, '--yes', ...FAST, ...extra];

interface Live {
  readonly id: string;
  readonly group: string;
  readonly version: number;
  readonly detached: boolean;
}

async function liveInstances(): Promise<Live[]> {
  const r = await aws.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).filter((i) => i.Tags?.some((t) => t.Key === `kubernetes.io/cluster/${NAME}`)).map((i) => {
    const tag = (k: string) => i.Tags?.find((t) => t.Key === k)?.Value;
    return { id: i.InstanceId!, group: tag('kops.k8s.io/instancegroup') ?? '', version: Number(tag('aws:ec2launchtemplate:version') ?? 0), detached: tag('kops.k8s.io/detached-from-asg') !== undefined };
  });
}

/** The instances the cluster's autoscaling groups hold. */
async function groupMembers(): Promise<string[]> {
  const groups = (await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  return groups.filter((g) => g.Tags?.some((t) => t.Key === `kubernetes.io/cluster/${NAME}`)).flatMap((g) => (g.Instances ?? []).map((i) => i.InstanceId!)).sort();
}

/** Changes every group's image to the next of two and applies it: every instance then needs an update. */
async function changeImage(): Promise<void> {
  const image = images[imageTurn++ % images.length]!;
  const cs = new Clientset(openStateStore(url));
  for (const v of await cs.listInstanceGroups(NAME)) await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, image } }, v.version);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env: setupEnv });
  expect(update.code, update.stderr).toBe(0);
}

/** Makes the fake follow the instances now (it syncs on every request). */
async function syncFake(): Promise<void> {
  await fetch(`${fake.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${fake.token}` } });
}

const meta = (o: JsonObject): JsonObject => (o['metadata'] ?? {}) as JsonObject;
const labels = (o: JsonObject): Record<string, string> => (meta(o)['labels'] ?? {}) as Record<string, string>;
const isReady = (n: JsonObject): boolean => (((n['status'] ?? {}) as JsonObject)['conditions'] as JsonObject[] | undefined)?.some((c) => c['type'] === 'Ready' && c['status'] === 'True') ?? false;
const cordoned = (n: JsonObject): boolean => ((n['spec'] ?? {}) as JsonObject)['unschedulable'] === true;

/**
 * Control planes down over time: a control-plane group is down from the cordon of one of its
 * nodes until it has a Ready, schedulable Node other than the cordoned one. `max` is the most at once.
 */
class ControlPlaneWatch {
  /** Group → the cordoned node. */
  readonly down = new Map<string, string>();
  max = 0;

  observe(r: RecordedRequest): void {
    // Back up: a Ready, schedulable node of the group that is not the one that went down.
    for (const [group, node] of this.down) {
      const back = [...fake.nodes.entries()].some(([name, n]) => name !== node && labels(n)['kops.k8s.io/instancegroup'] === group && isReady(n) && !cordoned(n));
      if (back) this.down.delete(group);
    }
    const m = /^\/api\/v1\/nodes\/([^/?]+)/.exec(r.path);
    if (r.method === 'PATCH' && m && /"unschedulable"\s*:\s*true/.test(r.body ?? '')) {
      const name = decodeURIComponent(m[1]!);
      const n = fake.nodes.get(name);
      if (n && CP_LABEL in labels(n)) this.down.set(labels(n)['kops.k8s.io/instancegroup'] ?? name, name);
    }
    this.max = Math.max(this.max, this.down.size);
  }
}

/** A worker pod on every worker node, so drains evict something (a kube-side kill point). */
function addWorkloads(): void {
  for (const [name, n] of fake.nodes) {
    if (CP_LABEL in labels(n)) continue;
    fake.addPod({ namespace: 'shop', name: `web-${name.split('.')[0]}`, node: name, labels: { app: 'web' }, owner: 'ReplicaSet/web-1', ready: true });
  }
}

type KubePoint = 'cordon-control-plane' | 'eviction';
type KillPoint = { readonly k: number; readonly mode: KillMode } | { readonly kube: KubePoint; readonly nth: number };
const label = (p: KillPoint): string => ('k' in p ? `k=${p.k} ${p.mode}` : `${p.kube} #${p.nth}`);

function kubeMatches(p: KubePoint, r: RecordedRequest): boolean {
  if (p === 'eviction') return r.method === 'POST' && /\/pods\/[^/]+\/eviction$/.test(r.path);
  const m = /^\/api\/v1\/nodes\/([^/?]+)/.exec(r.path);
  const n = m ? fake.nodes.get(decodeURIComponent(m[1]!)) : undefined;
  return r.method === 'PATCH' && /"unschedulable"\s*:\s*true/.test(r.body ?? '') && n !== undefined && CP_LABEL in labels(n);
}

/** The instance ids the calls that reached AWS terminated. */
function terminated(calls: readonly MutatingCall[]): string[] {
  return calls
    .filter((c) => c.operation === 'TerminateInstanceInAutoScalingGroup' || c.operation === 'TerminateInstances')
    .flatMap((c) => [...new URLSearchParams(c.body).entries()].filter(([k]) => k === 'InstanceId' || /^InstanceId\.\d+$/.test(k)).map(([, v]) => v));
}

/** The mutating calls of the last run that reached AWS (a `before` kill's call did not). */
function reached(point: KillPoint | undefined): MutatingCall[] {
  const calls = [...proxy.mutating];
  if (point && 'k' in point && point.mode === 'before' && proxy.killed) calls.pop();
  return calls;
}

interface Outcome {
  readonly runs: number;
  readonly lockMessage?: string;
  readonly terminatedIds: string[];
}

/** Runs the roll killed at `point`, then re-runs it as a user would until it exits 0. */
async function crashAndResume(point: KillPoint, watch: ControlPlaneWatch): Promise<Outcome> {
  const terminatedIds: string[] = [];
  proxy.disarm();
  const run = spawnBin(rollArgs(), childEnv);
  const kill = () => run.child.kill('SIGKILL');
  let kubeKilled = false;
  let seen = 0;
  fake.onRequest = (r) => {
    watch.observe(r);
    if ('kube' in point && !kubeKilled && kubeMatches(point.kube, r) && ++seen === point.nth) {
      kubeKilled = true;
      kill();
    }
  };
  if ('k' in point) proxy.arm({ k: point.k, mode: point.mode, kill });
  const crashed = await run.done;
  expect(crashed.signal, `${label(point)}: the run was killed\n${crashed.stderr}`).toBe('SIGKILL');
  expect('k' in point ? proxy.killed : kubeKilled, label(point)).toBe(true);
  terminatedIds.push(...terminated(reached(point)));

  let lockMessage: string | undefined;
  let unlock: string[] = [];
  for (let runs = 1; runs <= 4; runs++) {
    proxy.disarm();
    const r: ChildResult = await spawnBin(rollArgs(unlock), childEnv).done;
    terminatedIds.push(...terminated(reached(undefined)));
    if (r.code === 0) return { runs, ...(lockMessage ? { lockMessage } : {}), terminatedIds };
    const id = /--force-unlock ([0-9a-f]+)/.exec(r.stderr)?.[1];
    expect(id, `${label(point)}: a re-run that fails names the lock to break:\n${r.stderr}`).toBeDefined();
    lockMessage = r.stderr;
    unlock = ['--force-unlock', id!];
  }
  throw new Error(`${label(point)}: the roll did not finish in 4 re-runs`);
}

async function expectRolled(point: KillPoint, before: readonly Live[], outcome: Outcome): Promise<void> {
  const at = label(point);
  // Each instance that needed an update terminated exactly once, no other instance at all.
  const counts = new Map<string, number>();
  for (const id of outcome.terminatedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  expect(Object.fromEntries(counts), at).toEqual(Object.fromEntries(before.map((b) => [b.id, 1])));
  // One live instance per group, all new, all members of their group (none left detached), on a newer version.
  const after = await liveInstances();
  expect(after.map((a) => a.group).sort(), at).toEqual(before.map((b) => b.group).sort());
  expect(after.filter((a) => before.some((b) => b.id === a.id)), at).toEqual([]);
  expect(after.filter((a) => a.detached), at).toEqual([]);
  expect(await groupMembers(), at).toEqual(after.map((a) => a.id).sort());
  for (const a of after) expect(a.version, `${at}: ${a.group}`).toBeGreaterThan(before.find((b) => b.group === a.group)!.version);
  const preview = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '-o', 'json'], { env: { ...setupEnv, KUBECONFIG: childEnv.KUBECONFIG! } });
  expect((JSON.parse(preview.stdout) as { required: boolean }).required, `${at}\n${preview.stderr}`).toBe(false);
  // The record of progress is gone and the lock is free.
  const store = openStateStore(url);
  expect(await store.read(progressPath(NAME)), at).toBeUndefined();
  expect(await readClusterLock(store, NAME), at).toBeUndefined();
}

beforeAll(async () => {
  aws = testAws();
  setupEnv = await operatorEnv(aws);
  url = tempStore().url;
  const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b,us-east-1c', '--control-plane-zones', 'us-east-1a,us-east-1b,us-east-1c', '--ssh-public-key', KEY], { env: setupEnv });
  expect(create.code, create.stderr).toBe(0);
  const cs = new Clientset(openStateStore(url));
  const nodeGroups = (await cs.listInstanceGroups(NAME)).filter((v) => v.object.spec.role === 'Node').map((v) => v.object.metadata.name);
  expect(nodeGroups).toHaveLength(3);
  for (const ig of nodeGroups.slice(1)) await cs.deleteInstanceGroup(NAME, ig);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env: setupEnv });
  expect(update.code, update.stderr).toBe(0);

  // Two other x86_64 images the emulator has, given by id as kops allows: each case switches to the other.
  const current = (await new Clientset(openStateStore(url)).listInstanceGroups(NAME))[0]!.object.spec.image ?? '';
  const all = (await aws.clients.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images ?? [];
  images = all.filter((i) => i.ImageId !== current && !current.endsWith(i.Name ?? '\u0000')).slice(0, 2).map((i) => i.ImageId!);
  expect(images).toHaveLength(2);

  fake = await FakeKubeApiServer.start({ instances: ec2InstanceSource(aws.clients.ec2), recreateEvicted: false });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kops-ts-rollcrash-')), 'config');
  writeFileSync(kubeconfig, fake.kubeconfig(NAME), { mode: 0o600 });
  proxy = await startKillProxy(awsEndpoint());
  childEnv = { ...setupEnv, AWS_ENDPOINT_URL: proxy.endpoint, KUBECONFIG: kubeconfig };

  // A clean roll: what k runs over.
  await changeImage();
  await syncFake();
  addWorkloads();
  proxy.disarm();
  const clean = await spawnBin(rollArgs(), childEnv).done;
  expect(clean.code, clean.stderr).toBe(0);
  total = proxy.mutating.length;
  detachTag = proxy.mutating.findIndex((c) => c.operation === 'CreateTags') + 1;
}, 300_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.close();
  await fake?.close();
});

/** Which points to kill at: every k in both modes in full mode, else a spread, plus the Kubernetes points; or KOPS_TS_ROLL_CRASH_K. */
function points(n: number): KillPoint[] {
  const both = (k: number): KillPoint[] => [{ k, mode: 'before' }, { k, mode: 'after' }];
  const chosen = process.env.KOPS_TS_ROLL_CRASH_K?.split(',').map(Number).filter((k) => k >= 1 && k <= n);
  if (chosen?.length) return chosen.flatMap(both);
  const kube: KillPoint[] = [{ kube: 'cordon-control-plane', nth: 2 }, { kube: 'eviction', nth: 1 }];
  if (FULL) return [...Array.from({ length: n }, (_, i) => i + 1).flatMap(both), ...kube];
  return [{ k: 1, mode: 'after' }, { k: Math.ceil(n / 2), mode: 'before' }, { k: detachTag, mode: 'after' }, { k: n, mode: 'after' }, ...kube];
}

describe('a rolling update killed at a step, then resumed', () => {
  it('a clean roll makes mutating calls to count (otherwise the sweep proves nothing)', () => {
    // 4 instances: at least a terminate each, plus the node group's detach (tag + DetachInstances).
    expect(total).toBeGreaterThanOrEqual(6);
    expect(detachTag).toBeGreaterThan(0);
  });

  it('killed at a mutating AWS call or a Kubernetes step, then re-run: each instance replaced once, never two control planes down, lock free', async () => {
    const tried: string[] = [];
    const watch = new ControlPlaneWatch();
    for (const point of points(total)) {
      await changeImage();
      await syncFake();
      addWorkloads();
      const before = await liveInstances();
      expect(before, label(point)).toHaveLength(4);
      const outcome = await crashAndResume(point, watch);
      // A SIGKILLed run holds the lock until it expires: the re-run said how to break it, with the id.
      expect(outcome.lockMessage, label(point)).toMatch(/--force-unlock [0-9a-f]+/);
      await expectRolled(point, before, outcome);
      tried.push(`${label(point)} (${outcome.runs + 1} runs)`);
    }
    fake.onRequest = undefined;
    // The watch saw control planes go down (one at a time), so its bound is not vacuous.
    expect(watch.max).toBe(1);
    expect(tried).toHaveLength(points(total).length);
    console.info(`crash-rolling-update: ${total} mutating AWS calls in a clean roll; killed and resumed at ${tried.join(', ')}`);
  }, FULL ? 7_200_000 : 600_000);
});
