/**
 * Saved plans against the emulator: `--out` then `--plan --yes` applies; a spec or cloud change in
 * between makes the saved plan stale (refused, naming what changed, nothing applied); files that
 * are not plans of this cluster are refused. One minimal cluster, applied once, serves every test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteRouteCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { beforeAll, describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { StalePlanError, assertSavedPlanCurrent, parseSavedPlan, savedPlanText } from '../../src/cloudup/saved-plan.js';
import { updateCluster, type UpdateClusterOptions } from '../../src/cloudup/update-cluster.js';
import { KopsError } from '../../src/diagnostics.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { cli } from '../cli/harness.js';
import { testAws, type TestAws } from '../helpers/aws.js';
import { rejectionOf } from '../helpers/errors.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const dir = mkdtempSync(join(tmpdir(), 'kops-ts-saved-plan-'));

let aws: TestAws;
let cs: Clientset;
let base: UpdateClusterOptions;
const NAME = 'minimal.example.com';

/** `update cluster --out <file>`, as the CLI does it: plan, write the document; returns the file's text. */
async function save(file: string): Promise<string> {
  const r = await updateCluster(base);
  const text = savedPlanText(r.plan);
  writeFileSync(join(dir, file), text);
  return text;
}

/** `update cluster --plan <file> --yes` through the library. */
async function applySaved(file: string) {
  const path = join(dir, file);
  return updateCluster({ ...base, yes: true, savedPlan: parseSavedPlan(readFileSync(path, 'utf8'), path) });
}

beforeAll(async () => {
  aws = testAws();
  cs = new Clientset(openStateStore(`memory://saved-plan-${aws.account}`));
  const built = newCluster({ name: NAME, zones: ['us-east-1a'] });
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _r, ...awsOpts } = aws.options;
  base = { clientset: cs, clusterName: NAME, aws: awsOpts };
});

