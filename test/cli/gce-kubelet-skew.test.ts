/**
 * Nodes never ahead of the control plane on GCE, through the CLI against the fake Compute API and
 * the fake Kubernetes API: after the spec moves 1.35.0 → 1.36.3, `update cluster --yes` builds
 * the control plane's new instance template with 1.36.3 while the nodes' MIG keeps a template
 * with 1.35.0 (the control-plane kubelet reports v1.35.0), says so in one warning line, and a
 * second update has nothing to do; once the control plane reports v1.36.3 the nodes' template
 * changes; `--ignore-kubelet-version-skew` moves them at once.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../fakes/gce-compute.js';
import { FakeKubeApiServer } from '../fakes/kube-apiserver.js';
import { scratchKubeconfig } from '../helpers/kubeconfig.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, cliOk, KEY, tempStore } from './harness.js';

const PROJECT = 'kops-skew';
const fake = useFakeGceCompute(PROJECT);
let api: FakeKubeApiServer;
beforeAll(async () => {
  api = await FakeKubeApiServer.start();
});
afterAll(async () => {
  await api.close();
});

/** The Kubernetes version in the startup script of the template each of the cluster's MIGs uses, by instance group. */
function versionsByGroup(safe: string): Record<string, string> {
  const templates = new Map(fake.all(PROJECT, 'instanceTemplates').map((t) => [t.name as string, t]));
  const out: Record<string, string> = {};
  for (const mig of fake.all(PROJECT, 'instanceGroupManagers').filter((m) => (m.name as string).endsWith(`-${safe}`))) {
    const link = mig.instanceTemplate as string;
    const t = templates.get(link.slice(link.lastIndexOf('/') + 1));
    const items = (((t?.properties as Json | undefined)?.metadata as { items?: { key: string; value: string }[] } | undefined)?.items) ?? [];
    const script = items.find((i) => i.key === 'startup-script')?.value ?? '';
    out[mig.baseInstanceName as string] = /# kops-ts [^:]+: Kubernetes ([0-9.]+),/.exec(script)?.[1] ?? 'none';
  }
  return out;
}

async function upgraded(name: string, state: string[], env: Record<string, string>): Promise<void> {
  await cliOk(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--ssh-public-key', KEY, '--kubernetes-version', '1.35.0', ...state]);
  await cliOk(['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false', ...state], { env });
  await cliOk(['edit', 'cluster', name, '--set', 'spec.kubernetesVersion=1.36.3', ...state]);
}

describe('update cluster on GCE keeps node templates at the control plane kubelets\' version', () => {
  it('holds the nodes\' template back, plans nothing again, and moves it once the control plane runs v1.36.3', async () => {
    const name = 'skew-gce.example.com';
    const safe = 'skew-gce-example-com';
    const state = ['--state', tempStore().url];
    const kubeconfig = scratchKubeconfig();
    writeFileSync(kubeconfig, api.kubeconfig(name), { mode: 0o600 });
    const env = { KUBECONFIG: kubeconfig };
    api.nodes.clear();
    api.addNode('cp-1', { controlPlane: true, kubeletVersion: 'v1.35.0' });
    await upgraded(name, state, env);
    expect(versionsByGroup(safe)).toEqual({ 'control-plane-us-central1-a': '1.35.0', 'nodes-us-central1-a': '1.35.0' });

    const applied = await cli(['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false', ...state], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(versionsByGroup(safe)).toEqual({ 'control-plane-us-central1-a': '1.36.3', 'nodes-us-central1-a': '1.35.0' });
    expect(applied.stderr.split('\n').filter((l) => l.includes('not 1.36.3'))).toEqual([
      `warning: instance group(s) nodes-us-central1-a get Kubernetes 1.35.0, not 1.36.3: the oldest control-plane kubelet runs v1.35.0; roll the control plane (kops-ts rolling-update cluster --name ${name} --instance-group-roles control-plane --yes), then run kops-ts update cluster --name ${name} --yes again`,
    ]);

    const again = await cli(['update', 'cluster', '--name', name, '--detailed-exitcode', ...state], { env });
    expect(again.code, again.stdout).toBe(0);

    api.nodes.clear();
    api.addNode('cp-2', { controlPlane: true, kubeletVersion: 'v1.36.3' });
    const moved = await cli(['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false', ...state], { env });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).not.toContain('not 1.36.3');
    expect(versionsByGroup(safe)).toEqual({ 'control-plane-us-central1-a': '1.36.3', 'nodes-us-central1-a': '1.36.3' });
  }, 240_000);

  it('--ignore-kubelet-version-skew gives the nodes the spec\'s version at once', async () => {
    const name = 'skew-ignore.example.com';
    const safe = 'skew-ignore-example-com';
    const state = ['--state', tempStore().url];
    const kubeconfig = scratchKubeconfig();
    writeFileSync(kubeconfig, api.kubeconfig(name), { mode: 0o600 });
    const env = { KUBECONFIG: kubeconfig };
    api.nodes.clear();
    api.addNode('cp-1', { controlPlane: true, kubeletVersion: 'v1.35.0' });
    await upgraded(name, state, env);
    const applied = await cli(['update', 'cluster', '--name', name, '--yes', '--create-kube-config=false', '--ignore-kubelet-version-skew', ...state], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).not.toContain('not 1.36.3');
    expect(versionsByGroup(safe)).toEqual({ 'control-plane-us-central1-a': '1.36.3', 'nodes-us-central1-a': '1.36.3' });
  }, 240_000);
});
