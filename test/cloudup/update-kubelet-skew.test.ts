/**
 * Nodes never run ahead of the control plane (kops's kubelet skew protection), on the emulator
 * with the fake Kubernetes API: after `upgrade cluster` (1.35.0 → 1.36.3), `update --yes` gives
 * the control plane's launch template 1.36.3 and the nodes' keeps 1.35.0 while the control-plane
 * kubelets report v1.35.0; a second update plans nothing; once they report v1.36.3 the nodes'
 * template changes. `ignoreKubeletVersionSkew` renders all at 1.36.3; an unreachable API keeps the
 * nodes at what they had, with a warning.
 */
import { writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdateClusterOptions } from '../../src/cloudup/update-cluster.js';
import { kubeconfigKubeletReader } from '../../src/cloudup/node-version.js';
import { CONTROL_PLANE_NODE_LABEL } from '../../src/kube/kubelets.js';
import { NODE_VERSION_ANNOTATION } from '../../src/model/kubelet-skew.js';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { applyAndConverge, changeLines, setupCluster, type E2ECluster } from './update-helpers.js';

const NAME = 'skew.example.com';
const CP_TEMPLATE = `control-plane-us-east-1a.masters.${NAME}`;
const NODE_TEMPLATE = `nodes-us-east-1a.${NAME}`;

let api: FakeKubeApiServer;
beforeAll(async () => {
  api = await FakeKubeApiServer.start();
});
afterAll(async () => {
  await api.close();
});

function kubeconfigFor(server: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kops-ts-skew-')), 'config');
  writeFileSync(file, api.kubeconfig(NAME).replace(api.url, server), { mode: 0o600 });
  return file;
}

/** The CLI's reader (the library's `kubeconfigKubeletReader`): the cluster's context, control-plane nodes only. */
function reader(kubeconfig: string): NonNullable<UpdateClusterOptions['controlPlaneKubelets']> {
  return kubeconfigKubeletReader({ clusterName: NAME, kubeconfig });
}

/** The Kubernetes version the launch template's default version installs (its user data decoded). */
async function templateVersion(c: E2ECluster, template: string): Promise<string> {
  const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: template, Versions: ['$Default'] }));
  const text = gunzipSync(Buffer.from(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64')).toString('utf8');
  const m = /KUBERNETES_VERSION='([^']+)'/.exec(text);
  if (!m) throw new Error(`no KUBERNETES_VERSION in ${template}'s user data`);
  return m[1]!;
}

async function upgradedCluster(): Promise<E2ECluster> {
  const c = await setupCluster({ name: NAME, zones: ['us-east-1a'], kubernetesVersion: '1.35.0' });
  await applyAndConverge(c);
  const got = await c.cs.getCluster(NAME);
  await c.cs.updateCluster({ ...got.object, spec: { ...got.object.spec, kubernetesVersion: '1.36.3' } }, got.version);
  return c;
}

const lines = (w: readonly { summary: string }[]) => w.map((x) => x.summary);