describe('saved plan files', () => {
  it('refuses files that are not kops-ts plans, naming the file', () => {
    const bad = (text: string) => {
      try {
        parseSavedPlan(text, 'p.json');
      } catch (e) {
        expect(KopsError.is(e, 'InvalidPlanFile')).toBe(true);
        expect((e as KopsError).exitCode).toBe(2); // bad input, as a usage error
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('not json {')).toMatch(/^p\.json is not a kops-ts plan: not JSON/);
    expect(bad('[1]')).toMatch(/not a JSON object/);
    expect(bad(JSON.stringify({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster' }))).toMatch(/expected kops-ts\.io\/v1\/Plan/);
    const noFp = { apiVersion: 'kops-ts.io/v1', kind: 'Plan', cluster: NAME, summary: {}, changes: [], unchanged: [] };
    expect(bad(JSON.stringify(noFp))).toMatch(/no valid fingerprint/);
    expect(bad(JSON.stringify({ ...noFp, cluster: undefined, fingerprint: { desired: {}, actual: {} } }))).toMatch(/names no cluster/);
    expect(bad(JSON.stringify({ ...noFp, changes: [1], fingerprint: { desired: {}, actual: {} } }))).toMatch(/changes\[0\] is not a planned change/);
  });

  it('names at most ten drifted keys and counts the rest', () => {
    const desired = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`VPC/v${String(i).padStart(2, '0')}`, 'a']));
    const changed = Object.fromEntries(Object.keys(desired).map((k) => [k, 'b']));
    const e = (() => {
      try {
        assertSavedPlanCurrent({ cluster: NAME, fingerprint: { desired, actual: {} } }, { desired: changed, actual: {} });
      } catch (err) {
        return err as StalePlanError;
      }
      throw new Error('not refused');
    })();
    expect(e.code).toBe('StalePlan');
    expect(e.drift).toHaveLength(12);
    expect(e.message).toContain('VPC/v09: its desired state changed in the spec');
    expect(e.message).not.toContain('VPC/v10');
    expect(e.message).toMatch(/and 2 more$/);
  });

  it('CLI: --plan without --yes renders the saved plan; wrong cluster, garbage and --out --yes are refused', async () => {
    const doc = {
      apiVersion: 'kops-ts.io/v1',
      kind: 'Plan',
      cluster: NAME,
      summary: { create: 1, update: 0, replace: 0, delete: 0, noop: 0 },
      changes: [{ key: 'VPC/minimal.example.com', kind: 'VPC', name: NAME, action: 'create', security: [], fields: [{ field: 'cidr', after: '172.20.0.0/16', forcesReplacement: false }] }],
      unchanged: [],
      diagnostics: [],
      fingerprint: { desired: { 'VPC/minimal.example.com': 'abc' }, actual: {} },
    };
    const file = join(dir, 'doc.json');
    writeFileSync(file, JSON.stringify(doc));
    const shown = await cli(['update', 'cluster', '--name', NAME, '--plan', file, '--detailed-exitcode']);
    expect(shown.stdout).toContain('Will create resources:');
    expect(shown.stdout).toContain('VPC/minimal.example.com');
    expect(shown.code).toBe(2);

    const other = await cli(['update', 'cluster', '--name', 'other.example.com', '--plan', file, '--yes']);
    expect(other.code).toBe(2); // bad input, as a manifest for another cluster given to update -f is
    expect(other.stderr).toContain(`is for cluster "${NAME}", not "other.example.com"`);

    // A file that is not a saved plan is bad input (exit 2), named with what --plan expects, and
    // refused before the store or the cloud is read.
    const garbageFile = join(dir, 'garbage.json');
    writeFileSync(garbageFile, 'hello');
    const before = aws.counter.total();
    const garbage = await cli(['update', 'cluster', '--name', NAME, '--plan', garbageFile, '--yes']);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/^error: not a kops-ts plan: not JSON .*; expected the JSON plan document update cluster --out writes \(apiVersion kops-ts\.io\/v1, kind Plan\)/);
    expect(garbage.stderr).toContain(`(${garbageFile}): create one with \`kops-ts update cluster --name ${NAME} --out <file>\``);
    const manifestFile = join(dir, 'cluster.json');
    writeFileSync(manifestFile, JSON.stringify({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'Cluster', metadata: { name: NAME } }));
    const manifest = await cli(['update', 'cluster', '--name', NAME, '--plan', manifestFile]);
    expect(manifest.code).toBe(2);
    expect(manifest.stderr).toContain('not a kops-ts plan: apiVersion/kind is "kops.k8s.io/v1alpha2"/"Cluster", expected kops-ts.io/v1/Plan');
    expect(manifest.stderr).toContain(`(${manifestFile})`);
    expect(aws.counter.total()).toBe(before);

    const both = await cli(['update', 'cluster', '--name', NAME, '--out', join(dir, 'x.json'), '--yes']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--out with --yes');

    // kops's `--target terraform --out .` habit: a directory, or a file in none, is a usage error
    // named before the cloud is read (it was a raw EISDIR/ENOENT, exit 1, after the whole plan).
    const asDir = await cli(['update', 'cluster', '--name', NAME, '--out', dir]);
    expect(asDir.code).toBe(2);
    expect(asDir.stderr).toBe(`error: --out: it is a directory, not a file (${dir}): --out names the file the plan is saved to (JSON), e.g. --out plan.json (kops-ts writes no Terraform: there is no --target)\n`);
    const noDir = await cli(['update', 'cluster', '--name', NAME, '--out', join(dir, 'missing', 'plan.json')]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain(`--out: its directory ${join(dir, 'missing')} does not exist`);
  });

  it('library: a plan for another cluster is refused before anything is read', async () => {
    const e = await updateCluster({ ...base, yes: true, savedPlan: { cluster: 'other.example.com', fingerprint: { desired: {}, actual: {} } } }).catch((err: unknown) => err);
    expect(KopsError.is(e, 'PlanClusterMismatch')).toBe(true);
    expect((e as KopsError).exitCode).toBe(2);
    expect(aws.counter.total()).toBe(0);
  });
});

describe('saved plans against the emulator', () => {
  it('save then apply from the file: applied, and the next plan has no changes', async () => {
    const text = await save('first.json');
    expect(JSON.parse(text)).toMatchObject({ apiVersion: 'kops-ts.io/v1', kind: 'Plan', cluster: NAME });
    const r = await applySaved('first.json');
    expect(r.applied?.ok).toBe(true);
    expect(r.plan.summary.create).toBeGreaterThan(20);
    const again = await updateCluster(base);
    expect(again.plan.changes.map((c) => c.key)).toEqual([]);
  });

  it('a spec change after saving is refused, naming the task; nothing is applied', async () => {
    await save('before-spec-change.json');
    const ig = (await cs.listInstanceGroups(NAME)).find((g) => g.object.spec.role === 'Node')!;
    const igName = ig.object.metadata.name;
    await cs.updateInstanceGroup(NAME, { ...ig.object, spec: { ...ig.object.spec, maxSize: (ig.object.spec.maxSize ?? 1) + 3 } }, ig.version);
    const e = await rejectionOf(applySaved('before-spec-change.json'), StalePlanError);
    const asg = e.drift.find((d) => d.key.startsWith(`AutoscalingGroup/${igName}`));
    expect(asg).toMatchObject({ part: 'desired', change: 'changed' });
    // Only the spec moved: the actual-state hashes of an applied cluster are stable between plans.
    expect(e.drift.filter((d) => d.part === 'actual')).toEqual([]);
    expect(e.message).toContain(`${asg!.key}: its desired state changed in the spec`);
    // The line to run again names the cluster: pasted as it is, it works without KOPS_CLUSTER_NAME.
    expect(e.diagnostics[0]!.hint).toContain(`kops-ts update cluster --name ${NAME} --out <file>`);
    // Nothing applied: the ASG still has the old maxSize, so a fresh plan still wants to update it.
    const after = await updateCluster(base);
    expect(after.plan.changes.find((c) => c.key === asg!.key)?.fields.map((f) => f.field)).toContain('maxSize');
  });

  it('a cloud change after saving is refused, naming the resource; nothing is applied', async () => {
    await save('before-cloud-change.json');
    const ec2 = aws.clients.ec2;
    const tables = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'tag:kubernetes.io/kops/role', Values: ['public'] }] }));
    const rtId = tables.RouteTables?.[0]?.RouteTableId;
    expect(rtId).toBeDefined();
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtId, DestinationCidrBlock: '0.0.0.0/0' }));
    const e = await rejectionOf(applySaved('before-cloud-change.json'), StalePlanError);
    expect(e.drift).toContainEqual({ key: 'Route/0.0.0.0/0', part: 'actual', change: 'removed' });
    expect(e.message).toContain('Route/0.0.0.0/0: no longer exists in the cloud');
    expect(e.drift.every((d) => d.part === 'actual')).toBe(true);
    // Nothing applied: the route is still missing.
    const after = await updateCluster(base);
    expect(after.plan.changes.find((c) => c.key === 'Route/0.0.0.0/0')?.action).toBe('create');
  });
});
