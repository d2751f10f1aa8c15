/**
 * The GCE model builders: a minimal and an HA (3 zones) cluster as `create cluster --cloud gce`
 * writes them, completed, turned into tasks. The task list is a golden file (test/model/gce/golden,
 * `UPDATE_GOLDEN=1` rewrites it); the rest are properties kops's GCE model has.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { newCluster, type NewClusterOptions } from '../../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../../src/model/completion.js';
import type { Cluster, InstanceGroup } from '../../../src/model/api/types.js';
import { buildGceTasks } from '../../../src/model/gce/index.js';
import { GCE_NAME_PATTERN, instanceTemplatePrefix } from '../../../src/model/gce/names.js';
import { gceStartupScript } from '../../../src/model/gce/startup-script.js';
import { GCE_LABEL_VALUE } from '../../../src/model/gce/labels.js';
import { buildGraph } from '../../../src/tasks/graph.js';
import { isRef, ref, taskKey, type Task } from '../../../src/tasks/types.js';
import {
  GCE_KINDS, type GceDiskDesired, type GceFirewallRuleDesired, type GceInstanceGroupManagerDesired, type GceInstanceTemplateDesired, type GceProjectIamBindingDesired, type GceServiceAccountDesired, type GceStorageBucketIamDesired, type GceSubnetDesired,
} from '../../../src/tasks/gce/types.js';
import { sshPublicKeyFingerprint } from '../../../src/statestore/ssh.js';
import { expectGolden } from '../../helpers/golden.js';
import { ED25519_KEY } from '../../statestore/fixtures.js';

const KEY = readFileSync(new URL('../../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const KEYS = [{ key: KEY, fingerprint: sshPublicKeyFingerprint(KEY) }];
const GOLDEN = new URL('./golden/', import.meta.url);

const REFERENCE: Readonly<Record<string, NewClusterOptions>> = {
  minimal: { name: 'minimal.example.com', zones: ['us-central1-a'], project: 'my-project' },
  ha: { name: 'ha.example.com', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'], controlPlaneCount: 3, project: 'my-project' },
};

function completed(opts: NewClusterOptions): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  const built = newCluster(opts);
  return completeCluster(built.cluster, built.instanceGroups);
}

function tasksOf(opts: NewClusterOptions, edit?: (c: Cluster, igs: InstanceGroup[]) => void): Task[] {
  const c = completed(opts);
  edit?.(c.cluster, c.instanceGroups);
  return buildGceTasks({ ...c, sshPublicKeys: KEYS, stateStore: { bucket: 'state-bucket', prefix: '' } });
}

function ofKind<D>(tasks: readonly Task[], kind: string): Task<D>[] {
  return tasks.filter((t) => t.kind === kind) as Task<D>[];
}

function byName<D>(tasks: readonly Task[], kind: string, name: string): D {
  const t = tasks.find((x) => x.kind === kind && x.name === name);
  if (!t) throw new Error(`no ${kind}/${name} among ${tasks.map((x) => taskKey(x.kind, x.name)).join(', ')}`);
  return t.desired as D;
}

/** One line per task, refs as `<kind/name.output>`, the bootstrap script by its first lines only. */
function render(tasks: readonly Task[]): string {
  const replacer = (_k: string, v: unknown) => {
    if (isRef(v)) return `<${v.kind}/${v.name}.${v.output}>`;
    if (typeof v === 'string' && v.startsWith('#!/bin/bash')) return `${v.split('\n').slice(0, 2).join(' | ')} | ...`;
    return v;
  };
  return `${tasks.map((t) => `${taskKey(t.kind, t.name)}${t.shared ? ' (shared)' : ''}\n  ${JSON.stringify(t.desired, replacer)}`).join('\n')}\n`;
}

/** Every string naming a GCE resource in a task's desired state. */
function namesIn(t: Task): string[] {
  const d = t.desired as Record<string, unknown>;
  return [t.kind === GCE_KINDS.instanceTemplate ? (d['namePrefix'] as string) : t.name, ...(typeof d['name'] === 'string' ? [d['name']] : [])];
}

