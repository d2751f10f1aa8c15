/**
 * Every field of kops's v1alpha2 API is known to kops-ts: acted on, kept with a warning, or
 * refused as kops refuses it. The list of kops's field paths is data read from kops's Go types
 * (test/fixtures/kops/v1alpha2-fields.txt, made by scripts/kops-v1alpha2-fields.ts); when kops
 * adds a field and the list is regenerated, this test names the field until the table has it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../../src/model/api/parse.js';
import { toYaml } from '../../../src/model/api/serialize.js';
import { CLUSTER_SPEC, type FieldShape, type ObjectShape } from '../../../src/model/api/schema.js';
import { INSTANCE_GROUP_SPEC } from '../../../src/model/api/schema-instance-group.js';

const FIXTURE = new URL('../../fixtures/kops/v1alpha2-fields.txt', import.meta.url);
const text = readFileSync(FIXTURE, 'utf8');
const kopsPaths = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
const ROOTS: Record<string, ObjectShape> = { Cluster: CLUSTER_SPEC, InstanceGroup: INSTANCE_GROUP_SPEC };

/** `spec.a[].b{}.c` → ['a', '[]', 'b', '{}', 'c'] (the leading `spec` is the root). */
function segments(path: string): string[] {
  return path.replace(/\[\]/g, '.[]').replace(/\{\}/g, '.{}').split('.').slice(1);
}

/** Opaque shapes: everything under them is covered (kept whole, or refused whole). */
const OPAQUE = new Set<FieldShape['t']>(['kops', 'presence', 'removed', 'ignored']);

/** Why the table does not cover `path`, or undefined when it does. */
function uncovered(root: ObjectShape, path: string): string | undefined {
  let cur: FieldShape = root;
  const segs = segments(path);
  for (const [i, k] of segs.entries()) {
    if (OPAQUE.has(cur.t)) return undefined;
    if (cur.t === 'stringOrObject') cur = cur.object;
    const where = `spec.${segs.slice(0, i).join('.')}`;
    if (k === '[]') {
      if (cur.t !== 'array') return `kops has a list at ${where}, the table has ${cur.t}`;
      cur = cur.of;
    } else if (k === '{}') {
      if (cur.t !== 'map') return `kops has a map at ${where}, the table has ${cur.t}`;
      cur = cur.of;
    } else {
      if (cur.t !== 'object') return `kops has fields under ${where}, the table has ${cur.t}`;
      const next: FieldShape | undefined = cur.fields[k];
      if (!next) return 'missing from the table';
      cur = next;
    }
  }
  return undefined;
}

/** Every path of the table, with its shape, in the fixture's notation. */
function tablePaths(kind: string, shape: FieldShape, path: string, out: [string, FieldShape][]): void {
  if (shape.t === 'object') {
    for (const [k, v] of Object.entries(shape.fields)) {
      out.push([`${kind} ${path}.${k}`, v]);
      tablePaths(kind, v, `${path}.${k}`, out);
    }
  } else if (shape.t === 'array') tablePaths(kind, shape.of, `${path}[]`, out);
  else if (shape.t === 'map') tablePaths(kind, shape.of, `${path}{}`, out);
  else if (shape.t === 'stringOrObject') tablePaths(kind, shape.object, path, out);
}

/**
 * Fields of the table that are not v1alpha2's: the v1alpha3 spellings kops-ts accepts as well
 * (`cloudProvider: {aws: {}}`, `api.publicName`, `api.additionalSANs`, the `rootVolume` object).
 */
const V1ALPHA3_SPELLINGS = [
  ...['aws', 'gce', 'azure', 'do', 'hetzner', 'openstack', 'scaleway', 'linode', 'metal'].map((c) => `Cluster spec.cloudProvider.${c}`),
  'Cluster spec.api.publicName',
  'Cluster spec.api.additionalSANs',
  'InstanceGroup spec.rootVolume',
  ...['size', 'type', 'iops', 'throughput', 'encryption', 'encryptionKey', 'optimization'].map((f) => `InstanceGroup spec.rootVolume.${f}`),
];

