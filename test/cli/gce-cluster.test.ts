/**
 * A GCE cluster end to end through the CLI against the fake Compute API (the real
 * `@google-cloud/compute` clients over HTTP): create, update --yes, a second update with nothing
 * to do, a machine-type change, validate, get instances and a rolling update through a fake
 * Kubernetes API whose nodes follow the fake's instances, toolbox dump, delete without and with --yes, with decoys of the
 * user's in the same project that must survive. `spec.cloudProvider: gce` chooses GCE for every
 * command; `spec.project` is where it builds (pre-flight checks it exists).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GCE_SERVICE_ACCOUNT_ROLES, gceServiceAccountId } from '../../src/model/gce/names.js';
import type { Json } from '../fakes/gce-compute.js';
import { FakeKubeApiServer, gceInstanceSource } from '../fakes/kube-apiserver.js';
import { computeRest, useFakeGceCompute, useFakeGcs } from './gce-harness.js';
import { cli, cliOk, FAST_ROLL, KEY, snapshot, tempStore } from './harness.js';

const PROJECT = 'kops-e2e';
const fake = useFakeGceCompute(PROJECT);

const names = (collection: string): string[] => fake.all(PROJECT, collection).map((r) => r.name as string).sort();
const owned = (collection: string, safe: string): string[] => names(collection).filter((n) => n === safe || n.endsWith(`-${safe}`));
const labelled = (collection: string, safe: string): Json[] =>
  fake.all(PROJECT, collection).filter((r) => ((r.labels ?? (r.properties as Json | undefined)?.labels) as Record<string, string> | undefined)?.['k8s-io-cluster-name'] === safe);

const ok = cliOk;

const rest = computeRest(fake, PROJECT);

const OTHER = 'other-example-com';

/** A user's resources in the same project: another cluster's network and firewall, two disks, a service account and its policy members (one in the role kops grants). */
async function addDecoys(zone: string): Promise<string[]> {
  fake.iam.addServiceAccount(PROJECT, 'user-robot', 'the user\'s');
  fake.iam.editPolicy(PROJECT, (b) => {
    const robot = `serviceAccount:user-robot@${PROJECT}.iam.gserviceaccount.com`;
    const agent = b.find((x) => x.role === 'roles/container.serviceAgent' && !x.condition);
    agent!.members.push(robot);
    b.push({ role: 'roles/viewer', members: [robot] });
  });
  await rest('POST', 'global/networks', { name: OTHER, autoCreateSubnetworks: false });
  await rest('POST', 'global/firewalls', {
    name: `node-to-node-${OTHER}`,
    network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${OTHER}`,
    allowed: [{ IPProtocol: 'tcp' }],
    sourceTags: [`${OTHER}-k8s-io-role-node`],
    targetTags: [`${OTHER}-k8s-io-role-node`],
  });
  await rest('POST', `zones/${zone}/disks`, { name: 'user-unlabelled-disk', sizeGb: '10' });
  await rest('POST', `zones/${zone}/disks`, { name: 'other-cluster-disk', sizeGb: '10', labels: { 'k8s-io-cluster-name': OTHER } });
  return ['networks', 'firewalls', 'disks'].flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${r.name as string}`)).filter((n) => /other|user-unlabelled/.test(n)).sort();
}

const decoysLeft = (): string[] =>
  ['networks', 'firewalls', 'disks'].flatMap((c) => fake.all(PROJECT, c).map((r) => `${c}/${r.name as string}`)).filter((n) => /other|user-unlabelled/.test(n)).sort();
const robotLeft = (): string[] => [
  ...fake.iam.serviceAccounts(PROJECT).map((a) => a.email as string).filter((e) => e.startsWith('user-robot@')),
  ...fake.iam.policy(PROJECT).bindings.filter((b) => b.members.includes(`serviceAccount:user-robot@${PROJECT}.iam.gserviceaccount.com`)).map((b) => b.role),
].sort();

