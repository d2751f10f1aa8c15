/**
 * The GCE instances' grants on the gs:// state store through the CLI (the fake Compute API and the
 * fake GCS): a cluster that an earlier kops-ts granted the whole bucket gets its conditional
 * grants and loses the whole-bucket ones on the next `update cluster --yes` (planned, shown
 * first), leaving every other member and condition alone; `delete cluster` removes the
 * conditional grants; a bucket without uniform bucket-level access is refused before anything
 * changes, named, with the command that fixes it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gceServiceAccountId } from '../../src/model/gce/names.js';
import { useFakeGceCompute, useFakeGcs } from './gce-harness.js';
import { cli, cliOk } from './harness.js';

const PROJECT = 'kops-bucket';
const fake = useFakeGceCompute(PROJECT);
const gcs = useFakeGcs();
let env: Record<string, string>;
beforeAll(() => {
  env = { STORAGE_EMULATOR_HOST: gcs.endpoint };
});

const member = (role: 'control-plane' | 'node', safe: string) => `serviceAccount:${gceServiceAccountId(role, safe)}@${PROJECT}.iam.gserviceaccount.com`;

describe('the GCE state store bucket grants', () => {
  it("an earlier kops-ts's whole-bucket grants are planned away and removed by update --yes; others' stay; delete removes the conditional ones", async () => {
    gcs.createBucket('upgrade-state');
    const state = ['--state', 'gs://upgrade-state/clusters'];
    const name = 'up.example.com';
    const [cp, node] = [member('control-plane', 'up-example-com'), member('node', 'up-example-com')];
    const others = { role: 'roles/storage.objectViewer', members: ['user:gil@example.com'], condition: { title: 'kops-ts: nodes read their join files', expression: 'resource.name.startsWith("projects/_/buckets/upgrade-state/objects/clusters/other.example.com/igconfig/node/")' } };
    gcs.editIamPolicy('upgrade-state', (b) => {
      b.push({ role: 'roles/storage.objectAdmin', members: [cp] });
      b.push({ role: 'roles/storage.objectViewer', members: [node, 'user:dana@example.com'] });
      b.push(others);
    });
    await cliOk(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-b', ...state], { env });
    const plan = await cliOk(['update', 'cluster', '--name', name, ...state], { env });
    expect(plan).toContain(
      'Will delete resources:\n  StorageBucketIAM/unconditional-objectadmin-upgrade-state-control-plane-up-example-com\n  StorageBucketIAM/unconditional-objectviewer-upgrade-state-node-up-example-com\n',
    );
    expect(gcs.iamPolicy('upgrade-state').bindings.find((b) => b.role === 'roles/storage.objectAdmin' && !b.condition)?.members).toEqual([cp]);

    await cliOk(['update', 'cluster', '--name', name, '--yes', ...state], { env });
    const bindings = gcs.iamPolicy('upgrade-state').bindings;
    expect(bindings.filter((b) => !b.condition && (b.members.includes(cp) || b.members.includes(node)))).toEqual([]);
    expect(bindings.find((b) => b.role === 'roles/storage.objectViewer' && !b.condition)?.members).toEqual(['user:dana@example.com']);
    expect(bindings).toContainEqual(others);
    expect(bindings.filter((b) => b.condition?.title?.startsWith('kops-ts:') && (b.members.includes(cp) || b.members.includes(node))).map((b) => `${b.role} ${b.condition?.title}`).sort()).toEqual([
      'roles/storage.objectAdmin kops-ts: control plane keeps etcd backups',
      'roles/storage.objectViewer kops-ts: control plane reads its cluster',
      'roles/storage.objectViewer kops-ts: nodes read their join files',
    ]);
    expect((await cli(['update', 'cluster', '--name', name, '--detailed-exitcode', ...state], { env })).code).toBe(0);

    await cliOk(['delete', 'cluster', '--name', name, '--yes', ...state], { env });
    const after = gcs.iamPolicy('upgrade-state').bindings;
    expect(after.filter((b) => b.members.includes(cp) || b.members.includes(node))).toEqual([]);
    expect(after).toContainEqual(others);
    expect(after.find((b) => b.role === 'roles/storage.objectViewer' && !b.condition)?.members).toEqual(['user:dana@example.com']);
  });

  it('a bucket without uniform bucket-level access is refused before anything changes, naming it and the fix', async () => {
    gcs.createBucket('fine-grained-state', { uniformBucketLevelAccess: false });
    const state = ['--state', 'gs://fine-grained-state/clusters'];
    const name = 'fg.example.com';
    await cliOk(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-b', ...state], { env });
    const policy = gcs.iamPolicy('fine-grained-state');
    const objects = gcs.names('fine-grained-state');
    const r = await cli(['update', 'cluster', '--name', name, '--yes', ...state], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('gs://fine-grained-state');
    expect(r.stderr).toMatch(/uniform bucket-level access is off/);
    expect(r.stderr).toContain('gcloud storage buckets update gs://fine-grained-state --uniform-bucket-level-access');
    expect(r.stderr).toContain('nothing was changed');
    expect(gcs.iamPolicy('fine-grained-state')).toEqual(policy);
    expect(gcs.names('fine-grained-state')).toEqual(objects);
    expect(fake.all(PROJECT, 'networks').map((n) => n.name)).not.toContain('fg-example-com');
    expect(fake.iam.serviceAccounts(PROJECT).map((a) => a.email as string).filter((e) => e.includes('fg-example-com'))).toEqual([]);
  });
});