describe('update cluster keeps node groups at the control plane kubelets\' version', () => {
  it('holds nodes back while the control plane runs v1.35.0, plans nothing again, and moves them once it runs v1.36.3', async () => {
    const c = await upgradedCluster();
    api.nodes.clear();
    api.addNode('cp-a', { controlPlane: true, kubeletVersion: 'v1.35.0' });
    api.addNode('node-a', { kubeletVersion: 'v1.35.0' });
    const read = reader(kubeconfigFor(api.url));
    const before = api.requests.length;

    const applied = await c.update(true, { controlPlaneKubelets: read });
    expect(applied.applied?.ok).toBe(true);
    // Only the control-plane nodes are listed (kubeadm's label), as kops reads them.
    const lists = api.requests.slice(before).filter((q) => q.method === 'GET' && q.path.startsWith('/api/v1/nodes'));
    expect(lists.length).toBeGreaterThan(0);
    for (const q of lists) expect(decodeURIComponent(q.path)).toContain(`labelSelector=${CONTROL_PLANE_NODE_LABEL}`);
    expect(await templateVersion(c, CP_TEMPLATE)).toBe('1.36.3');
    expect(await templateVersion(c, NODE_TEMPLATE)).toBe('1.35.0');
    expect(lines(applied.warnings).filter((w) => w.includes('not 1.36.3'))).toEqual([
      `instance group(s) nodes-us-east-1a get Kubernetes 1.35.0, not 1.36.3: the oldest control-plane kubelet runs v1.35.0; roll the control plane (kops-ts rolling-update cluster --name ${NAME} --instance-group-roles control-plane --yes), then run kops-ts update cluster --name ${NAME} --yes again`,
    ]);
    const completed = (await c.cs.readCompletedSpec(NAME))?.object;
    expect(completed?.spec.kubernetesVersion).toBe('1.36.3');
    expect(completed?.metadata.annotations?.[NODE_VERSION_ANNOTATION]).toBe('1.35.0');

    // Held back, the render is stable: a second update plans nothing (and still says why).
    const again = await c.update(true, { controlPlaneKubelets: read });
    expect(changeLines(again.plan)).toEqual([]);
    expect(lines(again.warnings).some((w) => w.includes('get Kubernetes 1.35.0, not 1.36.3'))).toBe(true);

    // The control plane rolled: the nodes' template gets a new version with 1.36.3, and nothing is held back.
    api.nodes.clear();
    api.addNode('cp-b', { controlPlane: true, kubeletVersion: 'v1.36.3' });
    api.addNode('node-a', { kubeletVersion: 'v1.35.0' });
    const moved = await c.update(false, { controlPlaneKubelets: read });
    expect(changeLines(moved.plan)).toEqual([`LaunchTemplate/${NODE_TEMPLATE}: update userData`]);
    expect(lines(moved.warnings).filter((w) => w.includes('not 1.36.3'))).toEqual([]);
    await applyAndConverge({ ...c, update: (yes, extra) => c.update(yes, { controlPlaneKubelets: read, ...extra }) });
    expect(await templateVersion(c, NODE_TEMPLATE)).toBe('1.36.3');
    expect((await c.cs.readCompletedSpec(NAME))?.object.metadata.annotations?.[NODE_VERSION_ANNOTATION]).toBeUndefined();

    // Nothing lags any more: a no-op update does not ask the API at all.
    const asked = api.requests.length;
    expect(changeLines((await c.update(false, { controlPlaneKubelets: read })).plan)).toEqual([]);
    expect(api.requests.length).toBe(asked);
  }, 240_000);

  it('--ignore-kubelet-version-skew renders every group at the spec\'s version without asking the API', async () => {
    const c = await upgradedCluster();
    let asked = 0;
    const applied = await c.update(true, { ignoreKubeletVersionSkew: true, controlPlaneKubelets: async () => { asked++; return [{ node: 'cp', version: 'v1.35.0' }]; } });
    expect(applied.applied?.ok).toBe(true);
    expect(asked).toBe(0);
    expect(await templateVersion(c, CP_TEMPLATE)).toBe('1.36.3');
    expect(await templateVersion(c, NODE_TEMPLATE)).toBe('1.36.3');
    expect(lines(applied.warnings).filter((w) => w.includes('not 1.36.3'))).toEqual([]);
  }, 240_000);

  it('an unreachable API keeps the nodes at the version they had, with one warning saying so', async () => {
    const c = await upgradedCluster();
    const applied = await c.update(true, { controlPlaneKubelets: reader(kubeconfigFor('http://127.0.0.1:9')) });
    expect(applied.applied?.ok).toBe(true);
    expect(await templateVersion(c, CP_TEMPLATE)).toBe('1.36.3');
    expect(await templateVersion(c, NODE_TEMPLATE)).toBe('1.35.0');
    const said = lines(applied.warnings).filter((w) => w.includes('not 1.36.3'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^instance group\(s\) nodes-us-east-1a keep Kubernetes 1\.35\.0, not 1\.36\.3: the control plane's kubelet versions could not be read \(.*127\.0\.0\.1:9.*\)/);
    expect((await c.cs.readCompletedSpec(NAME))?.object.metadata.annotations?.[NODE_VERSION_ANNOTATION]).toBe('1.35.0');
  }, 240_000);
});