/** The emails kops gives the cluster's role accounts (the safe name gives the same ids as the cluster name). */
const clusterEmails = (safe: string): string[] => GCE_SERVICE_ACCOUNT_ROLES.map((r) => `${gceServiceAccountId(r, safe)}@${PROJECT}.iam.gserviceaccount.com`);
const accountsOf = (safe: string): string[] => fake.iam.serviceAccounts(PROJECT).map((a) => a.email as string).filter((e) => clusterEmails(safe).includes(e)).sort();
/** Members of the project's policy that are the cluster's accounts (also as IAM's `deleted:` form), as `role member`. */
const membersOf = (safe: string): string[] =>
  fake.iam.policy(PROJECT).bindings.flatMap((b) => b.members.filter((m) => clusterEmails(safe).includes(m.replace(/^(deleted:)?serviceAccount:/, '').replace(/\?uid=\d+$/, ''))).map((m) => `${b.role} ${m}`)).sort();

/** Whatever of the cluster is left in the project: owned names, labelled resources, service accounts and their policy members. */
function leftOf(safe: string): string[] {
  const byName = ['networks', 'subnetworks', 'firewalls', 'httpHealthChecks', 'targetPools', 'forwardingRules', 'addresses', 'instanceGroupManagers'].flatMap((c) => owned(c, safe).map((n) => `${c}/${n}`));
  const byLabel = ['disks', 'instances', 'instanceTemplates', 'addresses', 'forwardingRules'].flatMap((c) => labelled(c, safe).map((r) => `${c}/${r.name as string}`));
  const iam = [...accountsOf(safe).map((e) => `serviceAccounts/${e}`), ...membersOf(safe).map((m) => `policy/${m}`)];
  return [...new Set([...byName, ...byLabel, ...iam])].sort();
}

interface Cluster {
  readonly name: string;
  readonly safe: string;
  readonly zones: string;
  readonly extra: readonly string[];
}

