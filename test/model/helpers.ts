/** Fixtures and small builders shared by the model tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, ClusterSubnetSpec, InstanceGroup, InstanceGroupRole } from '../../src/model/api/types.js';

export const FIXTURES = ['minimal', 'ha', 'private', 'kops-fields', 'kops-minimal', 'kops-ha', 'kops-private', 'kops-full'] as const;
/** Fixtures in the exact layout kops writes to the state store (`kops get -o yaml` gives the same). */
export const KOPS_WRITTEN = ['kops-minimal', 'kops-ha', 'kops-private', 'kops-full'] as const;

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/kops/${name}.yaml`, import.meta.url));
}

export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

const parsed = new Map<string, { cluster: Cluster; igs: InstanceGroup[] }>();

/** A fresh copy of a fixture's Cluster and instance groups; fails the test if it does not parse cleanly. */
export function loadFixture(name: string): { cluster: Cluster; igs: InstanceGroup[] } {
  let f = parsed.get(name);
  if (!f) {
    const r = parseManifests(fixtureText(name), `${name}.yaml`);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const cluster = r.objects.find((o): o is Cluster => o.kind === 'Cluster');
    if (!cluster) throw new Error(`fixture ${name} has no Cluster`);
    f = { cluster, igs: r.objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup') };
    parsed.set(name, f);
  }
  return structuredClone(f);
}

/** A minimal user spec (nothing completion would fill) for a cluster in the given zones. */
export function userCluster(zones: readonly string[], opts: { private?: boolean; name?: string } = {}): Cluster {
  const subnets: ClusterSubnetSpec[] = zones.map((z) => ({ name: z, zone: z, type: opts.private ? 'Private' : 'Public' }));
  if (opts.private) subnets.push(...zones.map((z): ClusterSubnetSpec => ({ name: `utility-${z}`, zone: z, type: 'Utility' })));
  return {
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'Cluster',
    metadata: { name: opts.name ?? 'test.example.com' },
    spec: { cloudProvider: 'aws', networking: { cilium: {} }, subnets },
  };
}

export function ig(name: string, role: InstanceGroupRole, subnets: string[], extra: Partial<InstanceGroup['spec']> = {}): InstanceGroup {
  return { apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name }, spec: { role, subnets, ...extra } };
}

/** One control plane per given zone, plus one node group per zone. */
export function userIGs(zones: readonly string[], controlPlaneZones: readonly string[] = zones.slice(0, 1)): InstanceGroup[] {
  return [
    ...controlPlaneZones.map((z) => ig(`control-plane-${z}`, 'Master', [z])),
    ...zones.map((z) => ig(`nodes-${z}`, 'Node', [z])),
  ];
}

/** The errors only, as `path: summary` lines: compact to assert on. */
export function errorLines(diags: readonly Diagnostic[]): string[] {
  return diags.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.summary}`);
}

export function codes(diags: readonly Diagnostic[]): string[] {
  return diags.filter((d) => d.severity === 'error').map((d) => d.code);
}
