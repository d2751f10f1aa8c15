import { describe, expect, it } from 'vitest';
import { KopsError } from '../../src/diagnostics.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { parseFieldPath, setFields, unsetFields } from '../../src/cloudup/set-fields.js';
import type { InstanceGroup, KopsObject } from '../../src/model/api/types.js';

function spec(): KopsObject[] {
  const r = newCluster({ name: 'x.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
  return [r.cluster, ...r.instanceGroups];
}
const cluster = (objs: KopsObject[]) => objs[0]!.spec as Record<string, unknown>;

describe('--set with kops semantics', () => {
  it('converts by the field type: strings stay strings, lists split on commas and append, integers parse', () => {
    const objs = spec();
    // Two etcd clusters, as in a kops spec (create cluster writes only main), so [*] reaches both.
    const etcd = cluster(objs).etcdClusters as { name: string }[];
    etcd.push({ ...structuredClone(etcd[0]!), name: 'events' });
    setFields(objs, ['spec.kubernetesVersion=1.30', 'cluster.spec.sshAccess=10.0.0.0/8,192.168.0.0/16', 'spec.etcdClusters[*].manager.backupRetentionDays=30']);
    expect(cluster(objs).kubernetesVersion).toBe('1.30');
    expect(cluster(objs).sshAccess).toEqual(['0.0.0.0/0', '::/0', '10.0.0.0/8', '192.168.0.0/16']);
    expect((cluster(objs).etcdClusters as { manager: unknown }[]).map((e) => e.manager)).toEqual([{ backupRetentionDays: 30 }, { backupRetentionDays: 30 }]);
  });

  it('replaces a list when --unset runs first, as kops orders them', () => {
    const objs = spec();
    unsetFields(objs, ['spec.sshAccess']);
    setFields(objs, ['spec.sshAccess=10.0.0.0/8']);
    expect(cluster(objs).sshAccess).toEqual(['10.0.0.0/8']);
  });

  it('adds map entries, creates empty objects, indexes and appends list elements', () => {
    const objs = spec();
    setFields(objs, ['spec.cloudLabels=Owner=me', 'spec.cloudLabels=Team=infra', 'spec.api.dns=', 'spec.subnets[0].cidr=172.20.32.0/19', 'spec.subnets[3].name=extra']);
    expect(cluster(objs).cloudLabels).toEqual({ Owner: 'me', Team: 'infra' });
    expect((cluster(objs).api as Record<string, unknown>).dns).toEqual({});
    const subnets = cluster(objs).subnets as { name?: string; cidr?: string }[];
    expect(subnets[0]!.cidr).toBe('172.20.32.0/19');
    expect(subnets[3]).toEqual({ name: 'extra' });
  });

  it('sets every instance group with instancegroup.', () => {
    const objs = spec();
    setFields(objs, ['instancegroup.spec.maxSize=3', 'instancegroup.spec.associatePublicIp=false']);
    for (const ig of objs.slice(1) as InstanceGroup[]) expect([ig.spec.maxSize, ig.spec.associatePublicIp]).toEqual([3, false]);
    expect(cluster(objs).maxSize).toBeUndefined();
  });

  it('reads kops fields kops-ts does not model by their look', () => {
    const objs = spec();
    setFields(objs, ['cluster.spec.kubeProxy.enabled=true', 'spec.kubeDNS.provider=CoreDNS', 'spec.kubeAPIServer.maxRequestsInflight=800']);
    expect(cluster(objs).kubeProxy).toEqual({ enabled: true });
    expect(cluster(objs).kubeDNS).toEqual({ provider: 'CoreDNS' });
    expect(cluster(objs).kubeAPIServer).toEqual({ maxRequestsInflight: 800 });
  });

  it.each([
    ['instancegroup.spec.maxSize=many', /instancegroup\.spec\.maxSize|spec\.maxSize: cannot interpret "many" as an integer/],
    ['spec.iam.legacy=maybe', /spec\.iam\.legacy: cannot interpret "maybe" as a boolean/],
    ['spec.topology.dns.type=Everywhere', /"Everywhere" is not one of Public, Private, None/],
    ['spec.subnets[7].cidr=10.0.0.0/24', /index 7 is past the end of a list of 3/],
    ['spec.api=loadBalancer', /spec\.api: is an object/],
    ['kubernetesVersion=1.36.0', /expected a path under spec/],
    ['spec.kubernetesVersion', /expected path=value/],
    ['spec..x=1', /cannot parse ""/],
  ])('%s is refused with the path and what to do', (assignment, message) => {
    try {
      setFields(spec(), [assignment]);
      expect.unreachable();
    } catch (e) {
      expect(KopsError.is(e, 'InvalidFieldPath')).toBe(true);
      expect((e as KopsError).exitCode).toBe(2);
      expect((e as KopsError).message).toMatch(message);
    }
  });
});

describe('--unset', () => {
  it('removes fields and list elements; a known field that is not set is no error', () => {
    const objs = spec();
    unsetFields(objs, ['spec.etcdClusters[1]', 'spec.kubelet.anonymousAuth', 'spec.kubeAPIServer.maxRequestsInflight', 'instancegroup.spec.nodeLabels']);
    expect((cluster(objs).etcdClusters as { name: string }[]).map((e) => e.name)).toEqual(['main']);
    expect(cluster(objs).kubelet).toEqual({});
    for (const ig of objs.slice(1) as InstanceGroup[]) expect(ig.spec.nodeLabels).toBeUndefined();
  });

  it('removes a field from every element with [*]', () => {
    const objs = spec();
    unsetFields(objs, ['spec.subnets[*].cidr']);
    expect((cluster(objs).subnets as { cidr?: string }[]).every((s) => s.cidr === undefined)).toBe(true);
  });
});

describe('unknown field names', () => {
  it.each([
    [() => unsetFields(spec(), ['spec.nothing.here']), 'spec.nothing: unknown field (in spec.nothing.here)', 'check the spelling: docs/spec.md lists the fields'],
    [() => setFields(spec(), ['spec.kubernetesVersoin=1.35.0']), 'spec.kubernetesVersoin: unknown field', 'did you mean "spec.kubernetesVersion"?'],
    [() => setFields(spec(), ['cluster.spec.networking.cilium.enableNodeProt=true']), 'spec.networking.cilium.enableNodeProt: unknown field', 'did you mean "spec.networking.cilium.enableNodePort"?'],
    [() => unsetFields(spec(), ['instancegroup.spec.maxSise']), 'spec.maxSise: unknown field', 'did you mean "spec.maxSize"?'],
    [() => setFields(spec(), ['spec.subnets[0].cdir=10.0.0.0/24']), 'spec.subnets.cdir: unknown field (in spec.subnets[0].cdir)', 'did you mean "spec.subnets.cidr"?'],
  ])('refuses %#, naming the field and the nearest one, before changing anything', (run, message, hint) => {
    try {
      run();
      expect.unreachable();
    } catch (e) {
      expect(KopsError.is(e, 'UnknownField')).toBe(true);
      expect((e as KopsError).exitCode).toBe(2);
      expect((e as KopsError).message).toBe(message);
      expect((e as KopsError).diagnostics[0]!.hint).toBe(hint);
    }
  });

  it('accepts any name below a map or a kops field kops-ts only keeps, as kops does', () => {
    const objs = spec();
    setFields(objs, ['spec.cloudLabels.team=infra', 'spec.kubeDNS.provider=CoreDNS', 'instancegroup.spec.nodeLabels.tier=web']);
    expect(cluster(objs).cloudLabels).toEqual({ team: 'infra' });
    for (const ig of objs.slice(1) as InstanceGroup[]) expect(ig.spec.nodeLabels?.tier).toBe('web');
  });

  it('refuses a prefix naming a kind that is not being edited', () => {
    const ig = spec().slice(1, 2);
    expect(() => setFields(ig, ['cluster.spec.kubernetesVersion=1.35.0'])).toThrow(/names a Cluster field, but this edits an InstanceGroup/);
    setFields(ig, ['spec.maxSize=5', 'instancegroup.spec.minSize=2']);
    expect([(ig[0] as InstanceGroup).spec.maxSize, (ig[0] as InstanceGroup).spec.minSize]).toEqual([5, 2]);
  });
});

describe('parseFieldPath', () => {
  it('reads names, indexes and wildcards', () => {
    expect(parseFieldPath('spec.etcdClusters[*].etcdMembers[0].name')).toEqual([
      { key: 'spec' },
      { key: 'etcdClusters', index: '*' },
      { key: 'etcdMembers', index: 0 },
      { key: 'name' },
    ]);
  });
});