describe.each(Object.entries(REFERENCE))('GCE model of the %s cluster', (id, opts) => {
  const tasks = tasksOf(opts);

  it('matches its golden task list', () => {
    expectGolden(GOLDEN, `${id}.tasks.txt`, render(tasks));
  });

  it('refers only to tasks that exist, without cycles (a complete TaskGraph)', () => {
    const graph = buildGraph(tasks);
    expect(graph).toBeDefined();
    for (const t of tasks) expect(t.kind, `${t.kind} is a GCE kind`).toBeOneOf(Object.values(GCE_KINDS));
  });

  it('gives every resource a valid GCE name of at most 63 characters, and every label a valid key and value', () => {
    for (const t of tasks) {
      for (const n of namesIn(t)) expect(n, `${t.kind}/${t.name}`).toMatch(GCE_NAME_PATTERN);
      if (t.kind === GCE_KINDS.instanceTemplate) expect((t.desired as GceInstanceTemplateDesired).namePrefix.length).toBeLessThanOrEqual(32);
      const d = t.desired as { labels?: Record<string, string> };
      const labels = t.kind === GCE_KINDS.instanceTemplate ? (t.desired as GceInstanceTemplateDesired).labels : d.labels;
      for (const [k, v] of Object.entries(labels ?? {})) {
        expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
        expect(v, `${t.kind}/${t.name} label ${k}`).toMatch(GCE_LABEL_VALUE);
      }
    }
  });

  it('labels every labelled resource with the cluster, and instances with their role and group', () => {
    const safe = opts.name.replaceAll('.', '-');
    for (const t of [...ofKind<GceDiskDesired>(tasks, GCE_KINDS.disk)]) expect(t.desired.labels['k8s-io-cluster-name']).toBe(safe);
    for (const t of ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate)) {
      const l = t.desired.labels;
      expect(l['k8s-io-cluster-name']).toBe(safe);
      expect(l['k8s-io-instance-group']).toBe(t.desired.metadata['kops-k8s-io-instance-group-name']);
      const cp = t.desired.tags.includes(`${safe}-k8s-io-role-control-plane`);
      expect(cp ? [l['k8s-io-role-control-plane'], l['k8s-io-role-master']] : [l['k8s-io-role-node']]).toEqual(cp ? ['control-plane', 'master'] : ['node']);
    }
  });

  it('makes one MIG per group and zone, targetSize the split minSize, control planes in the API target pool', () => {
    const c = completed(opts);
    const migs = ofKind<GceInstanceGroupManagerDesired>(tasks, GCE_KINDS.instanceGroupManager);
    expect(migs).toHaveLength(c.instanceGroups.reduce((n, g) => n + (g.spec.zones ?? []).length, 0));
    for (const g of c.instanceGroups) {
      const mine = migs.filter((m) => m.desired.baseInstanceName === g.metadata.name);
      expect(mine.reduce((n, m) => n + m.desired.targetSize, 0)).toBe(g.spec.minSize);
      for (const m of mine) {
        expect(m.name).toBe(`${m.desired.zone.slice(-1)}-${g.metadata.name}-${opts.name.replaceAll('.', '-')}`);
        const isCp = g.spec.role === 'Master';
        expect(m.desired.targetPools?.map((p) => (isRef(p) ? `${p.kind}/${p.name}` : p))).toEqual(isCp ? [`TargetPool/api-${opts.name.replaceAll('.', '-')}`] : undefined);
      }
    }
  });

  it('puts one pd-ssd etcd disk per member and etcd cluster in its member\'s zone', () => {
    const c = completed(opts);
    const disks = ofKind<GceDiskDesired>(tasks, GCE_KINDS.disk);
    const members = (c.cluster.spec.etcdClusters ?? []).flatMap((e) => e.etcdMembers.map((m) => ({ etcd: e.name, ...m })));
    expect(disks).toHaveLength(members.length);
    for (const m of members) {
      const d = byName<GceDiskDesired>(tasks, GCE_KINDS.disk, `${m.name}-etcd-${m.etcd}-${opts.name.replaceAll('.', '-')}`);
      const ig = c.instanceGroups.find((g) => g.metadata.name === m.instanceGroup);
      expect([d.zone, d.type, d.sizeGb, d.labels[`k8s-io-etcd-${m.etcd}`], d.labels['k8s-io-role-master']]).toEqual([ig?.spec.zones?.[0], 'pd-ssd', 20, `${m.name}-2f${m.name}`, 'master']);
    }
  });
});

