/**
 * A change of the control planes' ClusterConfiguration on a running cluster (emulator): `edit
 * cluster --set spec.kubeAPIServer.featureGates.X=true`, then `update cluster` plans new launch
 * template versions for the control-plane groups only (their user data names the configuration's
 * digest, src/bootstrap/kubeadm-upload.ts), `update --yes` writes the group's kubeadm-init.yaml
 * naming a new digest, and `get instances` and `rolling-update cluster`'s preview show only the
 * control planes as needing an update; each replacement uploads the new configuration before it
 * joins (bootstrap-script.test.ts). (The bootstrap token is left out of the digest: rotate-bootstrap-token.test.ts.)
 */
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InstanceRow } from '../../src/cloudup/inspect.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'cluster-config.example.com';
let env: Record<string, string>;
let store: { dir: string; url: string };
let groups: string[];

const tagOf = (i: Instance, k: string) => i.Tags?.find((t) => t.Key === k)?.Value;

function initYaml(ig: string): string {
  return readFileSync(join(store.dir, NAME, 'igconfig', 'control-plane', ig, 'kubeadm-init.yaml'), 'utf8');
}

async function statuses(): Promise<string[]> {
  const r = await cli(['--state', store.url, '--name', NAME, 'get', 'instances', '-o', 'json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as InstanceRow[]).map((x) => `${x.instanceGroup} ${x.status}`).sort();
}

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  store = tempStore();
  const create = await cli(['--state', store.url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  const r = await aws.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }, { Name: 'instance-state-name', Values: ['running', 'pending'] }] }));
  groups = (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => tagOf(i, 'kops.k8s.io/instancegroup')!);
  expect(groups.some((g) => g.startsWith('control-plane'))).toBe(true);
  expect(groups.some((g) => g.startsWith('nodes'))).toBe(true);
}, 180_000);

describe('a ClusterConfiguration setting changed after the cluster is up', () => {
  it('an API server feature gate: only the control planes\' launch templates change, and only control planes need an update', async () => {
    const cp = groups.find((g) => g.startsWith('control-plane'))!;
    const before = initYaml(cp);
    expect(before).not.toContain('SomeGate');
    const edit = await cli(['--state', store.url, 'edit', 'cluster', NAME, '--set', 'spec.kubeAPIServer.featureGates.SomeGate=true'], { env });
    expect(edit.code, edit.stderr).toBe(0);

    // The plan: a new version of each control-plane group's launch template, nothing else.
    const plan = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '-o', 'json'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    const doc = JSON.parse(plan.stdout) as { changes?: { kind?: string; name?: string; action?: string }[] };
    const changed = (doc.changes ?? []).filter((c) => c.action !== 'noop').map((c) => `${c.kind}/${c.name}`).sort();
    expect(changed.length).toBeGreaterThan(0);
    for (const c of changed) expect(c).toMatch(/^LaunchTemplate\/control-plane-[^/]+\.masters\.cluster-config\.example\.com$/);

    const update = await cli(['--state', store.url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
    expect(update.code, update.stderr).toBe(0);
    const after = initYaml(cp);
    expect(after).toContain('feature-gates');
    expect(after).toContain('SomeGate=true');
    // A new digest on the file's first line: a replacement launched from the new template accepts only this file.
    expect(after.split('\n')[0]).toMatch(/^# kops-ts cluster configuration [0-9a-f]{16}$/);
    expect(after.split('\n')[0]).not.toBe(before.split('\n')[0]);

    expect(await statuses()).toEqual(groups.map((g) => `${g} ${g.startsWith('control-plane') ? 'NeedsUpdate' : 'UpToDate'}`).sort());
    // rolling-update cluster's preview (--cloudonly: no API here): the control-plane groups need an update, the node groups do not.
    const preview = await cli(['--state', store.url, 'rolling-update', 'cluster', NAME, '--cloudonly', '-o', 'json'], { env });
    expect(preview.code, preview.stderr).toBe(0);
    const roll = JSON.parse(preview.stdout) as { groups: { name: string; status: string; needUpdate: number }[] };
    const needing = roll.groups.filter((g) => g.status === 'NeedsUpdate').map((g) => g.name).sort();
    expect(needing).toEqual([...new Set(groups.filter((g) => g.startsWith('control-plane')))].sort());
    expect(roll.groups.filter((g) => g.name.startsWith('nodes')).every((g) => g.status !== 'NeedsUpdate' && g.needUpdate === 0)).toBe(true);
  }, 240_000);
});
