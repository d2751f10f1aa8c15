/**
 * The GCE plan job's custom role (`kops-ts get iam-policy --operator --cloud gce --read-only`) is
 * what a plan job needs, and no more. A cluster on a gs:// store, its API named in a Cloud DNS
 * zone, is applied with the full role's permissions (the fake Compute API, its Cloud DNS and IAM,
 * and the fake GCS all enforcing them), then changed; a second cluster is only written to the
 * store. Then the fakes enforce the read-only role and every command a plan job runs must succeed: the plans (with `--out`, `--detailed-exitcode`, `-o json`,
 * the saved plan's report, and `-f` with the cluster's manifest), get, get instances, get secrets, validate cluster (a fake
 * Kubernetes API), toolbox dump and the previews of rolling-update, reconcile and delete cluster.
 * Every permission they asked for is a read the role holds, no request writes, and the cloud and
 * the store are as before; `update cluster --yes` under the role fails naming a denied permission
 * (the store's, at the lock; with the store's writes allowed, Compute's, at the first change) and
 * changes nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceOperatorRole, gceReadOnlyOperatorRole } from '../../src/cloudup/gce/operator-role.js';
import { isGceReadPermission } from '../../src/tasks/gce/permissions.js';
import { FakeKubeApiServer, gceInstanceSource } from '../fakes/kube-apiserver.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { useFakeGceCompute, useFakeGcs } from './gce-harness.js';
import { cli, KEY } from './harness.js';

const PROJECT = 'kops-plan-job';
const NAME = 'plan-job-gce.example.com';
/** Written to the store and never applied: the plan of a pull request that creates a cluster. */
const FRESH = 'fresh-gce.example.com';
const ZONE = 'us-central1-a';
const BUCKET = 'plan-job-state';
const COLLECTIONS = ['networks', 'subnetworks', 'firewalls', 'routers', 'addresses', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'disks', 'instanceTemplates', 'instanceGroupManagers', 'instances'];
const fake = useFakeGceCompute(PROJECT);
const gcs = useFakeGcs();
const full = new Set(gceOperatorRole().includedPermissions);
const readOnly = new Set(gceReadOnlyOperatorRole().includedPermissions);
let env: Record<string, string>;
let kube: FakeKubeApiServer;

const run = (args: string[]) => cli(['--state', `gs://${BUCKET}/clusters`, ...args], { env });

/** Both fakes enforce `permissions` (undefined: every permission). */
function enforce(permissions: ReadonlySet<string> | undefined): void {
  fake.permissions = permissions;
  gcs.permissions = permissions;
}

/** What exists: every Compute resource, the service accounts, the project's and the bucket's IAM policies, the store's objects and generations. */
function world(): string {
  return JSON.stringify({
    compute: COLLECTIONS.map((c) => fake.all(PROJECT, c)),
    accounts: fake.iam.serviceAccounts(PROJECT),
    records: fake.dns.recordSets(PROJECT, 'example-com'),
    projectPolicy: fake.iam.policy(PROJECT),
    bucketPolicy: gcs.iamPolicy(BUCKET),
    objects: gcs.names(BUCKET).map((n) => `${n}@${gcs.object(BUCKET, n)?.generation}`),
  });
}

