/**
 * The library entry point (src/index.ts) as a pipeline uses it: build a spec, write it, read it
 * back, and run a command in-process against the same store, all through the package's exports.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as kops from '../../src/index.js';

function captureIO(): { io: kops.CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY: false, env: {}, readFile: () => '', edit: () => 0 },
    out: () => out,
    err: () => err,
  };
}

describe('the kops-ts library API', () => {
  it('creates a cluster spec, reads it back and lists it through the CLI, all in-process', async () => {
    const url = `memory://lib-${randomUUID()}`;
    const cs = new kops.Clientset(kops.openStateStore(url));
    const built = kops.newCluster({ name: 'lib.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
    expect(kops.checkSpec(built.cluster, built.instanceGroups).filter((d) => d.severity === 'error')).toEqual([]);
    await kops.createClusterSpec({ clientset: cs, cluster: built.cluster, instanceGroups: built.instanceGroups });

    const stored = await cs.getCluster('lib.example.com');
    expect(stored.object.spec.kubernetesVersion).toBe(kops.DEFAULT_KUBERNETES_VERSION);
    const igs = (await cs.listInstanceGroups('lib.example.com')).map((v) => v.object);
    expect(igs).toHaveLength(6);
    const reparsed = kops.parseManifests(kops.toYaml([stored.object, ...igs]), 'lib.yaml');
    expect(reparsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(reparsed.objects.map((o) => o.kind)).toEqual([kops.KIND_CLUSTER, ...Array<string>(6).fill(kops.KIND_INSTANCE_GROUP)]);

    const c = captureIO();
    // In one process the memory store outlives the command: the library may allow it (the CLI refuses it).
    const code = await kops.run(['get', 'clusters', '--state', url, '-o', 'json'], c.io, { allowMemoryStore: true });
    expect([code, c.err()]).toEqual([kops.ExitCode.OK, '']);
    expect((JSON.parse(c.out()) as kops.Cluster[]).map((x) => x.metadata.name)).toEqual(['lib.example.com']);
    expect(typeof kops.updateCluster).toBe('function');
  });

  it('reports failures as KopsErrors with a stable code, an exit code and the problems', async () => {
    const cs = new kops.Clientset(kops.openStateStore(`memory://lib-${randomUUID()}`));
    const built = kops.newCluster({ name: 'dup.example.com', zones: ['us-east-1a'] });
    await kops.createClusterSpec({ clientset: cs, cluster: built.cluster, instanceGroups: built.instanceGroups });
    const again = kops.createClusterSpec({ clientset: cs, cluster: built.cluster, instanceGroups: built.instanceGroups });
    await expect(again).rejects.toSatisfy((e: unknown) => kops.KopsError.is(e, 'ClusterExists') && e.exitCode === kops.ExitCode.ERROR);

    let thrown: unknown;
    try {
      kops.newCluster({ name: 'bad.example.com', zones: ['us-east-1a'], controlPlaneCount: 2 });
    } catch (e) {
      thrown = e;
    }
    expect(kops.KopsError.is(thrown, 'InvalidFlags')).toBe(true);
    const err = thrown as kops.KopsError;
    expect(err.exitCode).toBe(kops.ExitCode.USAGE_OR_CHANGES);
    expect(err.diagnostics.map(kops.formatDiagnostic)).toEqual([expect.stringMatching(/^error: --control-plane-count: 2 control planes/)]);
  });
});
