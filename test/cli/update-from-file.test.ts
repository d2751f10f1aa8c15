/**
 * `kops-ts update cluster -f <manifest>`: the plan of a manifest before it is written to the store
 * (a pull request's job, docs/ci.md), against the emulator on a file:// store. The plan shows the
 * file's changes and not the store's; the store is byte for byte as before and every AWS request is
 * a read; a plan saved from the file applies after `replace -f` of the same file and is refused as
 * stale after another; bad manifests and `-f --yes` are refused with exit 2.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlanDocument } from '../../src/cloudup/render/json.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster } from '../../src/model/api/types.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { MemoryStateStore } from '../../src/statestore/memory.js';
import { isReadAction } from '../../src/tasks/aws/iam-actions.js';
import type { FaultProxy, ProxiedRequest } from '../fakes/aws-fault-proxy.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv, recordThroughProxy } from '../helpers/operator-env.js';
import { tempDir } from '../pki/openssl.js';
import { KEY, cli, snapshot, tempStore } from './harness.js';

const NAME = 'planfile.k8s.local';
/** A cluster only in a manifest: the pull request that creates it. */
const NEW = 'planfile-new.k8s.local';
const SERVICE_PREFIX: Readonly<Record<string, string>> = { ec2: 'ec2', autoscaling: 'autoscaling', elbv2: 'elasticloadbalancing', iam: 'iam', sts: 'sts', route53: 'route53' };

let env: Record<string, string>;
let store: { dir: string; url: string };
let dir = '';
let proxy: FaultProxy;
let sent: ProxiedRequest[] = [];
/** The stored cluster and its groups as `get -o yaml` prints them: the manifest kept in git. */
let manifest = '';

const run = (args: string[]) => cli(['--state', store.url, ...args], { env });

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The manifest with the nodes group's maxSize raised and a new node group `extra`. */
function changed(maxSize: number): string {
  const nodes = manifest.replace(/(name: nodes-us-east-1a\n[\s\S]*?maxSize: )1/, `$1${maxSize}`);
  expect(nodes).not.toBe(manifest);
  const extra = nodes
    .split(/^---\n/m)
    .find((d) => d.includes('name: nodes-us-east-1a'))!
    .replace('name: nodes-us-east-1a', 'name: extra')
    .replace(/maxSize: \d+/, 'maxSize: 1');
  return `${nodes.trimEnd()}\n---\n${extra}`;
}

/** Every AWS action the recorded requests stand for that is not a read. */
function mutating(): string[] {
  return sent.filter((q) => q.service !== 's3').map((q) => `${SERVICE_PREFIX[q.service] ?? q.service}:${q.operation}`).filter((a) => !isReadAction(a));
}

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  store = tempStore();
  dir = tempDir();
  const created = await run(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--ssh-public-key', KEY]);
  expect(created.code, created.stderr).toBe(0);
  const applied = await run(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
  expect(applied.code, applied.stderr).toBe(0);
  const cluster = await run(['get', 'cluster', NAME, '-o', 'yaml']);
  const igs = await run(['get', 'ig', '--name', NAME, '-o', 'yaml']);
  manifest = `${cluster.stdout.trimEnd()}\n---\n${igs.stdout}`;
  proxy = await recordThroughProxy(aws, env, (q) => sent.push(q));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.close();
});

