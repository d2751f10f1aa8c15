/**
 * `kops-ts get iam-policy --operator` on GCE: a custom role in the shape `gcloud iam roles create
 * --file` reads (IAM's Role: title, description, stage, includedPermissions), the full one and the
 * plan job's (`--read-only`), chosen by `--cloud gce` or a gs:// state store. Whether a plan job's
 * commands run under the read-only role: test/cli/gce-read-only.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { gceOperatorRole, gceReadOnlyOperatorRole, type GceCustomRole } from '../../src/index.js';
import { parseKopsYaml } from '../../src/model/api/yaml.js';
import { GCE_SECONDARY_PERMISSIONS, gceOperatorPermissions, isGceReadPermission } from '../../src/tasks/gce/permissions.js';
import { cli, tempStore } from './harness.js';

async function role(args: string[]): Promise<GceCustomRole> {
  const r = await cli(['get', 'iam-policy', '--operator', ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as GceCustomRole;
}

/** The services whose permissions kops-ts's GCE calls need: Compute, IAM, Resource Manager, Cloud DNS, Cloud Storage. */
const SERVICES = ['compute', 'iam', 'resourcemanager', 'dns', 'storage'];

describe('kops-ts get iam-policy --operator --cloud gce', () => {
  it('prints a custom role gcloud iam roles create --file takes: the four fields, stage GA, every permission <service>.<resource>.<verb>', async () => {
    const doc = await role(['--cloud', 'gce', '--state', 'gs://team-state/kops']);
    expect(Object.keys(doc).sort()).toEqual(['description', 'includedPermissions', 'stage', 'title']);
    expect(doc.stage).toBe('GA');
    // IAM's limits: a title of at most 100 UTF-8 bytes; kept under 256 characters, the description.
    expect(Buffer.byteLength(doc.title)).toBeLessThanOrEqual(100);
    expect(doc.description.length).toBeLessThanOrEqual(256);
    expect(doc).toEqual(gceOperatorRole());
    const bad = doc.includedPermissions.filter((p) => !/^[a-z]+\.[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/.test(p) || !SERVICES.includes(p.split('.')[0]!));
    expect(bad).toEqual([]);
    expect(doc.includedPermissions).toEqual([...new Set(doc.includedPermissions)].sort());
    // What update --yes, the roll and delete change, the secondary permissions Google checks, and the store's objects.
    expect(doc.includedPermissions).toEqual(expect.arrayContaining([
      'compute.firewalls.create', 'compute.instanceGroupManagers.update', 'compute.instances.delete', 'compute.zoneOperations.get',
      'iam.serviceAccounts.create', 'iam.serviceAccounts.actAs', 'resourcemanager.projects.setIamPolicy', 'storage.buckets.setIamPolicy',
      'dns.changes.create', 'storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list',
    ]));
  });

  it('--read-only: a subset of the full role, reads only, no secondary use/actAs permission, and the store\'s object reads', async () => {
    const full = new Set((await role(['--cloud', 'gce'])).includedPermissions);
    const doc = await role(['--cloud', 'gce', '--read-only']);
    expect(doc).toEqual(gceReadOnlyOperatorRole());
    expect(doc.stage).toBe('GA');
    expect(Buffer.byteLength(doc.title)).toBeLessThanOrEqual(100);
    expect(doc.description.length).toBeLessThanOrEqual(256);
    const ro = doc.includedPermissions;
    expect(ro.filter((p) => !full.has(p))).toEqual([]);
    expect(ro.filter((p) => !isGceReadPermission(p))).toEqual([]);
    expect(ro.filter((p) => GCE_SECONDARY_PERMISSIONS.includes(p))).toEqual([]);
    expect(ro).toEqual(expect.arrayContaining(['compute.projects.get', 'compute.zones.get', 'compute.instances.list', 'compute.instanceGroupManagers.get', 'resourcemanager.projects.getIamPolicy', 'storage.buckets.get', 'storage.objects.get', 'storage.objects.list']));
    // Everything of the full role that is not a read is left out.
    const writes = [...full].filter((p) => !isGceReadPermission(p));
    expect(writes.length).toBeGreaterThan(40);
    expect(ro.filter((p) => writes.includes(p))).toEqual([]);
    expect(ro.length).toBeLessThan(full.size / 2);
  });

  it('a gs:// state store means GCE without --cloud; --cloud aws wins; a file:// store leaves the bucket objects out', async () => {
    expect(await role(['--state', 'gs://team-state/kops'])).toEqual(gceOperatorRole());
    expect(await role(['--state', 'gs://team-state/kops', '--read-only'])).toEqual(gceReadOnlyOperatorRole());
    const aws = await cli(['get', 'iam-policy', '--operator', '--cloud', 'aws', '--state', 'gs://team-state/kops']);
    expect(aws.code, aws.stderr).toBe(0);
    expect((JSON.parse(aws.stdout) as { Version?: string }).Version).toBe('2012-10-17');
    const file = await role(['--cloud', 'gce', '--state', tempStore().url]);
    expect(file.includedPermissions).toEqual(gceOperatorPermissions({ gcsStateStore: false }));
    expect(file.includedPermissions.filter((p) => p.startsWith('storage.objects.'))).toEqual([]);
    // The bucket grants of the instances' service accounts stay: they are the cluster's, not the store's.
    expect(file.includedPermissions).toContain('storage.buckets.setIamPolicy');
    const fileRo = await role(['--cloud', 'gce', '--read-only', '--state', tempStore().url]);
    expect(fileRo.includedPermissions.filter((p) => p.startsWith('storage.objects.'))).toEqual([]);
  });

  it('-o yaml is the same document', async () => {
    const json = await cli(['get', 'iam-policy', '--operator', '--cloud', 'gce', '--read-only']);
    const yaml = await cli(['get', 'iam-policy', '--operator', '--cloud', 'gce', '--read-only', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^title: /);
    expect(yaml.stdout).toContain('\nstage: GA\n');
    expect(parseKopsYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('refuses a cloud it has no operator policy for, and --cloud without --operator', async () => {
    const azure = await cli(['get', 'iam-policy', '--operator', '--cloud', 'azure']);
    expect(azure.code).toBe(2);
    expect(azure.stdout).toBe('');
    expect(azure.stderr).toBe('error: --cloud: cloud "azure" has no operator policy in kops-ts: use --cloud aws or --cloud gce\n');
    const alone = await cli(['get', 'iam-policy', '--cloud', 'gce']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('error: --cloud applies to the operator policy: run kops-ts get iam-policy --operator --cloud gce\n');
  });
});
