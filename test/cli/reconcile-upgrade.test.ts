/**
 * `reconcile cluster` after a Kubernetes upgrade (1.35.0 → 1.36.3), on the AWS emulator with a fake
 * Kubernetes API whose Nodes report the kubelet their instance's user data installed. This is where
 * `reconcile` and `update`'s kubelet skew protection meet: step 1 renders only the control plane
 * (1.36.3), step 3 replaces it, and step 4 must then READ the new control-plane kubelets and give
 * the node groups 1.36.3, so that step 5 replaces the nodes. If step 4 could not read them (no
 * kubeconfig passed along, a Node without its version), the nodes would stay held back at 1.35.0
 * and the sequence would end with every node on the old version: the last assertions catch that.
 * And when step 4 does hold them back (here: the new control plane's Node reports the old kubelet),
 * reconcile stops there, names the step and why, before replacing any node; once the control plane
 * reports its real version the same command finishes.
 */
import { gunzipSync } from 'node:zlib';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeKubeApiServer, ec2InstanceSource, type FakeInstance } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { FAST_ROLL, KEY, cli, tempStore } from './harness.js';

const NAME = 'reconcile-upgrade.example.com';
let env: Record<string, string>;
let store: { dir: string; url: string };
let kube: FakeKubeApiServer;
let ec2: EC2Client;

/** The Kubernetes version an instance's user data installs (`# ... Kubernetes 1.36.3, kubeadm join`). */
const versions = new Map<string, string>();
async function installedVersion(id: string): Promise<string> {
  const known = versions.get(id);
  if (known) return known;
  const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }));
  const raw = Buffer.from(out.UserData?.Value ?? '', 'base64');
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const v = /Kubernetes (\d+\.\d+\.\d+)/.exec(text)?.[1];
  if (!v) throw new Error(`instance ${id}: no Kubernetes version in its user data`);
  versions.set(id, v);
  return v;
}

/** When set, what every control-plane Node reports as its kubelet, whatever its instance installed. */
let controlPlaneReports: string | undefined;

/** Each running instance as a Node that reports the kubelet its user data installed. */
function instancesWithKubelets(): () => Promise<FakeInstance[]> {
  const base = ec2InstanceSource(ec2);
  const controlPlane = (i: FakeInstance) => i.tags['kops.k8s.io/instancegroup']?.startsWith('control-plane');
  return async () =>
    Promise.all(
      (await base()).map(async (i) =>
        i.state !== 'running' ? i : { ...i, kubeletVersion: controlPlaneReports !== undefined && controlPlane(i) ? controlPlaneReports : `v${await installedVersion(i.id)}` }),
    );
}

/** The running instances: id, group, and the Kubernetes version each installed. */
async function running(): Promise<{ id: string; group: string; version: string }[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }));
  const all = (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
  return Promise.all(all.map(async (i) => ({ id: i.InstanceId!, group: i.Tags?.find((t) => t.Key === 'kops.k8s.io/instancegroup')?.Value ?? '', version: await installedVersion(i.InstanceId!) })));
}

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  ec2 = aws.clients.ec2;
  store = tempStore();
  const state = ['--state', store.url];
  const create = await cli([...state, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--node-count', '1', '--kubernetes-version', '1.35.0', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli([...state, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  kube = await FakeKubeApiServer.start({ instances: instancesWithKubelets() });
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await kube?.close();
});

describe('reconcile cluster after upgrade cluster (1.35.0 → 1.36.3)', () => {
  it('replaces the control plane, then gives the nodes 1.36.3 and replaces them: every instance ends on 1.36.3 (stopping at step 4 while the control plane reports the old kubelet)', async () => {
    const before = await running();
    expect(before.map((i) => i.version)).toEqual(['1.35.0', '1.35.0']);
    const upgrade = await cli(['--state', store.url, 'upgrade', 'cluster', '--name', NAME, '--kubernetes-version', '1.36.3', '--yes'], { env });
    expect(upgrade.code, upgrade.stderr).toBe(0);

    // The replaced control plane's Node says 1.35.0: step 4 holds the nodes back, and reconcile stops.
    controlPlaneReports = 'v1.35.0';
    const held = await cli(['--state', store.url, 'reconcile', 'cluster', NAME, '--yes', ...FAST_ROLL], { env });
    expect(held.code, held.stderr).toBe(1);
    expect(held.stderr).toContain(`reconcile cluster ${NAME} stopped at step 4/6`);
    expect(held.stderr).toContain('the node groups keep Kubernetes 1.35.0, not 1.36.3');
    expect(held.stderr).not.toContain('reconcile: done');
    const midway = await running();
    expect(midway.filter((i) => i.group === 'nodes-us-east-1a')).toEqual(before.filter((i) => i.group === 'nodes-us-east-1a'));
    expect(midway.filter((i) => i.group === 'control-plane-us-east-1a').map((i) => i.version)).toEqual(['1.36.3']);
    // Its kubelet now reports what the instance installed.
    controlPlaneReports = undefined;
    const groupOf = (n: unknown) => (n as { metadata: { labels?: Record<string, string> } }).metadata.labels?.['kops.k8s.io/instancegroup'];
    for (const [node, n] of kube.nodes) if (groupOf(n) === 'control-plane-us-east-1a') kube.setKubeletVersion(node, 'v1.36.3');

    const r = await cli(['--state', store.url, 'reconcile', 'cluster', NAME, '--yes', ...FAST_ROLL], { env });
    expect(r.code, r.stderr).toBe(0);
    // Step 4 read the new control plane's kubelets: no group was held back.
    expect(r.stderr).not.toContain('not 1.36.3');

    const after = await running();
    expect(after.filter((i) => before.some((b) => b.id === i.id)), 'every old instance was replaced').toEqual([]);
    expect(after.map((i) => [i.group, i.version]).sort()).toEqual([
      ['control-plane-us-east-1a', '1.36.3'],
      ['nodes-us-east-1a', '1.36.3'],
    ]);
  }, 300_000);
});
