/**
 * `containerd.registryMirrors` and `packages` from a kops manifest, planned on a running cluster
 * (emulator, `update cluster -f`): no "not acted on" warning for them (kops's other containerd fields
 * still get theirs), and the plan changes the launch templates of exactly the groups they reach:
 * the cluster's mirrors every group's, a group's packages that group's only. The plan shows the
 * script's sha256, never the mirrors. A group's configAdditions change its template only; a
 * containerd 2 key path exits 2 naming it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../src/cloudup/render/json.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { tempDir } from '../pki/openssl.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'mirrors.k8s.local';
let env: Record<string, string>;
let store: { dir: string; url: string };
let dir = '';
/** The stored cluster and its groups as `get -o yaml` prints them. */
let manifest = '';

const run = (args: string[]) => cli(['--state', store.url, ...args], { env });

/** The manifest with `clusterSpec` added to the cluster's spec and `groupSpec` to group `group`'s. */
function edited(clusterSpec: string, group?: string, groupSpec = ''): string {
  const docs = manifest.split(/^---\n/m);
  const out = docs.map((d) => {
    if (/^kind: Cluster$/m.test(d)) return d.replace(/^spec:\n/m, `spec:\n${clusterSpec}`);
    if (group && d.includes(`name: ${group}\n`)) return d.replace(/^spec:\n/m, `spec:\n${groupSpec}`);
    return d;
  });
  const text = out.join('---\n');
  expect(text).not.toBe(manifest);
  return text;
}

async function plan(text: string, name: string): Promise<{ doc: PlanDocument; stderr: string; stdout: string }> {
  const f = join(dir, name);
  writeFileSync(f, text);
  const r = await run(['update', 'cluster', '--name', NAME, '-f', f, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return { doc: JSON.parse(r.stdout) as PlanDocument, stderr: r.stderr, stdout: r.stdout };
}

beforeAll(async () => {
  env = await operatorEnv(testAws());
  store = tempStore();
  dir = tempDir();
  const created = await run(['create', 'cluster', '--name', NAME, '--zones', 'us-east-1a,us-east-1b', '--ssh-public-key', KEY]);
  expect(created.code, created.stderr).toBe(0);
  const applied = await run(['update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false']);
  expect(applied.code, applied.stderr).toBe(0);
  const cluster = await run(['get', 'cluster', NAME, '-o', 'yaml']);
  const igs = await run(['get', 'ig', '--name', NAME, '-o', 'yaml']);
  manifest = `${cluster.stdout.trimEnd()}\n---\n${igs.stdout}`;
}, 240_000);

describe('registryMirrors, configAdditions and packages from a kops manifest (emulator)', () => {
  it("a group's packages: no warning, only that group's launch template changes", async () => {
    const { doc, stderr } = await plan(edited('', 'nodes-us-east-1b', '  packages:\n  - nfs-common\n'), 'packages.yaml');
    expect(stderr).not.toMatch(/packages/);
    expect(doc.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`update LaunchTemplate/nodes-us-east-1b.${NAME}`]);
    expect(doc.changes[0]!.fields.map((f) => f.field)).toEqual(['userData']);
  }, 120_000);

  it("the cluster's registryMirrors: no warning for them (logLevel keeps its own), every group's launch template changes, the mirror not shown", async () => {
    const mirrors = '  containerd:\n    logLevel: info\n    registryMirrors:\n      docker.io:\n      - https://secret-mirror.example.com\n      "*":\n      - https://all.example.com\n';
    const { doc, stderr, stdout } = await plan(edited(mirrors), 'mirrors.yaml');
    expect(stderr).not.toMatch(/registryMirrors/);
    expect(stderr).toContain('spec.containerd.logLevel');
    const groups = ['control-plane-us-east-1a.masters', 'nodes-us-east-1a', 'nodes-us-east-1b'];
    expect(doc.changes.map((c) => `${c.action} ${c.key}`)).toEqual(groups.map((g) => `update LaunchTemplate/${g}.${NAME}`));
    expect(stdout).toContain('NODE_EXTRAS_SHA256');
    expect(stdout).not.toContain('secret-mirror');
  }, 120_000);

  it("a group's configAdditions: no warning, that group's launch template changes; a containerd 2 key path exits 2 naming it", async () => {
    const additions = '  containerd:\n    configAdditions:\n      plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.runtime_type: io.containerd.runc.v2\n';
    const { doc, stderr } = await plan(edited('', 'nodes-us-east-1a', additions), 'additions.yaml');
    expect(stderr).not.toMatch(/configAdditions/);
    expect(doc.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`update LaunchTemplate/nodes-us-east-1a.${NAME}`]);
    const f = join(dir, 'v3.yaml');
    writeFileSync(f, edited('  containerd:\n    configAdditions:\n      plugins."io.containerd.cri.v1.runtime".containerd.default_runtime_name: nvidia\n'));
    const r = await run(['update', 'cluster', '--name', NAME, '-f', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.containerd.configAdditions.plugins."io.containerd.cri.v1.runtime".containerd.default_runtime_name');
    expect(r.stderr).toContain("a plugin of containerd 2's config");
  }, 120_000);
});
