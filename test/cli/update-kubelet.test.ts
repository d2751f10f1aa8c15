/**
 * A kubelet setting changed on a running cluster (emulator): `edit --set` stores it typed,
 * `update cluster --yes` writes the group's kubelet patch and a new launch template version, and
 * `get instances` shows exactly the groups the setting applies to as NeedsUpdate.
 */
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../src/cloudup/inspect.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'kubelet.example.com';
let env: Record<string, string>;
let store: { dir: string; url: string };
let groups: string[];

const tagOf = (i: Instance, k: string) => i.Tags?.find((t) => t.Key === k)?.Value;

/** The group's kubelet patch in the state store: [reset, settings]. */
function patch(role: 'control-plane' | 'node', ig: string): Record<string, unknown>[] {
  const text = readFileSync(join(store.dir, NAME, 'igconfig', role, ig, 'kubelet-patch.yaml'), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}

async function statuses(): Promise<string[]> {
  const r = await cli(['--state', store.url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as InstanceRow[]).map((x) => `${x.instanceGroup} ${x.status}`).sort();
}

async function update(): Promise<void> {
  const r = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  store = tempStore();
  const create = await cli(['--state', store.url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  await update();
  const r = await aws.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }, { Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  groups = (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => tagOf(i, 'kops.k8s.io/instancegroup')!);
  expect(groups.length).toBeGreaterThanOrEqual(3);
}, 180_000);

describe('a kubelet setting changed after the cluster is up', () => {
  it('an instance group\'s maxPods: stored as a number, written to its patch only, and only its instances need an update', async () => {
    const before = patch('node', 'nodes-us-east-1a');
    expect(before[1]).toEqual({ authentication: { anonymous: { enabled: false } } });
    const edit = await cli(['--state', store.url, 'edit', 'ig', 'nodes-us-east-1b', '--name', NAME, '--set', 'spec.kubelet.maxPods=50'], { env });
    expect(edit.code, edit.stderr).toBe(0);
    const cs = new Clientset(openStateStore(store.url));
    const ig = (await cs.listInstanceGroups(NAME)).find((v) => v.object.metadata.name === 'nodes-us-east-1b')!;
    expect(ig.object.spec.kubelet).toEqual({ maxPods: 50 });

    await update();
    expect(patch('node', 'nodes-us-east-1b')[1]).toMatchObject({ maxPods: 50 });
    expect(patch('node', 'nodes-us-east-1a')).toEqual(before);
    expect(await statuses()).toEqual(groups.map((g) => `${g} ${g === 'nodes-us-east-1b' ? 'NeedsUpdate' : 'UpToDate'}`).sort());
  }, 180_000);

  it('masterKubelet reaches the control planes only; a bad eviction signal is refused, naming the field, and nothing is written', async () => {
    const bad = await cli(['--state', store.url, 'edit', 'cluster', NAME, '--set', 'spec.masterKubelet.evictionHard=memory.avail<100Mi'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.masterKubelet.evictionHard');
    expect(bad.stderr).toContain('"memory.avail" is not an eviction signal');
    const cs = new Clientset(openStateStore(store.url));
    expect((await cs.getCluster(NAME)).object.spec.masterKubelet).toBeUndefined();

    const ok = await cli(['--state', store.url, 'edit', 'cluster', NAME, '--set', 'spec.masterKubelet.evictionHard=memory.available<200Mi,nodefs.available<15%'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    await update();
    expect(patch('control-plane', 'control-plane-us-east-1a')[1]).toMatchObject({ evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '15%' } });
    expect(patch('node', 'nodes-us-east-1a')[1]).not.toHaveProperty('evictionHard');
    expect(await statuses()).toEqual(
      groups.map((g) => `${g} ${g === 'nodes-us-east-1b' || g.startsWith('control-plane') ? 'NeedsUpdate' : 'UpToDate'}`).sort(),
    );
  }, 180_000);
});
