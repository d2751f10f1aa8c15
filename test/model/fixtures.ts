import { readFileSync } from 'node:fs';
import { parseManifests } from '../../src/model/api/parse.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';

export const FIXTURES = ['minimal', 'ha', 'private', 'kops-fields'] as const;

export function fixturePath(name: string): string {
  return new URL(`../fixtures/kops/${name}.yaml`, import.meta.url).pathname;
}

export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A fixture's Cluster and InstanceGroups (fails the test if it does not parse cleanly). */
export function loadFixture(name: string): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  const r = parseManifests(fixtureText(name), `${name}.yaml`);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`fixture ${name}: ${JSON.stringify(errors)}`);
  const cluster = r.objects.find((o): o is Cluster => o.kind === 'Cluster');
  if (!cluster) throw new Error(`fixture ${name} has no Cluster`);
  return { cluster, instanceGroups: r.objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup') };
}