describe('GCE firewall rules, as kops makes them', () => {
  const tasks = tasksOf(REFERENCE['minimal']!);
  const rule = (id: string) => byName<GceFirewallRuleDesired>(tasks, GCE_KINDS.firewallRule, `${id}-minimal-example-com`);
  const tag = (role: string) => `minimal-example-com-k8s-io-role-${role}`;

  it('lets nodes talk to nodes and control planes to everything on every protocol, nodes to control planes on their ports only', () => {
    const all = ['tcp', 'udp', 'icmp', 'esp', 'ah', 'sctp'];
    expect(rule('node-to-node')).toMatchObject({ sourceTags: [tag('node')], targetTags: [tag('node')] });
    expect(rule('node-to-node').allowed.map((a) => a.protocol)).toEqual(all);
    expect(rule('master-to-node')).toMatchObject({ sourceTags: [tag('control-plane'), tag('master')], targetTags: [tag('node')] });
    expect(rule('master-to-master').targetTags).toEqual([tag('control-plane'), tag('master')]);
    const toMaster = rule('node-to-master');
    expect(toMaster.sourceTags).toEqual([tag('node')]);
    // kube-apiserver, kubelet, kops-controller, metrics ports; cilium's VXLAN (the default networking).
    expect(toMaster.allowed.map((a) => `${a.protocol}:${a.ports?.join(',') ?? ''}`)).toEqual([
      'tcp:443', 'tcp:10250', 'tcp:3988', 'tcp:10257', 'tcp:10259', 'tcp:10249', 'tcp:2382', 'tcp:2384', 'tcp:9100', 'udp:8472',
    ]);
  });

  it('opens SSH and the API to the spec\'s ranges (IPv4 and IPv6 rules apart), health checks from Google\'s ranges', () => {
    expect(rule('ssh-external-to-node')).toMatchObject({ sourceRanges: ['0.0.0.0/0'], targetTags: [tag('node')], allowed: [{ protocol: 'tcp', ports: ['22'] }] });
    expect(rule('ssh-external-to-node-ipv6').sourceRanges).toEqual(['::/0']);
    expect(rule('https-api')).toMatchObject({ sourceRanges: ['0.0.0.0/0'], targetTags: [tag('control-plane')], allowed: [{ protocol: 'tcp', ports: ['443'] }] });
    expect(rule('lb-health-checks')).toMatchObject({ sourceRanges: ['35.191.0.0/16', '130.211.0.0/22'], targetTags: [tag('control-plane')], allowed: [{ protocol: 'tcp' }] });
    // No node-port access unless asked, no pod-range rule with cilium (not IP alias or kubenet).
    expect(ofKind(tasks, GCE_KINDS.firewallRule).map((t) => t.name).filter((n) => n.startsWith('nodeport') || n.startsWith('pod-cidrs'))).toEqual([]);
  });

  it("runs a group with gcpProvisioningModel SPOT as Spot VMs (preemptible too, as kops does) and leaves the others' templates, names included, as they were", () => {
    const plain = tasksOf(REFERENCE['minimal']!);
    const spot = tasksOf(REFERENCE['minimal']!, (_c, igs) => {
      const nodes = igs.find((g) => g.spec.role === 'Node')!;
      nodes.spec.gcpProvisioningModel = 'SPOT';
      igs.find((g) => g.spec.role !== 'Node')!.spec.gcpProvisioningModel = 'STANDARD';
    });
    const templates = (ts: readonly Task[]) => ofKind<GceInstanceTemplateDesired>(ts, GCE_KINDS.instanceTemplate);
    const node = (ts: readonly Task[]) => templates(ts).find((x) => x.desired.labels['k8s-io-instance-group']?.startsWith('nodes'))!.desired;
    const other = (ts: readonly Task[]) => templates(ts).find((x) => !x.desired.labels['k8s-io-instance-group']?.startsWith('nodes'))!.desired;
    expect(node(spot)).toMatchObject({ preemptible: true, provisioningModel: 'SPOT' });
    expect(node(plain).provisioningModel).toBeUndefined();
    expect(node(plain).preemptible).toBeUndefined();
    expect(other(spot)).toEqual(other(plain));
  });

  it('follows the spec: restricted SSH and API ranges, node ports when asked, pod ranges under IP alias, SSH through a bastion', () => {
    const t = tasksOf(REFERENCE['minimal']!, (c, igs) => {
      c.spec.sshAccess = ['203.0.113.0/24'];
      c.spec.kubernetesApiAccess = ['198.51.100.7/32'];
      c.spec.nodePortAccess = ['192.0.2.0/24'];
      c.spec.networking = { gce: {} } as Cluster['spec']['networking'];
      c.spec.podCIDR = '10.4.0.0/14';
      igs.push({ ...igs[0]!, metadata: { name: 'bastions' }, spec: { ...igs[0]!.spec, role: 'Bastion' } });
    });
    const r = (id: string) => byName<GceFirewallRuleDesired>(t, GCE_KINDS.firewallRule, `${id}-minimal-example-com`);
    const names = ofKind(t, GCE_KINDS.firewallRule).map((x) => x.name);
    expect(r('ssh-external-to-bastion')).toMatchObject({ sourceRanges: ['203.0.113.0/24'], targetTags: [tag('bastion')] });
    expect(r('bastion-to-node-ssh')).toMatchObject({ sourceTags: [tag('bastion')], targetTags: [tag('node')] });
    expect(names).not.toContain('ssh-external-to-node-minimal-example-com');
    expect(names.filter((n) => n.includes('-ipv6-'))).toEqual([]);
    expect(r('https-api').sourceRanges).toEqual(['198.51.100.7/32']);
    expect(r('nodeport-external-to-node')).toMatchObject({ sourceRanges: ['192.0.2.0/24'], allowed: [{ protocol: 'tcp', ports: ['30000-32767'] }, { protocol: 'udp', ports: ['30000-32767'] }] });
    expect(r('pod-cidrs-to-node')).toMatchObject({ sourceRanges: ['10.4.0.0/14'], targetTags: [tag('node')] });
    expect(r('pod-cidrs-to-https-api').sourceRanges).toEqual(['10.4.0.0/14']);
    // The node ports follow kubeAPIServer.serviceNodePortRange, as kops's do.
    const ranged = tasksOf(REFERENCE['minimal']!, (c) => {
      c.spec.nodePortAccess = ['192.0.2.0/24'];
      (c.spec as Record<string, unknown>).kubeAPIServer = { serviceNodePortRange: '31000+999' };
    });
    expect(byName<GceFirewallRuleDesired>(ranged, GCE_KINDS.firewallRule, 'nodeport-external-to-node-minimal-example-com').allowed).toEqual([{ protocol: 'tcp', ports: ['31000-31999'] }, { protocol: 'udp', ports: ['31000-31999'] }]);
    // IP alias: no IP forwarding, the subnet carries the pods' and services' ranges.
    expect(ofKind<GceInstanceTemplateDesired>(t, GCE_KINDS.instanceTemplate).every((x) => !x.desired.canIpForward)).toBe(true);
    const subnet = ofKind<GceSubnetDesired>(t, GCE_KINDS.subnet)[0]!.desired;
    expect(Object.keys(subnet.secondaryRanges ?? {})).toEqual(['pods-minimal-example-com', 'services-minimal-example-com']);
  });
});