function suite(c: Cluster, expectMigs: number, expectDisks: number): void {
  describe(`GCE cluster ${c.name} through the CLI`, () => {
    const s = tempStore();
    const state = ['--state', s.url];

    it('create + update --yes builds it; a second update plans no changes', async () => {
      await ok(['create', 'cluster', '--name', c.name, '--cloud', 'gce', '--project', PROJECT, '--zones', c.zones, '--ssh-public-key', KEY, ...c.extra, ...state]);
      const preview = await cli(['update', 'cluster', '--name', c.name, '--detailed-exitcode', ...state]);
      expect(preview.code).toBe(2);
      expect(owned('networks', c.safe)).toEqual([]);
      const applied = await cli(['update', 'cluster', '--name', c.name, '--yes', ...state]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain('a gs:// store only');
      // The kubeconfig is exported with the API load balancer's static address as the server.
      const apiIp = fake.all(PROJECT, 'addresses').find((a) => a.name === `api-${c.safe}`)?.address as string;
      expect(applied.stdout, applied.stderr).toContain(`kops-ts has set your kubectl context to ${c.name} (https://${apiIp})`);
      expect(applied.stderr).not.toContain('not exported');
      expect(owned('networks', c.safe)).toEqual([c.safe]);
      expect(owned('instanceGroupManagers', c.safe)).toHaveLength(expectMigs);
      expect(labelled('disks', c.safe)).toHaveLength(expectDisks);
      expect(labelled('instances', c.safe).length).toBeGreaterThanOrEqual(expectMigs);
      // kops's per-role service accounts, the control plane's in roles/container.serviceAgent, and
      // every template running as its role's account.
      const sas = fake.iam.serviceAccounts(PROJECT).filter((a) => accountsOf(c.safe).includes(a.email as string));
      expect(sas.map((a) => [a.displayName, a.description]).sort()).toEqual([['control-plane', 'kubernetes control-plane instances'], ['node', 'kubernetes worker nodes']]);
      const cp = sas.find((a) => a.displayName === 'control-plane')!.email as string;
      const node = sas.find((a) => a.displayName === 'node')!.email as string;
      expect(cp).toBe(`${gceServiceAccountId('control-plane', c.safe)}@${PROJECT}.iam.gserviceaccount.com`);
      expect(cp).toMatch(new RegExp(`^[a-z][-a-z0-9]{4,28}[a-z0-9]@${PROJECT}\\.iam\\.gserviceaccount\\.com$`));
      expect(membersOf(c.safe)).toEqual([`roles/container.serviceAgent serviceAccount:${cp}`]);
      for (const t of labelled('instanceTemplates', c.safe)) {
        const props = t.properties as { labels: Record<string, string>; serviceAccounts: { email: string }[] };
        expect(props.serviceAccounts[0]?.email, t.name as string).toBe('k8s-io-role-control-plane' in props.labels ? cp : node);
      }
      // The bootstrap files GCE instances read, with the API address from the Address task.
      const files = Object.keys(snapshot(s.dir));
      expect(files.some((f) => f.startsWith(`${c.name}/igconfig/`))).toBe(true);
      // Its first Compute read finds its kept-alive connection closed (reset): it is sent again.
      const resets = fake.resetCalls.length;
      fake.resetRequest((call) => call.method === 'GET' && call.path.startsWith('/compute/'));
      const again = await cli(['update', 'cluster', '--name', c.name, ...state]);
      expect(again.code, again.stderr).toBe(0);
      expect(fake.resetCalls.length).toBe(resets + 1);
      expect(again.stdout).toContain('No changes need to be applied');
      expect(await cli(['update', 'cluster', '--name', c.name, '--detailed-exitcode', ...state]).then((r) => `${r.code} ${r.stderr}`)).toBe('0 ');
    });

    it('a machine-type change modifies only the instance template and its MIG; the old template goes', async () => {
      const ig = `nodes-${c.zones.split(',')[0]}`;
      const migsBefore = fake.all(PROJECT, 'instanceGroupManagers').map((m) => [m.name, m.instanceTemplate]);
      const templatesBefore = labelled('instanceTemplates', c.safe).map((t) => t.name as string).sort();
      await ok(['edit', 'ig', ig, '--name', c.name, ...state], {
        editor: (path) => {
          const text = readFileSync(path, 'utf8');
          if (!text.includes('machineType: e2-medium')) throw new Error(`no machineType in ${text}`);
          writeFileSync(path, text.replace('machineType: e2-medium', 'machineType: e2-standard-4'));
          return 0;
        },
      });
      const plan = JSON.parse(await ok(['update', 'cluster', '--name', c.name, '-o', 'json', ...state])) as { changes: { kind: string; name: string; action: string }[] };
      const changed = plan.changes.map((x) => `${x.kind} ${x.action}`).sort();
      const template = labelled('instanceTemplates', c.safe).find((t) => (t.properties as Json).labels && ((t.properties as Json).labels as Record<string, string>)['k8s-io-instance-group'] === ig)!;
      const mig = structuredClone(fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.baseInstanceName === ig)!);
      // The new template is created and the MIG switched; the old one (now unused) deleted.
      expect(changed).toEqual(['InstanceGroupManager update', 'InstanceTemplate create', 'InstanceTemplate delete']);
      expect(plan.changes.filter((x) => x.kind === 'InstanceGroupManager').map((x) => x.name)).toEqual([mig.name]);
      await ok(['update', 'cluster', '--name', c.name, '--yes', ...state]);
      const after = fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.name === mig.name)!;
      expect(after.instanceTemplate).not.toBe(mig.instanceTemplate);
      const newTemplate = labelled('instanceTemplates', c.safe).find((t) => after.instanceTemplate === t.selfLink)!;
      expect(((newTemplate.properties as Json).machineType as string)).toBe('e2-standard-4');
      const templatesAfter = labelled('instanceTemplates', c.safe).map((t) => t.name as string).sort();
      expect(templatesAfter).not.toContain(template.name);
      expect(templatesAfter).toHaveLength(templatesBefore.length);
      // Every other MIG kept its template.
      for (const [name, tpl] of migsBefore) if (name !== mig.name) expect(fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.name === name)?.instanceTemplate).toBe(tpl);
      expect(await cli(['update', 'cluster', '--name', c.name, '--detailed-exitcode', ...state]).then((r) => `${r.code} ${r.stderr}`)).toBe('0 ');
    });

    it('validate, get instances and rolling-update --yes replace the changed group\'s instances through the MIGs', async () => {
      const ig = `nodes-${c.zones.split(',')[0]}`;
      const kube = await FakeKubeApiServer.start({ instances: gceInstanceSource(fake, PROJECT) });
      try {
        const dir = mkdtempSync(join(tmpdir(), 'kops-ts-gce-roll-'));
        const env = { KUBECONFIG: join(dir, 'config') };
        writeFileSync(env.KUBECONFIG, kube.kubeconfig(c.name), { mode: 0o600 });
        // GCE recreates a MIG's member under its name: an instance is told apart by its id.
        const idOf = (i: Json) => `${String(i.name)}#${String(i.id)} ${String(i.machineType).split('/').pop()}`;
        const inGroup = () => labelled('instances', c.safe).filter((i) => (i.labels as Record<string, string>)['k8s-io-instance-group'] === ig);
        const before = inGroup().map(idOf).sort();
        const others = labelled('instances', c.safe).map(idOf).filter((n) => !before.includes(n)).sort();
        expect(before.length).toBeGreaterThan(0);
        const valid = await cli(['validate', 'cluster', '--name', c.name, ...state], { env });
        expect(valid.code, valid.stderr).toBe(0);
        expect(valid.stdout).toContain(`Your cluster ${c.name} is ready`);
        // The groups are read through the roll's clients, which also send a reset read again.
        const resets = fake.resetCalls.length;
        fake.resetRequest((call) => call.method === 'GET' && call.path.startsWith('/compute/'));
        const listed = await cli(['get', 'instances', '--name', c.name, ...state], { env });
        expect(listed.code, listed.stderr).toBe(0);
        expect(fake.resetCalls.length).toBe(resets + 1);
        for (const i of inGroup()) expect(listed.stdout).toMatch(new RegExp(`^${String(i.name)}\\s.*NeedsUpdate`, 'm'));
        expect(before.every((n) => n.endsWith(' e2-medium'))).toBe(true);
        const preview = await cli(['rolling-update', 'cluster', '--name', c.name, ...state], { env });
        expect(preview.code, preview.stderr).toBe(0);
        expect(preview.stdout).toMatch(new RegExp(`^${ig}\\s+NeedsUpdate\\s+${before.length}\\s`, 'm'));
        const roll = await cli(['rolling-update', 'cluster', '--name', c.name, '--yes', ...FAST_ROLL, ...state], { env });
        expect(roll.code, roll.stderr).toBe(0);
        const after = inGroup().map(idOf).sort();
        // Each old instance replaced once by the MIG from the new template; no other group touched.
        expect(after).toHaveLength(before.length);
        expect(after.filter((n) => before.includes(n))).toEqual([]);
        expect(after.every((n) => n.endsWith(' e2-standard-4'))).toBe(true);
        expect(labelled('instances', c.safe).map(idOf).filter((n) => !after.includes(n)).sort()).toEqual(others);
        const again = await cli(['rolling-update', 'cluster', '--name', c.name, ...state], { env });
        expect(again.stdout).toContain('No rolling-update required.');
        expect((await cli(['validate', 'cluster', '--name', c.name, ...state], { env })).code).toBe(0);
      } finally {
        await kube.close();
      }
    });

    it('toolbox dump -o json shows the GCE resources, no startup script', async () => {
      const r = await cli(['toolbox', 'dump', '--name', c.name, '-o', 'json', ...state]);
      expect(r.code).toBe(0);
      const dump = JSON.parse(r.stdout) as { region: string; instances: { id: string }[]; resources: { type: string }[]; autoscalingGroups: { name: string }[]; etcdVolumes: { etcdCluster?: string; etcdMember?: string }[]; subnets: { cidr: string }[]; securityGroups: unknown[] };
      expect(dump.region).toBe('us-central1');
      expect(dump.autoscalingGroups.map((g) => g.name).sort()).toEqual(owned('instanceGroupManagers', c.safe));
      expect(dump.etcdVolumes).toHaveLength(expectDisks);
      expect(new Set(dump.etcdVolumes.map((v) => v.etcdCluster))).toEqual(new Set(['main']));
      expect(dump.etcdVolumes.every((v) => /^[a-z]$/.test(v.etcdMember ?? ''))).toBe(true);
      expect(dump.subnets.length).toBe(1);
      expect(new Set(dump.resources.map((x) => x.type))).toContain('InstanceGroupManager');
      // The per-role accounts and the control plane's project binding, as kops's resource types.
      expect(dump.resources.filter((x) => x.type === 'ServiceAccount').length).toBe(2);
      expect(dump.resources.filter((x) => x.type === 'ProjectIAMBinding').length).toBe(1);
      expect(r.stdout).not.toContain('startup-script');
      // The instances the MIGs run, read through the rolling update's view of the groups.
      const running = labelled('instances', c.safe).map((i) => String(i.name)).sort();
      expect(running.length).toBeGreaterThan(0);
      expect(dump.instances.map((i) => i.id).sort()).toEqual(running);
      expect(r.stderr).toBe('');
    });

    it('delete cluster without --yes lists, changes nothing; a user\'s firewall in the network blocks it, named', async () => {
      const decoys = await addDecoys(c.zones.split(',')[0]!);
      expect(decoys).toHaveLength(4);
      expect(robotLeft()).toEqual(['roles/container.serviceAgent', 'roles/viewer', `user-robot@${PROJECT}.iam.gserviceaccount.com`]);
      // An account kops names for this cluster that no task describes (a bastion group since
      // removed): update leaves it (instances may still run as it, as kops's update does);
      // delete cluster sweeps it.
      const bastion = gceServiceAccountId('bastion', c.safe);
      fake.iam.addServiceAccount(PROJECT, bastion, 'bastion', 'bastion nodes');
      const plan = JSON.parse(await ok(['update', 'cluster', '--name', c.name, '-o', 'json', ...state])) as { changes: { kind: string; action: string }[] };
      expect(plan.changes.filter((x) => x.kind === 'ServiceAccount' || x.kind === 'ProjectIAMBinding')).toEqual([]);
      const before = leftOf(c.safe);
      expect(before).toContain(`serviceAccounts/${bastion}@${PROJECT}.iam.gserviceaccount.com`);
      const calls = fake.calls.length;
      const list = await ok(['delete', 'cluster', '--name', c.name, ...state]);
      expect(list).toContain('Must specify --yes to delete cluster');
      expect(list).toMatch(/InstanceGroupManager\s/);
      expect(list).toMatch(/FirewallRule\s/);
      expect(list).toMatch(/\bInstance\s/);
      expect(list).not.toContain(OTHER);
      expect(list).not.toContain('user-unlabelled-disk');
      // Reads only (Resource Manager's getIamPolicy is a POST).
      expect(fake.calls.slice(calls).filter((x) => !(x.method === 'GET' || x.path.endsWith('/listManagedInstances') || x.path.endsWith(':getIamPolicy')))).toEqual([]);
      expect(list).toMatch(/ServiceAccount\s/);
      expect(list).toMatch(/ProjectIAMBinding\s/);
      expect(list).not.toContain('user-robot');
      expect(list).toContain(bastion);
      expect(leftOf(c.safe)).toEqual(before);

      // An instance a rolling update's surge abandoned (out of its MIG, still labelled) goes too.
      const zone = c.zones.split(',')[0]!;
      const nodesMig = fake.all(PROJECT, 'instanceGroupManagers').find((m) => m.baseInstanceName === `nodes-${zone}`)!;
      const member = labelled('instances', c.safe).find((i) => (i.name as string).startsWith(`nodes-${zone}-`))!;
      await rest('POST', `zones/${zone}/instanceGroupManagers/${nodesMig.name as string}/abandonInstances`, { instances: [member.selfLink] });
      expect(labelled('instances', c.safe).map((i) => i.name)).toContain(member.name);
      await rest('POST', 'global/firewalls', { name: 'user-ssh', network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/${c.safe}`, allowed: [{ IPProtocol: 'tcp', ports: ['22'] }], sourceRanges: ['0.0.0.0/0'] });
      const blocked = await cli(['delete', 'cluster', '--name', c.name, '--yes', '--count', '1', '--interval', '1ms', ...state]);
      expect(blocked.code, blocked.stderr).toBe(1);
      expect(blocked.stderr).toContain(`Network ${c.safe}: it is used by FirewallRule projects/${PROJECT}/global/firewalls/user-ssh`);
      expect(leftOf(c.safe)).toEqual([`networks/${c.safe}`]);
      await rest('DELETE', 'global/firewalls/user-ssh');

      await ok(['delete', 'cluster', '--name', c.name, '--yes', ...state]);
      expect(leftOf(c.safe)).toEqual([]);
      expect(decoysLeft()).toEqual(decoys);
      // The user's account and its members (also in the role the cluster's account had) survive.
      expect(robotLeft()).toEqual(['roles/container.serviceAgent', 'roles/viewer', `user-robot@${PROJECT}.iam.gserviceaccount.com`]);
      await fetch(`${fake.endpoint}/v1/projects/${PROJECT}/serviceAccounts/user-robot@${PROJECT}.iam.gserviceaccount.com`, { method: 'DELETE' });
      fake.iam.editPolicy(PROJECT, (b) => b.splice(0, b.length, ...b.filter((x) => x.role === 'roles/owner')));
      for (const d of decoys) {
        const [coll, n] = d.split('/') as [string, string];
        if (coll === 'disks') await rest('DELETE', `zones/${c.zones.split(',')[0]!}/disks/${n}`);
        if (coll === 'firewalls') await rest('DELETE', `global/firewalls/${n}`);
      }
      await rest('DELETE', `global/networks/${OTHER}`);
    });
  });
}

suite({ name: 'minimal-gce.example.com', safe: 'minimal-gce-example-com', zones: 'us-central1-a', extra: [] }, 2, 1);
suite({ name: 'ha-gce.example.com', safe: 'ha-gce-example-com', zones: 'us-central1-a,us-central1-b,us-central1-c', extra: ['--control-plane-count', '3'] }, 6, 3);

describe('a GCE cluster with its state in a gs:// bucket (the fake GCS)', () => {
  const gcs = useFakeGcs();
  let env: Record<string, string>;
  beforeAll(() => {
    env = { STORAGE_EMULATOR_HOST: gcs.endpoint };
    gcs.createBucket('kops-state');
  });

  it('update --yes builds it, the templates name the bucket, the bootstrap files land in it; delete empties the project', async () => {
    const state = ['--state', 'gs://kops-state/clusters'];
    const name = 'gs-gce.example.com';
    await ok(['create', 'cluster', '--name', name, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-b', ...state], { env });
    await ok(['update', 'cluster', '--name', name, '--yes', ...state], { env });
    const templates = labelled('instanceTemplates', 'gs-gce-example-com');
    expect(templates).toHaveLength(2);
    for (const t of templates) {
      const items = ((t.properties as Json).metadata as { items: { key: string; value: string }[] }).items;
      const script = items.find((i) => i.key === 'startup-script')?.value ?? '';
      expect(script).toContain('kops-state');
      expect(script).toContain('clusters');
    }
    const keys = gcs.names('kops-state');
    expect(keys).toContain(`clusters/${name}/config`);
    expect(keys.some((k) => k.startsWith(`clusters/${name}/igconfig/`))).toBe(true);
    expect(keys.some((k) => k.includes('bootstrap.env'))).toBe(true);
    // The nodes join the API at the API load balancer's static address (the Address task's IP).
    const ip = fake.all(PROJECT, 'addresses').find((a) => a.name === 'api-gs-gce-example-com')?.address as string;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const igconfig = keys.filter((k) => k.startsWith(`clusters/${name}/igconfig/`)).map((k) => gcs.object('kops-state', k)!.data.toString('utf8'));
    expect(igconfig.some((text) => text.includes(ip))).toBe(true);
    // The instances read the store as their role's account: conditional grants on the cluster's prefixes (test/cli/gce-state-bucket.test.ts has the rest).
    const grants = () =>
      gcs.iamPolicy('kops-state').bindings.flatMap((b) => b.members.filter((m) => clusterEmails('gs-gce-example-com').some((e) => m.includes(e))).map((m) => `${b.role} ${m} ${b.condition?.title ?? '(whole bucket)'}`)).sort();
    const cp = `serviceAccount:${gceServiceAccountId('control-plane', 'gs-gce-example-com')}@${PROJECT}.iam.gserviceaccount.com`;
    expect(grants()).toEqual([
      `roles/storage.objectAdmin ${cp} kops-ts: control plane keeps etcd backups`,
      `roles/storage.objectViewer ${cp} kops-ts: control plane reads its cluster`,
      `roles/storage.objectViewer serviceAccount:node-gs-gce-example-com@${PROJECT}.iam.gserviceaccount.com kops-ts: nodes read their join files`,
    ]);
    expect(await cli(['update', 'cluster', '--name', name, '--detailed-exitcode', ...state], { env }).then((r) => `${r.code} ${r.stderr}`)).toBe('0 ');
    await ok(['delete', 'cluster', '--name', name, '--yes', ...state], { env });
    expect(grants()).toEqual([]);
    expect(gcs.iamPolicy('kops-state').bindings.map((b) => b.role)).toEqual(['roles/storage.legacyBucketOwner', 'roles/storage.legacyBucketReader']);
    expect(leftOf('gs-gce-example-com')).toEqual([]);
    expect(gcs.names('kops-state').filter((k) => k.startsWith(`clusters/${name}/`))).toEqual([]);
  });
});
