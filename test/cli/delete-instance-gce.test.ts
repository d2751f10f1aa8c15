/**
 * `delete instance` on a GCE cluster, through the real `@google-cloud/compute` clients against the
 * fake Compute API, with a fake Kubernetes API whose Nodes follow the fake's instances. As the roll
 * on GCE: without surge by default (maxSurge is 0 on GCE), the instance is deleted in its MIG and
 * recreated under the same name (a new id), its Node deleted first so the replacement registers a
 * fresh one; with --surge, it is labelled, abandoned from the MIG and the MIG resized back, so a
 * replacement of another name comes up before the old VM is drained and deleted; a rerun for the
 * deleted VM cannot be told from a name never used (GCE lists no deleted VM) and says so. `-o json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../fakes/gce-compute.js';
import { FakeKubeApiServer, gceInstanceSource } from '../fakes/kube-apiserver.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-delinst';
const NAME = 'delinst-gce.example.com';
const SAFE = 'delinst-gce-example-com';
const ZONE = 'us-central1-a';
const IG = `nodes-${ZONE}`;
const fake = useFakeGceCompute(PROJECT);
const s = tempStore();
const state = ['--state', s.url];
const FAST = ['--validate-count', '1', '--post-drain-delay', '0s', '--drain-timeout', '1m', '--validation-timeout', '2m'];
let kube: FakeKubeApiServer;
let env: Record<string, string>;

interface Vm {
  readonly name: string;
  readonly id: string;
}
const nodesVms = (): Vm[] =>
  fake
    .all(PROJECT, 'instances')
    .filter((i) => {
      const labels = (i.labels ?? {}) as Record<string, string>;
      return labels['k8s-io-cluster-name'] === SAFE && labels['k8s-io-instance-group'] === IG;
    })
    .map((i: Json & Record<string, unknown>) => ({ name: String(i.name), id: String(i.id) }))
    .sort((a, b) => a.name.localeCompare(b.name));

beforeAll(async () => {
  await cliOk(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--node-count', '2', '--ssh-public-key', KEY, ...state]);
  await cliOk(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false', ...state]);
  kube = await FakeKubeApiServer.start({ instances: gceInstanceSource(fake, PROJECT) });
  env = { KUBECONFIG: writeScratchKubeconfig(kube.kubeconfig(NAME)) };
}, 120_000);

afterAll(async () => {
  await kube?.close();
});

describe('delete instance on GCE (fake Compute API, fake Kubernetes API)', () => {
  it("without surge (GCE's default): deleted in its MIG, recreated under its name with a fresh Node; the other VM untouched", async () => {
    const [victim, other] = nodesVms();
    expect(other).toBeDefined();
    const preview = await cli(['delete', 'instance', victim!.name, '--name', NAME, ...state], { env });
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`no surge: instance group ${IG}'s maxSurge is 0 (GCE's default)`);
    expect(preview.stdout).toContain('Must specify --yes to delete instance');
    expect(nodesVms()).toEqual([victim, other]);

    kube.requests.length = 0;
    const r = await cli(['delete', 'instance', victim!.name, '--name', NAME, '--yes', ...FAST, ...state], { env });
    expect(r.code, r.stderr).toBe(0);
    const after = nodesVms();
    expect(after.map((v) => v.name)).toEqual([victim!.name, other!.name]);
    expect(after.find((v) => v.name === victim!.name)!.id).not.toBe(victim!.id);
    expect(after.find((v) => v.name === other!.name)).toEqual(other);
    expect(kube.requests.some((q) => q.method === 'DELETE' && q.path === `/api/v1/nodes/${victim!.name}`)).toBe(true);
    expect(fake.calls.some((c) => c.method === 'DELETE' && c.path.endsWith(`/zones/${ZONE}/instances/${victim!.name}`))).toBe(true);
  }, 120_000);

  it('--surge: abandoned from its MIG and the MIG resized back, a replacement of another name, then the old VM deleted', async () => {
    const [victim, other] = nodesVms();
    const r = await cli(['delete', 'instance', victim!.name, '--name', NAME, '--surge', '--yes', ...FAST, ...state], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${victim!.name} .*detached`));
    const after = nodesVms();
    expect(after).toHaveLength(2);
    expect(after.map((v) => v.name)).not.toContain(victim!.name);
    expect(after.find((v) => v.name === other!.name)).toEqual(other);
    expect(fake.calls.some((c) => c.method === 'POST' && c.path.endsWith('/abandonInstances'))).toBe(true);
    // A rerun: GCE lists no deleted VM, so it cannot be told from one that never was; said plainly, exit 1.
    const again = await cli(['delete', 'instance', victim!.name, '--name', NAME, '--yes', ...FAST, ...state], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`instance "${victim!.name}" not found`);
    expect(again.stderr).toContain('GCE keeps no record of a deleted instance, so whether an earlier delete instance removed it cannot be told');
    expect(nodesVms()).toEqual(after);
  }, 120_000);

  it('-o json: the preview as one document (no surge by default on GCE, the note among the warnings), only it on stdout', async () => {
    const [victim] = nodesVms();
    const r = await cli(['delete', 'instance', victim!.name, '--name', NAME, '-o', 'json', ...state], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ cluster: NAME, outcome: 'preview', instance: { id: victim!.name, node: victim!.name, group: IG, role: 'Node' }, surge: false, replaced: false });
    expect(doc.steps).toEqual(['drain', 'terminate', 'wait-replacement', 'replaced', 'validate']);
    expect(doc.warnings).toEqual([expect.stringContaining(`no surge: instance group ${IG}'s maxSurge is 0`)]);
  });
});