describe('update cluster -f <manifest> (emulator, file:// store)', () => {
  it('plans the file, not the store: the file\'s changes, exit 2 with --detailed-exitcode, nothing written, only reads', async () => {
    const f = file('pr.yaml', changed(3));
    const before = snapshot(store.dir);
    sent = [];
    const r = await run(['update', 'cluster', '--name', NAME, '-f', f, '-o', 'json', '--detailed-exitcode']);
    expect(r.code, r.stderr).toBe(2);
    const plan = JSON.parse(r.stdout) as PlanDocument;
    const asg = plan.changes.find((c) => c.kind === 'AutoscalingGroup' && c.name.startsWith('nodes-us-east-1a'));
    expect(asg?.fields.find((x) => x.field === 'maxSize')).toMatchObject({ before: 1, after: 3 });
    expect(plan.changes.filter((c) => c.action === 'create').map((c) => c.key)).toEqual(expect.arrayContaining([expect.stringMatching(/^AutoscalingGroup\/extra\./), expect.stringMatching(/^LaunchTemplate\/extra\./)]));
    // The store itself has no change pending: the plan above is the file's.
    const stored = await run(['update', 'cluster', '--name', NAME, '--detailed-exitcode']);
    expect(stored.code, stored.stdout).toBe(0);
    // The name may come from the file's one Cluster; the report says how to go on, not "--yes".
    const saved = join(dir, 'unused.json');
    const table = await run(['update', 'cluster', '-f', f, '--out', saved]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('maxSize');
    expect(table.stdout).toContain(
      `Saved the plan to ${saved}; write the manifest with kops-ts replace -f ${f} --force --state ${store.url} (it creates InstanceGroup/extra), ` +
        `then apply exactly this plan with kops-ts update cluster --name ${NAME} --state ${store.url} --plan ${saved} --yes`,
    );
    const unsaved = await run(['update', 'cluster', '-f', f]);
    expect(unsaved.stdout).toContain('Nothing was written. To apply: write the manifest with kops-ts replace -f');
    expect(unsaved.stdout).not.toContain('Must specify --yes');
    // A file of one instance group, its cluster from its label: the rest of the cluster is the store's.
    const group = manifest.split(/^---\n/m).find((d) => d.includes('name: nodes-us-east-1a'))!.replace(/maxSize: 1/, 'maxSize: 6');
    expect(group).toContain(`kops.k8s.io/cluster: ${NAME}`);
    const one = await run(['update', 'cluster', '-f', file('group.yaml', group), '-o', 'json']);
    expect(one.code, one.stderr).toBe(0);
    const onePlan = JSON.parse(one.stdout) as PlanDocument;
    expect(onePlan.changes.map((c) => `${c.kind} ${c.fields.map((x) => `${x.field}=${JSON.stringify(x.after)}`).join(',')}`)).toEqual([`AutoscalingGroup maxSize=6`]);
    expect(snapshot(store.dir)).toEqual(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(mutating()).toEqual([]);
  }, 120_000);

  it('PR → merge: the plan saved from the file applies after replace -f of that file, and the next plan is empty', async () => {
    const f = file('merge.yaml', changed(3));
    const out = join(dir, 'plan.json');
    const planned = await run(['update', 'cluster', '--name', NAME, '-f', f, '--out', out, '--detailed-exitcode']);
    expect(planned.code, planned.stderr).toBe(2);
    const replaced = await run(['replace', '-f', f, '--force']);
    expect(replaced.code, replaced.stderr).toBe(0);
    const applied = await run(['update', 'cluster', '--name', NAME, '--plan', out, '--yes', '--create-kube-config=false']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('change(s) applied to the cloud');
    const after = await run(['update', 'cluster', '--name', NAME, '--detailed-exitcode']);
    expect(after.code, after.stdout).toBe(0);
    // And the same file planned again: nothing left to do.
    const again = await run(['update', 'cluster', '--name', NAME, '-f', f, '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
  }, 240_000);

  it('a different file replaced after the plan: StalePlan, nothing applied', async () => {
    const out = join(dir, 'stale.json');
    const planned = await run(['update', 'cluster', '--name', NAME, '-f', file('a.yaml', changed(4)), '--out', out]);
    expect(planned.code, planned.stderr).toBe(0);
    const replaced = await run(['replace', '-f', file('b.yaml', changed(5))]);
    expect(replaced.code, replaced.stderr).toBe(0);
    sent = [];
    const applied = await run(['update', 'cluster', '--name', NAME, '--plan', out, '--yes', '--create-kube-config=false']);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/the saved plan is out of date, nothing was applied: AutoscalingGroup\/nodes-us-east-1a\.[^:]+: its desired state changed in the spec/);
    expect(mutating()).toEqual([]);
  }, 240_000);

  it('a cluster only in the file plans as a first apply, writing nothing; that plan applies once replace --force has created it', async () => {
    const dry = await run(['create', 'cluster', '--name', NEW, '--zones', 'us-east-1a', '--dry-run', '-o', 'yaml']);
    expect(dry.code, dry.stderr).toBe(0);
    const before = snapshot(store.dir);
    sent = [];
    const f = file('new.yaml', dry.stdout);
    const out = join(dir, 'new-plan.json');
    const r = await run(['update', 'cluster', '-f', f, '-o', 'json', '--detailed-exitcode', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    const plan = JSON.parse(r.stdout) as PlanDocument;
    expect(plan.cluster).toBe(NEW);
    expect(plan.changes.filter((c) => c.kind === 'VPC').map((c) => c.action)).toEqual(['create']);
    expect(snapshot(store.dir)).toEqual(before);
    expect(mutating()).toEqual([]);
    // Merged: replace --force creates it (as create -f would), and the saved plan is its first apply.
    expect((await run(['replace', '-f', f, '--force'])).code).toBe(0);
    const applied = await run(['update', 'cluster', '--name', NEW, '--plan', out, '--yes', '--create-kube-config=false']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`The cloud resources of ${NEW} exist now`);
  }, 120_000);

  it('refuses bad manifests with exit 2, naming the file and the field, and writes nothing', async () => {
    const before = snapshot(store.dir);
    const sizes = file('sizes.yaml', manifest.replace(/(name: nodes-us-east-1a\n[\s\S]*?)minSize: \d+/, '$1minSize: 9'));
    const bad = await run(['update', 'cluster', '--name', NAME, '-f', sizes]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`InstanceGroup/nodes-us-east-1a spec.maxSize: maxSize \\d+ is smaller than minSize 9 \\(${sizes}\\)`));
    const typo = file('typo.yaml', manifest.replace('networkCIDR:', 'netwrokCIDR:'));
    const unknown = await run(['update', 'cluster', '--name', NAME, '-f', typo]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`error: spec.netwrokCIDR: unknown field (${typo}): did you mean "networkCIDR"?`);
    const other = await run(['update', 'cluster', '--name', 'other.k8s.local', '-f', file('ok.yaml', manifest)]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`metadata.name: the manifest is for cluster "${NAME}", not "other.k8s.local"`);
    const group = file('other-group.yaml', manifest.split(/^---\n/m).find((d) => d.includes('name: nodes-us-east-1a'))!);
    const label = await run(['update', 'cluster', '--name', 'other.k8s.local', '-f', group]);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain(`InstanceGroup/nodes-us-east-1a metadata.labels["kops.k8s.io/cluster"]: the manifest is for cluster "${NAME}", not "other.k8s.local" (${group})`);
    const missing = await run(['update', 'cluster', '--name', NAME, '-f', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    // An empty file, or one of separators only (a pull request that emptied the manifest): refused, not an empty plan.
    for (const [name, text] of [['empty.yaml', ''], ['separators.yaml', '---\n---\n']] as const) {
      const path = file(name, text);
      const empty = await run(['update', 'cluster', '--name', NAME, '-f', path]);
      expect(empty.code, empty.stdout).toBe(2);
      expect(empty.stderr).toContain(`no Cluster or InstanceGroup found (${path})`);
    }
    expect(snapshot(store.dir)).toEqual(before);
  }, 120_000);

  it('refuses -f with --yes or --plan (exit 2, nothing written), naming the two-step flow', async () => {
    const f = file('yes.yaml', changed(7));
    const before = snapshot(store.dir);
    sent = [];
    const yes = await run(['update', 'cluster', '--name', NAME, '-f', f, '--yes']);
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('-f with --yes');
    expect(yes.stderr).toContain(`kops-ts replace -f ${f} --state ${store.url}`);
    expect(yes.stderr).toContain(`kops-ts update cluster --name ${NAME} --state ${store.url} --plan plan.json --yes`);
    const plan = await run(['update', 'cluster', '--name', NAME, '-f', f, '--plan', join(dir, 'plan.json')]);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('-f with --plan');
    const unlock = await run(['update', 'cluster', '--name', NAME, '-f', f, '--force-unlock', 'x']);
    expect(unlock.code).toBe(2);
    expect(unlock.stderr).toContain('-f with --force-unlock');
    expect(snapshot(store.dir)).toEqual(before);
    expect(sent).toEqual([]);
  });

  it('the library refuses to apply a spec given to plan', async () => {
    const cs = new Clientset(new MemoryStateStore('update-from-file-refuse'));
    const cluster = parseManifests(manifest).objects.find((o) => o.kind === 'Cluster') as Cluster;
    await expect(updateCluster({ clientset: cs, clusterName: NAME, yes: true, spec: { cluster, instanceGroups: [] } })).rejects.toMatchObject({ code: 'InvalidOption', exitCode: 2 });
    expect(await cs.store.list('')).toEqual([]);
  });
});