describe("kops's v1alpha2 API, field by field", () => {
  it('reads a fixture that says where it comes from and holds the whole API', () => {
    expect(text).toMatch(/^# .*kubernetes\/kops\n# pkg\/apis\/kops\/v1alpha2 at [0-9a-f]{40} /);
    expect(kopsPaths.length).toBeGreaterThan(1000);
    expect(kopsPaths).toContain('Cluster spec.etcdClusters[].etcdMembers[].volumeIops');
    expect(kopsPaths).toContain('InstanceGroup spec.rootVolumeEncryptionKey');
    for (const p of kopsPaths) expect(p).toMatch(/^(Cluster|InstanceGroup) spec\.[\w.[\]{}-]+$/);
  });

  it('knows every field kops has', () => {
    const missing = kopsPaths.flatMap((line) => {
      const [kind, path] = line.split(' ') as [string, string];
      const why = uncovered(ROOTS[kind]!, path);
      return why ? [`${line}: ${why}`] : [];
    });
    expect(missing).toEqual([]);
  });

  it('has no field kops lacks, except the v1alpha3 spellings it accepts and the fields kops ignores', () => {
    const all: [string, FieldShape][] = [];
    tablePaths('Cluster', CLUSTER_SPEC, 'spec', all);
    tablePaths('InstanceGroup', INSTANCE_GROUP_SPEC, 'spec', all);
    const kops = new Set(kopsPaths);
    const extra = all.filter(([p, shape]) => !kops.has(p) && shape.t !== 'ignored').map(([p]) => p);
    expect(extra.sort()).toEqual([...V1ALPHA3_SPELLINGS].sort());
    // A field marked "kops ignores it" must really not be kops's.
    const ignoredButKops = all.filter(([p, shape]) => shape.t === 'ignored' && kops.has(p)).map(([p]) => p);
    expect(ignoredButKops).toEqual([]);
  });

  it('still catches a misspelt field, with a did-you-mean', () => {
    const r = parseManifests(
      'apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n  rootVolumeIOPS: 3000\n',
      'ig.yaml',
    );
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path} ${d.hint ?? ''}`)).toEqual([
      'error UnknownField InstanceGroup/nodes spec.rootVolumeIOPS did you mean "rootVolumeIops"?',
    ]);
  });
});

describe('fields in manifests kops accepts but does not read', () => {
  // These are in kops's own test manifests (tests/integration/update_cluster/{complex,minimal_gce_plb}):
  // kops's decoder drops unknown fields, so kops accepts the manifest and ignores them.
  const manifest = [
    'apiVersion: kops.k8s.io/v1alpha2',
    'kind: Cluster',
    'metadata:',
    '  name: ignored.example.com',
    'spec:',
    '  serviceOIDCProvider:',
    '    issuerURL: https://oidc.example.com/foo',
    '  etcdClusters:',
    '  - name: main',
    '    type: hyperdisk-balanced',
    '    volumeIops: 6000',
    '    volumeSize: 120',
    '    volumeThroughput: 1000',
    '    etcdMembers:',
    '    - name: a',
    '      instanceGroup: cp',
    '      volumeIops: 6000',
    '---',
    'apiVersion: kops.k8s.io/v1alpha2',
    'kind: InstanceGroup',
    'metadata:',
    '  name: cp',
    'spec:',
    '  role: Master',
    '  rootVolume:',
    '    volumeIops: 6000',
    '    volumeThroughput: 1000',
    '',
  ].join('\n');

  it('loads them with one warning each, saying kops ignores them too, and keeps them', () => {
    const r = parseManifests(manifest, 'kops.yaml');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const warned = r.diagnostics.map((d) => `${d.code} ${d.path}`);
    expect(warned).toEqual([
      'FieldIgnoredByKops spec.serviceOIDCProvider',
      'FieldIgnoredByKops spec.etcdClusters[0].type',
      'FieldIgnoredByKops spec.etcdClusters[0].volumeIops',
      'FieldIgnoredByKops spec.etcdClusters[0].volumeSize',
      'FieldIgnoredByKops spec.etcdClusters[0].volumeThroughput',
      'FieldIgnoredByKops InstanceGroup/cp spec.rootVolume.volumeIops',
      'FieldIgnoredByKops InstanceGroup/cp spec.rootVolume.volumeThroughput',
    ]);
    expect(r.diagnostics[0]!.summary).toMatch(/not a field of kops's v1alpha2 API: kops drops it .* kops-ts ignores it too/);
    expect(r.diagnostics.find((d) => d.path?.endsWith('rootVolume.volumeIops'))?.hint).toMatch(/rootVolume\.iops/);
    const cluster = r.objects[0]!.spec as Record<string, unknown>;
    expect(cluster.serviceOIDCProvider).toEqual({ issuerURL: 'https://oidc.example.com/foo' });
  });

  it('acts on the flat root-volume fields kops writes, without a warning', () => {
    const r = parseManifests(
      [
        'apiVersion: kops.k8s.io/v1alpha2',
        'kind: InstanceGroup',
        'metadata:',
        '  name: nodes',
        'spec:',
        '  role: Node',
        '  rootVolumeIops: 4000',
        '  rootVolumeThroughput: 250',
        '  rootVolumeEncryption: true',
        '  rootVolumeEncryptionKey: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        '',
      ].join('\n'),
    );
    expect(r.diagnostics).toEqual([]);
  });

  it("warns that topology.masters/nodes are read by neither kops nor kops-ts (kops's conversion drops them)", () => {
    const r = parseManifests('apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: t.example.com\nspec:\n  topology:\n    masters: public\n    nodes: private\n');
    expect(r.diagnostics.map((d) => `${d.severity} ${d.path}: ${d.summary}`)).toEqual([
      "warning spec.topology.masters: deprecated: kops no longer reads it (each instance group's subnets decide where it runs), nor does kops-ts; kept as is",
      "warning spec.topology.nodes: deprecated: kops no longer reads it (each instance group's subnets decide where it runs), nor does kops-ts; kept as is",
    ]);
    expect((r.objects[0]!.spec as { topology?: unknown }).topology).toEqual({ masters: 'public', nodes: 'private' });
  });

  it("reads kops's old API group kops/v1alpha2 as kops does, with a warning, and writes it back as kops.k8s.io", () => {
    const r = parseManifests('apiVersion: kops/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n', 'old.yaml');
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}: ${d.summary}`)).toEqual([
      "warning LegacyAPIVersion apiVersion: apiVersion kops/v1alpha2 is kops's old name for kops.k8s.io/v1alpha2; read as such",
    ]);
    expect(r.objects[0]!.apiVersion).toBe('kops.k8s.io/v1alpha2');
    expect(toYaml(r.objects)).toMatch(/^apiVersion: kops\.k8s\.io\/v1alpha2\n/);
  });
});
