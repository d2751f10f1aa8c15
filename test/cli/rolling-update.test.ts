/**
 * `rolling-update cluster` and `validate cluster` end to end, as a user runs them: an HA cluster
 * (3 control planes, 3 zones) applied on the AWS emulator, a fake Kubernetes API whose Nodes follow
 * the emulator's instances, reached through the kubeconfig context named after the cluster. A
 * image change gives every group a new launch template version; the roll replaces every
 * instance once, never two control planes at once, and ends with every instance on the new version.
 * The spec's `rollingUpdate` (the cluster's and each group's) reaches each group's roll.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { EC2Client, DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { StateStoreProgress, progressPath } from '../../src/rolling-update/progress.js';
import type { RollingUpdate } from '../../src/model/api/types.js';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import type { TestAws } from '../helpers/aws.js';
import { appliedCluster } from './applied-cluster.js';
import type { SignalSource } from '../../src/cli/io.js';
import { FAST_ROLL, cli } from './harness.js';

const NAME = 'roll.example.com';
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let ec2: EC2Client;
let aws: TestAws;

const FAST = FAST_ROLL;

async function liveInstances(): Promise<{ id: string; group: string; version: string }[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).filter((i) => i.Tags?.some((t) => t.Key === `kubernetes.io/cluster/${NAME}` || t.Key === 'KubernetesCluster')).map((i) => {
    const tag = (k: string) => i.Tags?.find((t) => t.Key === k)?.Value ?? '';
    return { id: i.InstanceId!, group: tag('kops.k8s.io/instancegroup'), version: tag('aws:ec2launchtemplate:version') };
  });
}

beforeAll(async () => {
  ({ aws, env, url, fake } = await appliedCluster(NAME, ['--zones', 'us-east-1a,us-east-1b,us-east-1c', '--control-plane-zones', 'us-east-1a,us-east-1b,us-east-1c']));
  ec2 = aws.clients.ec2;
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

describe('validate cluster and rolling-update cluster (HA cluster on the emulator, fake Kubernetes API)', () => {
  it('validates the freshly built cluster in all three formats', async () => {
    const table = await cli(['--state', url, 'validate', 'cluster', NAME], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`Your cluster ${NAME} is ready`);
    expect(table.stdout).toMatch(/INSTANCE GROUPS[\s\S]*control-plane-us-east-1a[\s\S]*NODE STATUS/);
    const json = await cli(['--state', url, 'validate', 'cluster', NAME, '-o', 'json'], { env });
    const doc = JSON.parse(json.stdout) as { failures?: unknown[]; nodes: unknown[] };
    expect(doc.failures).toBeUndefined();
    expect(doc.nodes).toHaveLength(6);
    const yaml = await cli(['--state', url, 'validate', 'cluster', NAME, '-o', 'yaml'], { env });
    expect(yaml.stdout).toMatch(/^nodes:/m);
  });

  it('fails validation with exit 2 and names the NotReady node', async () => {
    const node = [...fake.nodes.keys()][0]!;
    fake.setNodeReady(node, false);
    try {
      const r = await cli(['--state', url, 'validate', 'cluster', NAME, '-o', 'json'], { env });
      expect(r.code).toBe(2);
      const doc = JSON.parse(r.stdout) as { failures: { type: string; name: string }[] };
      expect(doc.failures).toContainEqual(expect.objectContaining({ type: 'Node', name: node }));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      fake.setNodeReady(node, true);
    }
  });

  it('says no rolling update is required before any change', async () => {
    const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('No rolling-update required.');
    expect(r.stdout.split('\n')[0]?.split(/\s+/)).toEqual(['NAME', 'STATUS', 'NEEDUPDATE', 'READY', 'MIN', 'TARGET', 'MAX', 'NODES']);
  });

  it('after an image change, previews then replaces every instance once, control planes one at a time', async () => {
    // Another x86_64 image the emulator has, given by id as kops allows.
    const images = (await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }] }))).Images ?? [];
    const cs = new Clientset(openStateStore(url));
    const current = (await cs.listInstanceGroups(NAME))[0]!.object.spec.image;
    const image = images.find((i) => i.ImageId !== current && !(current ?? '').endsWith(i.Name ?? '\u0000'))!.ImageId!;
    expect(image).toMatch(/^ami-/);
    for (const v of await cs.listInstanceGroups(NAME)) {
      await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, image } }, v.version);
    }
    const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(update.code, update.stderr).toBe(0);
    const before = await liveInstances();
    expect(before).toHaveLength(6);

    const preview = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '-o', 'json'], { env });
    const rows = (JSON.parse(preview.stdout) as { required: boolean; groups: { name: string; status: string; needUpdate: number }[] });
    expect(rows.required).toBe(true);
    expect(rows.groups.every((g) => g.status === 'NeedsUpdate' && g.needUpdate >= 1)).toBe(true);

    const roll = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--yes', ...FAST], { env });
    expect(roll.code, roll.stderr).toBe(0);
    if (process.env.SHOW_ROLL) console.log(roll.stdout + roll.stderr);

    // Every old instance went, once; every live instance is on its group's new version.
    const after = await liveInstances();
    expect(after).toHaveLength(6);
    expect(after.filter((a) => before.some((b) => b.id === a.id))).toEqual([]);
    const groups = (await aws.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    for (const a of after) {
      const g = groups.find((x) => x.Tags?.some((t) => t.Key === 'kops.k8s.io/instancegroup' && t.Value === a.group));
      const before1 = before.find((b) => b.group === a.group)!;
      expect(Number(a.version), a.group).toBeGreaterThan(Number(before1.version));
      expect(g).toBeDefined();
    }
    // The progress lines: each old instance terminated exactly once, control planes before nodes.
    const terminated = roll.stderr.split('\n').filter((l) => / terminating$/.test(l));
    expect(terminated).toHaveLength(6);
    const groupsInOrder = terminated.map((l) => l.trim().split(/\s+/)[0]!);
    expect(groupsInOrder.slice(0, 3).every((g) => g.startsWith('control-plane-'))).toBe(true);
    // The record of progress is gone once the roll is complete, and nothing needs an update now.
    expect(await openStateStore(url).read(progressPath(NAME))).toBeUndefined();
    const again = await cli(['--state', url, 'rolling-update', 'cluster', NAME], { env });
    expect(again.stdout).toContain('No rolling-update required.');
  }, 240_000);

  it("a PodDisruptionBudget that never allows eviction: the drain times out naming the pod and the budget; with --fail-on-drain-error=false the roll goes on", async () => {
    const node = [...fake.nodes.entries()].find(([, n]) => JSON.stringify(n).includes('"kops.k8s.io/instancegroup":"nodes-us-east-1b"'))?.[0];
    expect(node).toBeDefined();
    fake.addPod({ namespace: 'shop', name: 'db-0', node: node!, labels: { app: 'db' }, owner: 'StatefulSet/db', ready: true });
    fake.addPdb({ namespace: 'shop', name: 'db-pdb', matchLabels: { app: 'db' }, minAvailable: 1 });
    const args = ['--state', url, 'rolling-update', 'cluster', NAME, '--force', '--instance-group', 'nodes-us-east-1b', '--yes', ...FAST, '--drain-timeout', '1s'];
    const before = (await liveInstances()).filter((i) => i.group === 'nodes-us-east-1b').map((i) => i.id);

    const stopped = await cli(args, { env });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('shop/db-0');
    expect(stopped.stderr).toContain('db-pdb');
    expect((await liveInstances()).filter((i) => i.group === 'nodes-us-east-1b').map((i) => i.id)).toEqual(expect.arrayContaining(before));

    const goesOn = await cli([...args, '--fail-on-drain-error=false'], { env });
    expect(goesOn.code, goesOn.stderr).toBe(0);
    expect(goesOn.stderr).toMatch(/warning: .*db-pdb/);
    const after = (await liveInstances()).filter((i) => i.group === 'nodes-us-east-1b').map((i) => i.id);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
  }, 120_000);

  it('--interactive asks before each instance; "n" stops with exit 3 and replaces nothing', async () => {
    const before = (await liveInstances()).map((i) => i.id).sort();
    const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '--force', '--instance-group', 'nodes-us-east-1c', '--yes', '-i', ...FAST], {
      env: { ...env, KUBECONFIG: '/nonexistent/kubeconfig' },
      answers: ['x', 'n'],
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Continue\? \(Y\)es, \(N\)o, \(A\)lwaysYes: \[Y\][\s\S]*Continue\?/);
    expect((await liveInstances()).map((i) => i.id).sort()).toEqual(before);
  }, 60_000);

  it('--cloudonly works with no Kubernetes API at all', async () => {
    const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '--force', '--instance-group', 'nodes-us-east-1a', '--yes', ...FAST], {
      env: { ...env, KUBECONFIG: '/nonexistent/kubeconfig' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).not.toContain('NODES');
    expect(r.stderr).toMatch(/nodes-us-east-1a\s+i-\S+\s+terminating/);
  }, 120_000);

  it('a record left by a run killed after its last terminate: --yes removes it (nothing to replace), so a later --force is not a resume of nothing', async () => {
    const store = openStateStore(url);
    const live = await liveInstances();
    // What a SIGKILL right after the last terminate leaves: every targeted instance gone, none marked done.
    // (It replaces the record the declined --interactive run above left.)
    const progress = new StateStoreProgress(store, NAME);
    await progress.load();
    await progress.save({ started: '2026-01-01T00:00:00.000Z', targeted: { 'nodes-us-east-1a': ['i-0gone0000000000001'] }, done: [] });
    const finish = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--yes', ...FAST], { env });
    expect(finish.code, finish.stderr).toBe(0);
    expect(finish.stdout).toContain('No rolling-update required.');
    expect(finish.stdout).toContain('The record of the interrupted rolling update (started 2026-01-01T00:00:00.000Z) is complete and will be removed.');
    expect(await store.read(progressPath(NAME))).toBeUndefined();
    expect((await liveInstances()).map((i) => i.id).sort()).toEqual(live.map((i) => i.id).sort());
    const forced = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '--force', '--instance-group', 'nodes-us-east-1a', '-o', 'json'], { env: { ...env, KUBECONFIG: '/nonexistent/kubeconfig' } });
    expect((JSON.parse(forced.stdout) as { required: boolean }).required).toBe(true);
  }, 60_000);

  it('without --cloudonly, an unreachable API is refused with kops\'s advice', async () => {
    const cfg = writeScratchKubeconfig(fake.kubeconfig(NAME).replace(fake.url, 'http://127.0.0.1:9'));
    const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--force'], { env: { ...env, KUBECONFIG: cfg } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unable to reach the kubernetes API');
    expect(r.stderr).toContain('--cloudonly');
  });

  it("the spec's rollingUpdate decides each group's roll: the cluster's maxSurge, maxUnavailable and drainAndTerminate where a group sets none, a group's own where it does", async () => {
    const cs = new Clientset(openStateStore(url));
    const setRollingUpdate = async (ru: { cluster?: RollingUpdate; groups: Record<string, RollingUpdate | undefined> }) => {
      const c = await cs.getCluster(NAME);
      const cluster = structuredClone(c.object);
      if (ru.cluster) cluster.spec.rollingUpdate = ru.cluster;
      else delete cluster.spec.rollingUpdate;
      await cs.updateCluster(cluster, c.version);
      for (const v of await cs.listInstanceGroups(NAME)) {
        if (!(v.object.metadata.name in ru.groups)) continue;
        const ig = structuredClone(v.object);
        const own = ru.groups[ig.metadata.name];
        if (own) ig.spec.rollingUpdate = own;
        else delete ig.spec.rollingUpdate;
        await cs.updateInstanceGroup(NAME, ig, v.version);
      }
    };
    const nodeGroups = ['nodes-us-east-1a', 'nodes-us-east-1b', 'nodes-us-east-1c'];
    // Without the spec, AWS's default is maxSurge 1, maxUnavailable 0, drainAndTerminate true.
    await setRollingUpdate({
      cluster: { maxSurge: 0, maxUnavailable: 2, drainAndTerminate: false },
      groups: { 'nodes-us-east-1a': { drainAndTerminate: true }, 'nodes-us-east-1b': { maxSurge: 1, maxUnavailable: 0, drainAndTerminate: true }, 'nodes-us-east-1c': undefined },
    });
    try {
      const before = await liveInstances();
      const r = await cli(['--state', url, 'rolling-update', 'cluster', NAME, '--force', '--instance-group-roles', 'node', '--yes', ...FAST], { env });
      expect(r.code, r.stderr).toBe(0);
      // nodes-us-east-1a: the cluster's maxSurge and maxUnavailable, its own drainAndTerminate.
      expect(r.stderr).toContain('nodes-us-east-1a (Node): 1 instance(s) to replace, maxSurge 0, maxUnavailable 2, 2 at a time');
      // nodes-us-east-1b: its own maxSurge and maxUnavailable.
      expect(r.stderr).toContain('nodes-us-east-1b (Node): 1 instance(s) to replace, maxSurge 1, maxUnavailable 0, 1 at a time');
      // nodes-us-east-1c: the cluster's drainAndTerminate: false, so nothing of it is replaced.
      expect(r.stderr).toContain('nodes-us-east-1c (Node): 1 instance(s) to replace, maxSurge 0, maxUnavailable 2, 2 at a time');
      expect(r.stderr).toContain('warning: nodes-us-east-1c: rolling updates are disabled for this instance group (rollingUpdate.drainAndTerminate: false)');
      const after = await liveInstances();
      const kept = (g: string) => after.filter((a) => a.group === g && before.some((b) => b.id === a.id)).length;
      expect(nodeGroups.map(kept)).toEqual([0, 0, 1]);
    } finally {
      await setRollingUpdate({ groups: Object.fromEntries(nodeGroups.map((g) => [g, undefined])) });
    }
  }, 180_000);

  it('a second SIGINT before the lock is taken names the same roll: --state, then --cloudonly, --force, the groups, roles and --kubeconfig', async () => {
    const exits: number[] = [];
    // Both signals as the command starts listening: nothing is replaced, and the second one says how to finish.
    const signals: SignalSource = { listen: (h) => (h('SIGINT'), h('SIGINT'), () => undefined), exit: (code) => void exits.push(code) };
    const before = (await liveInstances()).map((i) => i.id).sort();
    const r = await cli(
      ['--state', url, 'rolling-update', 'cluster', NAME, '--cloudonly', '--force', '--instance-group', 'nodes-us-east-1a', '--instance-group-roles', 'Node', '--kubeconfig', "/nonexistent/kube config's", '--yes', ...FAST],
      { env, signals },
    );
    expect(exits).toEqual([130]);
    expect(r.stderr).toContain(
      `finish with: kops-ts rolling-update cluster --name ${NAME} --state ${url} --cloudonly --force --instance-group nodes-us-east-1a --instance-group-roles Node --kubeconfig '/nonexistent/kube config'\\''s' --yes\n`,
    );
    expect((await liveInstances()).map((i) => i.id).sort()).toEqual(before);
  }, 60_000);
});
