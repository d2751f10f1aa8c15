/**
 * The GCE operator permissions (src/tasks/gce/permissions.ts) against the fake Compute API
 * enforcing a permission set with Google's 403: exactly the declared set runs a minimal cluster's
 * create, update, re-plan and delete; without one of them the command fails naming it. Also the
 * pre-flight errors (project, zone) and the endpoint not answering.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { gceOperatorPermissions } from '../../src/tasks/gce/permissions.js';
import { FakeGceCompute } from '../fakes/gce-compute.js';
import { useFakeGceCompute } from './gce-harness.js';
import { cli, KEY, snapshot, tempStore } from './harness.js';

const PROJECT = 'kops-iam';
const fake = useFakeGceCompute(PROJECT);

beforeEach(() => {
  fake.permissions = undefined;
});

async function created(name: string, opts: { project?: string; zones?: string } = {}): Promise<string[]> {
  const s = tempStore();
  const r = await cli(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', opts.project ?? PROJECT, '--zones', opts.zones ?? 'us-central1-a', '--ssh-public-key', KEY, '--state', s.url]);
  expect(r.code, r.stderr).toBe(0);
  return ['--name', name, '--state', s.url];
}

const ownedBy = (safe: string): string[] =>
  ['networks', 'subnetworks', 'firewalls', 'instanceGroupManagers', 'targetPools', 'forwardingRules', 'httpHealthChecks'].flatMap((c) => fake.all(PROJECT, c).map((r) => r.name as string)).filter((n) => n.endsWith(safe));

describe('GCE operator permissions', () => {
  it('exactly the declared set runs update, re-plan and delete; every permission used is declared', async () => {
    const declared = new Set(gceOperatorPermissions());
    fake.permissions = declared;
    fake.used.clear();
    const args = await created('iam.example.com');
    const up = await cli(['update', 'cluster', '--yes', ...args]);
    expect(up.code, up.stderr).toBe(0);
    expect(ownedBy('iam-example-com').length).toBeGreaterThan(10);
    expect((await cli(['update', 'cluster', '--detailed-exitcode', ...args])).code).toBe(0);
    const del = await cli(['delete', 'cluster', '--yes', ...args]);
    expect(del.code, del.stderr).toBe(0);
    expect(ownedBy('iam-example-com')).toEqual([]);
    const undeclared = [...fake.used].filter((p) => !declared.has(p));
    expect(undeclared).toEqual([]);
    // The run used pre-flight and the kinds' creates and deletes, not only reads. (The fake's
    // operations are DONE at once, so the operations' get permissions are declared, not exercised.)
    expect([...fake.used]).toEqual(expect.arrayContaining(['compute.projects.get', 'compute.zones.get', 'compute.firewalls.create', 'compute.instanceGroupManagers.delete', 'compute.instances.delete']));
    // The per-role service accounts and the project policy: made and undone with the declared set.
    expect([...fake.used]).toEqual(expect.arrayContaining(['iam.serviceAccounts.create', 'iam.serviceAccounts.delete', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy']));
    expect(fake.iam.serviceAccounts(PROJECT)).toEqual([]);
    expect(fake.iam.policy(PROJECT).bindings.flatMap((b) => b.members).filter((m) => m.includes('iam-example-com'))).toEqual([]);
  });

  it('without iam.serviceAccounts.create the apply fails naming the permission, and makes no instance template', async () => {
    fake.permissions = new Set(gceOperatorPermissions().filter((p) => p !== 'iam.serviceAccounts.create'));
    const args = await created('nosa.example.com');
    const r = await cli(['update', 'cluster', '--yes', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PERMISSION_DENIED: Permission 'iam.serviceAccounts.create' denied on resource (or it may not exist). (ServiceAccount/control-plane-nosa-example-com)");
    expect(r.stderr).not.toContain('{"error"');
    // The templates run as the accounts: none is made without them.
    expect(fake.all(PROJECT, 'instanceTemplates').filter((t) => (t.name as string).includes('nosa-example'))).toEqual([]);
    fake.permissions = undefined;
    expect((await cli(['update', 'cluster', '--yes', ...args])).code).toBe(0);
    expect((await cli(['delete', 'cluster', '--yes', ...args])).code).toBe(0);
    expect(fake.iam.serviceAccounts(PROJECT)).toEqual([]);
  });

  it('without compute.firewalls.create the apply fails naming the permission; re-run with it finishes', async () => {
    fake.permissions = new Set(gceOperatorPermissions().filter((p) => p !== 'compute.firewalls.create'));
    const args = await created('nofw.example.com');
    const r = await cli(['update', 'cluster', '--yes', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: forbidden: Required 'compute.firewalls.create' permission for 'projects/kops-iam/global/firewalls' (HTTP 403) (FirewallRule/");
    // Google's reason and message as text, not the JSON body.
    expect(r.stderr).not.toContain('{"error"');
    expect(r.stderr).toContain('FirewallRule');
    expect(fake.all(PROJECT, 'firewalls').filter((f) => (f.name as string).endsWith('nofw-example-com'))).toEqual([]);
    fake.permissions = undefined;
    expect((await cli(['update', 'cluster', '--yes', ...args])).code).toBe(0);
    expect((await cli(['delete', 'cluster', '--yes', ...args])).code).toBe(0);
  });

  it('without compute.projects.get pre-flight stops before any change, naming the permission', async () => {
    fake.permissions = new Set(gceOperatorPermissions().filter((p) => p !== 'compute.projects.get'));
    const args = await created('noproj.example.com');
    const calls = fake.calls.length;
    const r = await cli(['update', 'cluster', '--yes', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the permission compute.projects.get');
    expect(r.stderr).toContain('nothing was changed');
    expect(fake.calls.slice(calls).every((c) => c.method === 'GET')).toBe(true);
  });
});

describe('GCE pre-flight', () => {
  it('refuses a project that does not exist, naming spec.project, and changes nothing', async () => {
    const args = await created('noproject.example.com', { project: 'no-such-project' });
    const calls = fake.calls.length;
    const r = await cli(['update', 'cluster', '--yes', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.project: project "no-such-project" does not exist');
    expect(fake.calls.slice(calls).map((c) => c.path)).toEqual(['/compute/v1/projects/no-such-project']);
  });

  it('refuses a zone that does not exist, naming the instance group field', async () => {
    const args = await created('nozone.example.com', { zones: 'us-central1-x' });
    const r = await cli(['update', 'cluster', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec.zones: zone "us-central1-x" does not exist in project kops-iam');
  });

  it('an endpoint that does not answer is reported once, as the endpoint, with nothing changed', async () => {
    const s = tempStore();
    expect((await cli(['create', 'cluster', '--name', 'down.example.com', '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--state', s.url])).code).toBe(0);
    const closed = new FakeGceCompute();
    const url = await closed.start();
    await closed.stop();
    const prev = process.env.KOPS_GCE_COMPUTE_ENDPOINT;
    process.env.KOPS_GCE_COMPUTE_ENDPOINT = url;
    try {
      const before = snapshot(s.dir);
      const down = await cli(['update', 'cluster', '--name', 'down.example.com', '--yes', '--state', s.url]);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(`the GCE Compute endpoint ${url} is unreachable (connection refused)`);
      expect(down.stderr).toContain('nothing was changed in the cloud');
      expect(down.stderr).toContain('KOPS_GCE_COMPUTE_ENDPOINT');
      expect(snapshot(s.dir)).toEqual(before);
    } finally {
      process.env.KOPS_GCE_COMPUTE_ENDPOINT = prev;
    }
  });
});