describe('a cluster whose name is longer than a GCE name', () => {
  it('still gets valid, distinct names and label values, and a complete graph', () => {
    const name = 'a-rather-long-cluster-name-for-the-platform-team.europe-west.k8s.example.company.com';
    const tasks = tasksOf({ name, zones: ['europe-west4-a', 'europe-west4-b', 'europe-west4-c'], controlPlaneCount: 3, project: 'my-project' });
    buildGraph(tasks);
    for (const t of tasks) for (const n of namesIn(t)) expect(n, `${t.kind}/${t.name}`).toMatch(GCE_NAME_PATTERN);
    const migs = ofKind(tasks, GCE_KINDS.instanceGroupManager).map((t) => t.name);
    expect(new Set(migs).size).toBe(6);
    for (const t of ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate)) {
      for (const v of Object.values(t.desired.labels)) expect(v).toMatch(GCE_LABEL_VALUE);
    }
  });
});

describe('GCE model changes', () => {
  it('a machine-type change alters only the group\'s InstanceTemplate (its MIG follows by ref)', () => {
    const before = tasksOf(REFERENCE['ha']!);
    const after = tasksOf(REFERENCE['ha']!, (_c, igs) => {
      igs.find((g) => g.metadata.name === 'nodes-us-central1-b')!.spec.machineType = 'n2-standard-4';
    });
    expect(after.map((t) => taskKey(t.kind, t.name))).toEqual(before.map((t) => taskKey(t.kind, t.name)));
    const changed = after.filter((t, i) => JSON.stringify(t.desired) !== JSON.stringify(before[i]!.desired));
    const group = completed(REFERENCE['ha']!).instanceGroups.find((g) => g.metadata.name === 'nodes-us-central1-b')!;
    expect(changed.map((t) => taskKey(t.kind, t.name))).toEqual([`InstanceTemplate/${instanceTemplatePrefix(group, 'ha.example.com')}`]);
    expect((changed[0]!.desired as GceInstanceTemplateDesired).machineType).toBe('n2-standard-4');
  });

  it('without the admin key (delete sshpublickey) the instance templates lose only their ssh-keys metadata', () => {
    const c = completed(REFERENCE['ha']!);
    const templates = (key: boolean) =>
      ofKind<GceInstanceTemplateDesired>(buildGceTasks({ ...c, ...(key ? { sshPublicKeys: KEYS } : {}), stateStore: { bucket: 'state-bucket', prefix: '' } }), GCE_KINDS.instanceTemplate);
    const withKey = templates(true);
    const without = templates(false);
    expect(without.map((t) => t.name)).toEqual(withKey.map((t) => t.name));
    for (const [i, t] of without.entries()) {
      expect(withKey[i]!.desired.metadata['ssh-keys']).toContain(KEY.trim());
      const { ['ssh-keys']: _key, ...rest } = withKey[i]!.desired.metadata;
      expect(t.desired.metadata).toEqual(rest);
    }
  });

  it('a selection builds only the selected groups\' templates and MIGs, and everything cluster-wide', () => {
    const c = completed(REFERENCE['ha']!);
    const all = buildGceTasks(c);
    const some = buildGceTasks({ ...c, selectedInstanceGroups: c.instanceGroups.filter((g) => g.metadata.name === 'nodes-us-central1-a') });
    const compute = new Set<string>([GCE_KINDS.instanceTemplate, GCE_KINDS.instanceGroupManager]);
    expect(some.filter((t) => !compute.has(t.kind))).toEqual(all.filter((t) => !compute.has(t.kind)));
    expect(some.filter((t) => compute.has(t.kind)).map((t) => t.name)).toEqual(['nodes-us-central1-a-ha-ex-lfbjj9', 'a-nodes-us-central1-a-ha-example-com']);
  });

  it('uses the user\'s network and subnet when the spec names them, as shared tasks', () => {
    const t = tasksOf(REFERENCE['minimal']!, (c) => {
      c.spec.networkID = 'host-project/shared-vpc';
      c.spec.subnets = [{ ...c.spec.subnets![0]!, id: 'shared-subnet' }];
    });
    expect(t.filter((x) => x.shared).map((x) => taskKey(x.kind, x.name))).toEqual(['Network/shared-vpc', 'Subnet/shared-subnet']);
    const tpl = ofKind<GceInstanceTemplateDesired>(t, GCE_KINDS.instanceTemplate)[0]!.desired;
    expect([tpl.network, tpl.subnetwork].map((r) => (isRef(r) ? `${r.kind}/${r.name}` : r))).toEqual(['Network/shared-vpc', 'Subnet/shared-subnet']);
  });

  it('refuses a cluster without a project, naming spec.project', () => {
    const c = completed(REFERENCE['minimal']!);
    delete c.cluster.spec.project;
    expect(() => buildGceTasks(c)).toThrow(/spec\.project is not set/);
  });
});

