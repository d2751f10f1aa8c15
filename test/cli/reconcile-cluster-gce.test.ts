/**
 * `reconcile cluster` on GCE, through the real `@google-cloud/compute` clients against the fake
 * Compute API, with a fake Kubernetes API whose Nodes follow the fake's instances. The fake records
 * every call in order: after an image change of every group, the control plane's MIG was given its
 * new instance template and its VM replaced before any node group's MIG was given a new template,
 * and the node VMs were replaced after; the old templates were deleted last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { Json } from '../fakes/gce-compute.js';
import { FakeKubeApiServer, gceInstanceSource } from '../fakes/kube-apiserver.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { useFakeGceCompute } from './gce-harness.js';
import { FAST_ROLL, cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-reconcile';
const NAME = 'reconcile-gce.example.com';
const SAFE = 'reconcile-gce-example-com';
const ZONE = 'us-central1-a';
const CP = `control-plane-${ZONE}`;
const NODES = `nodes-${ZONE}`;
const fake = useFakeGceCompute(PROJECT);
const s = tempStore();
const state = ['--state', s.url];
let kube: FakeKubeApiServer;
let env: Record<string, string>;

/** The cluster's VMs of instance group `ig`, by name and id. */
const vms = (ig: string) =>
  fake
    .all(PROJECT, 'instances')
    .filter((i) => {
      const labels = (i.labels ?? {}) as Record<string, string>;
      return labels['k8s-io-cluster-name'] === SAFE && labels['k8s-io-instance-group'] === ig;
    })
    .map((i: Json & Record<string, unknown>) => ({ name: String(i.name), id: String(i.id) }));

beforeAll(async () => {
  await cliOk(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--node-count', '2', '--ssh-public-key', KEY, ...state]);
  await cliOk(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false', ...state]);
  kube = await FakeKubeApiServer.start({ instances: gceInstanceSource(fake, PROJECT) });
  env = { KUBECONFIG: writeScratchKubeconfig(kube.kubeconfig(NAME)) };
}, 120_000);

afterAll(async () => {
  await kube?.close();
});

describe('reconcile cluster on GCE (fake Compute API, fake Kubernetes API)', () => {
  it('after an image change: the control plane gets its template and is replaced before any node group is given its template', async () => {
    const cs = new Clientset(openStateStore(s.url));
    for (const v of await cs.listInstanceGroups(NAME)) {
      await cs.updateInstanceGroup(NAME, { ...v.object, spec: { ...v.object.spec, image: 'ubuntu-os-cloud/ubuntu-2404-noble-amd64-v20260101' } }, v.version);
    }
    const cpBefore = vms(CP);
    const nodesBefore = vms(NODES);
    expect(cpBefore).toHaveLength(1);
    expect(nodesBefore).toHaveLength(2);
    fake.calls.length = 0;
    const r = await cli(['reconcile', 'cluster', NAME, '--yes', ...FAST_ROLL, ...state], { env });
    expect(r.code, r.stderr).toBe(0);

    const at = (pred: (c: { method: string; path: string }) => boolean) => fake.calls.flatMap((c, i) => (pred(c) ? [i] : []));
    const setTemplate = (ig: string) => at((c) => c.method === 'POST' && c.path.includes(`/instanceGroupManagers/a-${ig}-`) && c.path.endsWith('/setInstanceTemplate'));
    const deleted = (names: readonly string[]) => at((c) => c.method === 'DELETE' && names.some((n) => c.path.endsWith(`/instances/${n}`)));
    const cpTemplate = setTemplate(CP);
    const nodesTemplate = setTemplate(NODES);
    const cpReplaced = deleted(cpBefore.map((v) => v.name));
    const nodesReplaced = deleted(nodesBefore.map((v) => v.name));
    expect(cpTemplate.length, 'the control plane MIG got a new template').toBeGreaterThan(0);
    expect(nodesTemplate.length, 'the node MIG got a new template').toBeGreaterThan(0);
    expect(cpReplaced.length).toBeGreaterThan(0);
    expect(nodesReplaced.length).toBeGreaterThan(0);
    expect(Math.max(...cpTemplate)).toBeLessThan(Math.min(...cpReplaced));
    expect(Math.max(...cpReplaced), 'the control plane was replaced before the node group got its template').toBeLessThan(Math.min(...nodesTemplate));
    expect(Math.max(...nodesTemplate)).toBeLessThan(Math.min(...nodesReplaced));
    // The old templates, which the model no longer wants, are deleted last (step 6), after the node roll.
    const oldTemplates = at((c) => c.method === 'DELETE' && c.path.includes('/global/instanceTemplates/'));
    expect(oldTemplates).toHaveLength(2);
    expect(Math.max(...nodesReplaced)).toBeLessThan(Math.min(...oldTemplates));
    // GCE replaces in place (same name, new id): every VM is new.
    expect(vms(CP).map((v) => v.id)).not.toContain(cpBefore[0]!.id);
    expect(vms(NODES).filter((v) => nodesBefore.some((b) => b.id === v.id))).toEqual([]);

    const again = await cli(['reconcile', 'cluster', NAME, '--yes', ...FAST_ROLL, ...state], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/No rolling-update required\./g)).toHaveLength(2);
  }, 180_000);
});
