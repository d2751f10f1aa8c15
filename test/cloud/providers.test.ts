/**
 * One provider interface (src/cloud/provider.ts): the generic commands import no cloud's module,
 * each cloud's module is reached only through `loadProvider`'s dynamic import, and a cloud a
 * command cannot handle is refused with `UnsupportedCloud` (exit 2) before any cloud call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProvider } from '../../src/cloud/providers.js';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { KopsError } from '../../src/diagnostics.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The files written once against the interface. */
const GENERIC = [
  'src/cloudup/update-cluster.ts',
  'src/cloudup/delete-cluster.ts',
  'src/cloudup/delete-cluster-state.ts',
  'src/cloudup/cluster-resources.ts',
  'src/cloudup/inspect.ts',
  'src/rolling-update/providers.ts',
  'src/cli/commands/validate-cluster.ts',
  'src/cli/commands/get-instances.ts',
  'src/cli/commands/toolbox-dump.ts',
  'src/cli/commands/delete-cluster.ts',
  'src/cloud/providers.ts',
  'src/cloudup/kubeconfig.ts',
];

/** Every module specifier a file imports or re-exports; `runtime` leaves out `import type`/`export type` (erased). */
function specifiers(file: string, runtime: boolean): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+'([^']+)'/gm)) {
    if (runtime && m[2]) continue;
    out.push(m[3]!);
  }
  for (const m of src.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}

/** The modules a file loads when it is loaded (static runtime imports, followed within the repo). */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const s of specifiers(f, true)) {
      if (!s.startsWith('.')) {
        packages.add(s);
        continue;
      }
      const ts = relative(ROOT, resolve(ROOT, dirname(f), s.replace(/\.js$/, '.ts')));
      if (existsSync(join(ROOT, ts))) todo.push(ts);
    }
  }
  return { files, packages };
}

/**
 * A cloud's own machinery: its provider, task kinds, model builders, pre-flight and instance
 * groups. (Not listed: what other layers still load statically and is outside the provider's
 * reach — the state store's `AwsClients` (statestore/open.ts), validation's pure AWS field checks
 * (model/aws/root-volume.ts).)
 */
const CLOUD_MACHINERY = [
  /^src\/cloud\/aws\/(provider|instance-groups|delete-tagged|delete-blockers)\.ts$/,
  /^src\/tasks\/aws\/registry\.ts$/,
  /^src\/model\/aws\/index\.ts$/,
  /^src\/cloudup\/aws\/preflight\.ts$/,
  /^src\/(cloud|tasks|model)\/gce\//,
];

describe('the generic commands import no cloud', () => {
  it.each(GENERIC)('%s has no @aws-sdk, @google-cloud or aws/ / gce/ import (type imports included)', (file) => {
    const bad = specifiers(file, false).filter((s) => s.startsWith('@aws-sdk') || s.startsWith('@google-cloud') || /(^|\/)(aws|gce)\//.test(s));
    // The one exception: loadProvider's dynamic import() is not an import statement.
    expect(bad).toEqual([]);
  });

  it.each(GENERIC)('loading %s loads no cloud module (static runtime imports, followed)', (file) => {
    const { files, packages } = staticClosure(file);
    expect([...files].filter((f) => CLOUD_MACHINERY.some((r) => r.test(f)))).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@google-cloud/compute'))).toEqual([]);
  });

  it('the walker sees through the layers: the AWS provider reaches the AWS SDK and the AWS kinds', () => {
    const { files, packages } = staticClosure('src/cloud/aws/provider.ts');
    expect(files.has('src/tasks/aws/registry.ts')).toBe(true);
    expect(packages.has('@aws-sdk/client-ec2')).toBe(true);
    // ...and never GCE's.
    expect([...files].filter((f) => /\/gce\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => p.startsWith('@google-cloud/'))).toEqual([]);
  });
});

describe('loadProvider', () => {
  const aws = newCluster({ name: 'a.example.com', zones: ['eu-west-1a'] }).cluster;
  const gce = newCluster({ name: 'g.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'p' }).cluster;

  it('loads AWS for spec.cloudProvider aws', async () => {
    const cloud = await loadProvider(aws, 'update cluster');
    expect(cloud.name).toBe('aws');
    expect(cloud.use((c) => c.deletion.resourceType('SecurityGroupRule'))).toBe('security-group-rule');
  });

  it.each(['update cluster', 'delete cluster', 'toolbox dump'] as const)('loads GCE for spec.cloudProvider gce: %s', async (operation) => {
    const cloud = await loadProvider(gce, operation);
    expect(cloud.name).toBe('gce');
    expect(cloud.use((c) => c.deletion.resourceType('InstanceGroupManager'))).toBe('InstanceGroupManager');
    // The instance groups' view is built on first use: no client call here.
    expect(cloud.use((c) => c.instanceGroups(gce).name)).toBe('gce');
  });

  it.each(['get instances', 'validate cluster', 'rolling update'] as const)('loads GCE for spec.cloudProvider gce: %s, with its instance groups', async (operation) => {
    const cloud = await loadProvider(gce, operation);
    expect(cloud.name).toBe('gce');
    expect(cloud.use((c) => c.instanceGroups(gce).name)).toBe('gce');
  });

  it('an unknown or unset cloud is refused naming the field', async () => {
    const unknown = { ...aws, spec: { ...aws.spec, cloudProvider: 'azure' } };
    const e1 = await loadProvider(unknown, 'toolbox dump').catch((e: unknown) => e);
    expect((e1 as KopsError).message).toBe('toolbox dump reads AWS and GCE clusters only; a.example.com has spec.cloudProvider "azure"');
    expect((e1 as KopsError).exitCode).toBe(2);
    for (const op of ['get instances', 'validate cluster', 'rolling update', 'delete cluster', 'export kubeconfig'] as const) {
      const e = await loadProvider(unknown, op).catch((x: unknown) => x);
      expect(KopsError.is(e, 'UnsupportedCloud')).toBe(true);
      expect((e as KopsError).message).toMatch(new RegExp(`^${op} \\w+ AWS and GCE clusters only; a.example.com has spec.cloudProvider "azure"$`));
    }
    const { cloudProvider: _cp, ...spec } = aws.spec;
    const e2 = await loadProvider({ ...aws, spec }, 'update cluster').catch((e: unknown) => e);
    expect(KopsError.is(e2, 'UnsupportedCloud')).toBe(true);
    expect((e2 as KopsError).message).toBe('update cluster builds AWS and GCE clusters only; a.example.com has spec.cloudProvider unset');
    expect((e2 as KopsError).diagnostics[0]?.hint).toContain('spec.cloudProvider');
  });
});