describe('the GCE startup script', () => {
  const base = { cluster: 'g.example.com', instanceGroup: 'cp-a', initCandidate: true, kubernetesVersion: '1.36.3', stateStore: { bucket: 'bkt', prefix: 'team' } } as const;

  it("reads its group's bootstrap files from the gs:// store: the first control plane its init config and the shared PKI, nodes their join config", () => {
    const cp = gceStartupScript({ ...base, role: 'control-plane' });
    expect(cp).toContain("IGCONFIG='team/g.example.com/igconfig/control-plane/cp-a'");
    expect(cp).toContain('python3 /opt/kops-ts/gcsget.py "$STATE_BUCKET" "$IGCONFIG/$1" "$2"');
    expect(cp).toContain('fetch kubeadm-init.yaml');
    expect(cp).toContain('for f in pki/ca.crt pki/ca.key');
    expect(cp).toContain('python3 /opt/kops-ts/gcedisk.py "$CLUSTER_LABEL" "$members"');
    expect(cp).toContain("CLUSTER_LABEL='g-example-com'");
    const node = gceStartupScript({ ...base, instanceGroup: 'nodes', role: 'node', initCandidate: false });
    expect(node).toContain("IGCONFIG='team/g.example.com/igconfig/node/nodes'");
    expect(node).not.toContain('pki/');
    expect(node).not.toContain('gcedisk.py');
    expect(node).toMatch(/\/opt\/kops-ts\/install\.sh\n\/opt\/kops-ts\/bootstrap\.sh\n$/);
  });

  it('says why it cannot read a store that is not gs://; a bastion gets no Kubernetes', () => {
    const noStore = gceStartupScript({ cluster: 'g.example.com', instanceGroup: 'nodes', role: 'node', initCandidate: false, kubernetesVersion: '1.36.3' });
    expect(noStore).toContain("STATE_BUCKET=''");
    expect(noStore).toContain('the state store is not a gs:// bucket');
    const bastion = gceStartupScript({ ...base, role: 'bastion' });
    expect(bastion).not.toContain('install.sh');
    expect(bastion).toContain('role: bastion');
  });

  it('is valid bash for every role', () => {
    for (const role of ['control-plane', 'node', 'bastion'] as const) {
      const r = spawnSync('bash', ['-n'], { input: gceStartupScript({ ...base, role }), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });
});

describe("kops's per-role service accounts", () => {
  const accounts = (tasks: readonly Task[]) => ofKind<GceServiceAccountDesired>(tasks, GCE_KINDS.serviceAccount);
  const bindings = (tasks: readonly Task[]) => ofKind<GceProjectIamBindingDesired>(tasks, GCE_KINDS.projectIamBinding);
  const emailOf = (tasks: readonly Task[], ig: string) => ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate).find((t) => t.desired.metadata['kops-k8s-io-instance-group-name'] === ig)?.desired.serviceAccount.email;

  it('makes one account per role with kops ids, names and descriptions; only the control plane gets a project role', () => {
    const tasks = tasksOf(REFERENCE.ha!);
    expect(accounts(tasks).map((t) => t.desired)).toEqual([
      { accountId: 'control-plane-ha-example-com', email: 'control-plane-ha-example-com@my-project.iam.gserviceaccount.com', displayName: 'control-plane', description: 'kubernetes control-plane instances' },
      { accountId: 'node-ha-example-com', email: 'node-ha-example-com@my-project.iam.gserviceaccount.com', displayName: 'node', description: 'kubernetes worker nodes' },
    ]);
    expect(bindings(tasks).map((t) => [t.name, t.desired])).toEqual([
      ['serviceaccount-control-plane', { role: 'roles/container.serviceAgent', member: 'serviceAccount:control-plane-ha-example-com@my-project.iam.gserviceaccount.com' }],
    ]);
    // The binding waits for its account; every template for its role's account.
    expect(bindings(tasks)[0]?.dependsOn?.map((r) => `${r.kind}/${r.name}`)).toEqual(['ServiceAccount/control-plane-ha-example-com']);
    for (const zone of ['a', 'b', 'c']) {
      expect(emailOf(tasks, `control-plane-us-central1-${zone}`)).toBe('control-plane-ha-example-com@my-project.iam.gserviceaccount.com');
      expect(emailOf(tasks, `nodes-us-central1-${zone}`)).toBe('node-ha-example-com@my-project.iam.gserviceaccount.com');
    }
    // With a gs:// store: conditional grants on the cluster's prefixes only (test/model/gce/bucket-grants.test.ts has the expressions).
    const CP = 'serviceAccount:control-plane-ha-example-com@my-project.iam.gserviceaccount.com';
    const NODE = 'serviceAccount:node-ha-example-com@my-project.iam.gserviceaccount.com';
    expect(ofKind<GceStorageBucketIamDesired>(tasks, GCE_KINDS.storageBucketIam).map((t) => [t.name, t.desired.role, t.desired.member, t.desired.supersedes, t.desired.condition?.expression])).toEqual([
      ['clusterstate-state-bucket-serviceaccount-controlplane', 'roles/storage.objectViewer', CP, 'roles/storage.objectAdmin', 'resource.name.startsWith("projects/_/buckets/state-bucket/objects/ha.example.com/")'],
      [
        'etcdbackups-state-bucket-serviceaccount-controlplane', 'roles/storage.objectAdmin', CP, 'roles/storage.objectAdmin',
        'resource.name.startsWith("projects/_/buckets/state-bucket/objects/ha.example.com/backups/etcd/") || api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("ha.example.com/backups/etcd/")',
      ],
      ['igconfig-state-bucket-serviceaccount-node', 'roles/storage.objectViewer', NODE, 'roles/storage.objectViewer', 'resource.name.startsWith("projects/_/buckets/state-bucket/objects/ha.example.com/igconfig/node/")'],
    ]);
    for (const t of ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate)) {
      const id = t.desired.serviceAccount.email.split('@')[0];
      const grants = id?.startsWith('control-plane')
        ? ['clusterstate-state-bucket-serviceaccount-controlplane', 'etcdbackups-state-bucket-serviceaccount-controlplane']
        : ['igconfig-state-bucket-serviceaccount-node'];
      expect(t.dependsOn?.map((r) => `${r.kind}/${r.name}`)).toEqual([`ServiceAccount/${id}`, ...grants.map((g) => `StorageBucketIAM/${g}`)]);
    }
    // Without a gs:// store (file://, which instances cannot read anyway) no bucket grant.
    const c = completed(REFERENCE.ha!);
    const noStore = buildGceTasks({ ...c, sshPublicKeys: KEYS });
    expect(ofKind(noStore, GCE_KINDS.storageBucketIam)).toEqual([]);
    for (const t of ofKind<GceInstanceTemplateDesired>(noStore, GCE_KINDS.instanceTemplate)) expect(t.dependsOn?.map((r) => r.kind)).toEqual(['ServiceAccount']);
  });

  it('cuts a long cluster name into the 30-character id with a hash; a bastion gets its own account; API servers share the control plane\'s', () => {
    const tasks = tasksOf({ ...REFERENCE.minimal!, name: 'a-rather-long-cluster-name.example.com' }, (_c, igs) => {
      igs.push({ ...igs[0]!, metadata: { name: 'bastions' }, spec: { ...igs[0]!.spec, role: 'Bastion' } });
      igs.push({ ...igs[0]!, metadata: { name: 'apiservers' }, spec: { ...igs[0]!.spec, role: 'APIServer' } });
    });
    const ids = accounts(tasks).map((t) => t.desired.accountId);
    expect(ids).toHaveLength(3);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(30);
      expect(id).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])$/);
    }
    // kops's TruncateString cuts at a fixed length: here right after a dash, so a double dash (IAM takes it).
    expect(ids.map((id) => id.replace(/-[0-9a-v]{6}$/, ''))).toEqual(['control-plane-a-rather-', 'node-a-rather-long-clus', 'bastion-a-rather-long-c']);
    expect(accounts(tasks).find((t) => t.desired.displayName === 'bastion')?.desired.description).toBe('bastion nodes');
    expect(emailOf(tasks, 'apiservers')).toBe(emailOf(tasks, 'control-plane-us-central1-a'));
    expect(emailOf(tasks, 'bastions')).toMatch(/^bastion-/);
    expect(bindings(tasks)).toHaveLength(1);
    // A bastion reads nothing from the store: no grant for its account.
    expect(ofKind<GceStorageBucketIamDesired>(tasks, GCE_KINDS.storageBucketIam).map((t) => t.desired.member.split(':')[1]?.split('-')[0])).toEqual(['control', 'control', 'node']);
  });

  it('with the legacy spec.cloudProvider.gce.serviceAccount, looks it up as kops\'s shared account, builds no other account or binding, and every template runs as it', () => {
    const legacy = 'shared-robot@my-project.iam.gserviceaccount.com';
    const tasks = tasksOf(REFERENCE.minimal!, (c) => {
      c.spec.cloudProvider = { gce: { serviceAccount: legacy } } as unknown as typeof c.spec.cloudProvider;
    });
    expect(accounts(tasks).map((t) => [t.name, t.shared, t.desired.email, t.desired.accountId])).toEqual([['shared', true, legacy, 'shared-robot']]);
    expect(bindings(tasks)).toEqual([]);
    expect(ofKind(tasks, GCE_KINDS.storageBucketIam)).toEqual([]);
    const templates = ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate);
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      expect(t.desired.serviceAccount.email).toBe(legacy);
      expect(t.dependsOn).toEqual([ref(GCE_KINDS.serviceAccount, 'shared', 'email')]);
    }
  });

  it('with the legacy account `default` (GCE\'s default compute account, which always exists), looks nothing up', () => {
    const tasks = tasksOf(REFERENCE.minimal!, (c) => {
      c.spec.cloudProvider = { gce: { serviceAccount: 'default' } } as unknown as typeof c.spec.cloudProvider;
    });
    expect(accounts(tasks)).toEqual([]);
    for (const t of ofKind<GceInstanceTemplateDesired>(tasks, GCE_KINDS.instanceTemplate)) {
      expect(t.desired.serviceAccount.email).toBe('default');
      expect(t.dependsOn).toBeUndefined();
    }
  });

  it('builds every role\'s account under --instance-group (cluster-wide), so a partial update never plans one away', () => {
    const c = completed(REFERENCE.minimal!);
    const some = buildGceTasks({ ...c, selectedInstanceGroups: c.instanceGroups.filter((g) => g.metadata.name === 'nodes-us-central1-a') });
    expect(accounts(some).map((t) => t.desired.displayName)).toEqual(['control-plane', 'node']);
    expect(bindings(some)).toHaveLength(1);
  });
});