beforeAll(async () => {
  env = { STORAGE_EMULATOR_HOST: gcs.endpoint };
  gcs.createBucket(BUCKET);
  enforce(full);
  const ok = async (args: string[]) => {
    const r = await run(args);
    expect(r.code, `kops-ts ${args.join(' ')}: ${r.stderr}`).toBe(0);
  };
  // The API's name in a Cloud DNS zone: the plan job reads the zone and its records too.
  fake.dns.addZone(PROJECT, 'example-com', 'example.com');
  await ok(['create', 'cluster', '--name', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--node-count', '2', '--dns-zone', 'example.com', '--ssh-public-key', KEY]);
  await ok(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
  // A change for the plan to show: one more node.
  await ok(['edit', 'ig', `nodes-${ZONE}`, '--name', NAME, '--set', 'spec.maxSize=3', '--set', 'spec.minSize=3']);
  await ok(['create', 'cluster', '--name', FRESH, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--ssh-public-key', KEY]);
  kube = await FakeKubeApiServer.start({ instances: gceInstanceSource(fake, PROJECT) });
  env.KUBECONFIG = writeScratchKubeconfig(kube.kubeconfig(NAME));
}, 180_000);

afterAll(async () => {
  enforce(undefined);
  await kube?.close();
});

describe('a GCE plan job under the read-only custom role (fake Compute API, fake GCS)', () => {
  it('runs every plan-job command, asks only for reads the role holds, and changes nothing', async () => {
    // The pull request's manifest of the cluster (update cluster -f plans it before it is written).
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gce-plan-job-'));
    const manifest = join(dir, 'cluster.yaml');
    writeFileSync(manifest, `${(await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout.trimEnd()}\n---\n${(await run(['get', 'ig', '--name', NAME, '-o', 'yaml'])).stdout}`);
    enforce(readOnly);
    fake.used.clear();
    gcs.used.clear();
    const calls = fake.calls.length;
    const requests = gcs.requests.length;
    const before = world();
    const plan = join(dir, 'plan.json');
    const commands: { args: string[]; code: number }[] = [
      { args: ['update', 'cluster', '--name', NAME], code: 0 },
      { args: ['update', 'cluster', '--name', FRESH, '-o', 'json'], code: 0 },
      { args: ['update', 'cluster', '--name', NAME, '--out', plan, '--detailed-exitcode'], code: 2 },
      { args: ['update', 'cluster', '--name', NAME, '--plan', plan], code: 0 },
      { args: ['get', 'clusters'], code: 0 },
      { args: ['get', 'ig', '--name', NAME], code: 0 },
      { args: ['get', 'instances', '--name', NAME], code: 0 },
      { args: ['get', 'secrets', '--name', NAME], code: 0 },
      { args: ['validate', 'cluster', '--name', NAME], code: 0 },
      { args: ['toolbox', 'dump', '--name', NAME, '-o', 'json'], code: 0 },
      { args: ['rolling-update', 'cluster', '--name', NAME], code: 0 },
      { args: ['reconcile', 'cluster', '--name', NAME], code: 0 },
      { args: ['delete', 'cluster', '--name', NAME], code: 0 },
      { args: ['update', 'cluster', '--name', NAME, '-f', manifest, '--out', join(dir, 'pr-plan.json'), '--detailed-exitcode'], code: 2 },
    ];
    const outputs: string[] = [];
    for (const c of commands) {
      const r = await run(c.args);
      expect(r.code, `kops-ts ${c.args.join(' ')}: ${r.stderr}`).toBe(c.code);
      outputs.push(r.stdout);
    }
    // The plan saw the change, and the job read the cloud for real: the checks below are of real traffic.
    expect(outputs[2]).toContain('InstanceGroupManager');
    expect(outputs[8]).toContain(`Your cluster ${NAME} is ready`);
    expect([...fake.used]).toEqual(expect.arrayContaining(['compute.projects.get', 'compute.zones.get', 'compute.networks.list', 'compute.instanceGroupManagers.list', 'compute.instances.list', 'iam.serviceAccounts.list', 'resourcemanager.projects.getIamPolicy', 'dns.managedZones.list', 'dns.resourceRecordSets.list']));
    expect([...gcs.used]).toEqual(expect.arrayContaining(['storage.objects.get', 'storage.objects.list', 'storage.buckets.get', 'storage.buckets.getIamPolicy']));
    const used = [...fake.used, ...gcs.used];
    expect(used.filter((p) => !readOnly.has(p))).toEqual([]);
    expect(used.filter((p) => !isGceReadPermission(p))).toEqual([]);
    // Google's reads that are POSTs: the project's IAM policy and a MIG's managed instances.
    const reads = /(:getIamPolicy|\/listManagedInstances)$/;
    expect(fake.calls.slice(calls).filter((c) => c.method !== 'GET' && !reads.test(c.path)).map((c) => `${c.method} ${c.path}`)).toEqual([]);
    expect(gcs.requests.slice(requests).filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`)).toEqual([]);
    // No command of the job reads what AWS's read-only policy denies (a custom role cannot):
    // so the job needs no --secret-key when the store encrypts the keys and secrets with one.
    const secretReads = gcs.requests.slice(requests).map((q) => decodeURIComponent(q.path)).filter((p) => /\/o\/.*\/(pki\/private|secrets|igconfig|backups)\//.test(p));
    expect(secretReads).toEqual([]);
    expect(gcs.requests.slice(requests).some((q) => decodeURIComponent(q.path).includes(`/o/clusters/${NAME}/config`))).toBe(true);
    expect(world()).toEqual(before);
  }, 240_000);

  it('update cluster --yes under the role fails naming a denied permission, and changes nothing', async () => {
    enforce(readOnly);
    const before = world();
    const r = await run(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
    expect(r.code).toBe(1);
    // The first write is the cluster's lock in the store, before any cloud call that changes anything.
    expect(r.stderr).toContain(`cannot write ${NAME}/lock in bucket "${BUCKET}": access denied (forbidden: permission storage.objects.create denied)`);
    expect(world()).toEqual(before);
  }, 120_000);

  it('past the store (its writes allowed), the cloud refuses the apply\'s first change, naming the permission, and nothing in the cloud changes', async () => {
    fake.permissions = readOnly;
    gcs.permissions = full;
    const cloud = () => JSON.stringify([COLLECTIONS.map((c) => fake.all(PROJECT, c)), fake.iam.serviceAccounts(PROJECT), fake.iam.policy(PROJECT), fake.dns.recordSets(PROJECT, 'example-com')]);
    const before = cloud();
    const r = await run(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Required 'compute\.[A-Za-z]+\.(create|update|delete|setLabels)' permission for 'projects\/kops-plan-job\//);
    expect(cloud()).toEqual(before);
    expect(gcs.object(BUCKET, `clusters/${NAME}/lock`)).toBeUndefined();
  }, 120_000);
});
