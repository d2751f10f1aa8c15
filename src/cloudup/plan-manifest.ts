/**
 * `update cluster -f <manifest>`: the plan of a manifest before it is written to the store. The
 * manifest is read and checked exactly as `replace -f` reads it (src/cloudup/manifests.ts), and the
 * plan is made from the store AS IF `replace -f` had been run: the manifest's Cluster (else the
 * stored one), the stored instance groups with the manifest's replacing or added by name (replace
 * deletes none), the rest (completed spec, SSH keys, the cloud) as `update cluster` reads it.
 * Nothing is written. A cluster the store does not hold yet is planned as `create -f` and a first
 * `update` would plan it.
 *
 * The plan's fingerprint is of the tasks and of what the cloud holds, not of store metadata, so a
 * plan saved from the manifest applies with `update cluster --plan <file> --yes` once
 * `replace -f` has written that same manifest, and is `StalePlan` after any other.
 */
import { KopsError, error, hasErrors } from '../diagnostics.js';
import { checkSpec, invalidSpec } from './create-cluster.js';
import { LABEL_CLUSTER_NAME, type Cluster, type InstanceGroup } from '../model/api/types.js';
import { manifestCluster, readManifest, replacedSpec, type Manifest } from './manifests.js';
import type { Clientset } from '../statestore/clientset.js';
import type { ControlPlaneKubeletReader } from './node-version.js';
import { updateCluster, type UpdateClusterOptions, type UpdateClusterResult } from './update-cluster.js';

export interface PlanManifestOptions extends Omit<UpdateClusterOptions, 'clusterName' | 'yes' | 'spec' | 'savedPlan' | 'forceUnlock' | 'lock' | 'apply' | 'signal' | 'controlPlaneKubelets'> {
  /** The manifest's text, and its name for errors (`-` for standard input). */
  readonly manifest: { readonly text: string; readonly file: string };
  /**
   * The cluster the caller named (`--name`); the manifest must be for it. Absent: the manifest's
   * (its Cluster, else its first instance group's `kops.k8s.io/cluster` label).
   */
  readonly clusterName?: string;
  /** `updateCluster`'s `controlPlaneKubelets` for the cluster the manifest turned out to be for. */
  readonly controlPlaneKubeletsOf?: (clusterName: string) => ControlPlaneKubeletReader;
}

export interface PlanManifestResult extends UpdateClusterResult {
  readonly clusterName: string;
  /** What `replace -f` will have to create (`Cluster/x`, `InstanceGroup/y`): it needs `--force` then. */
  readonly creates: readonly string[];
}

/** The spec `replace -f` would leave in the store, and what it would have to create. */
interface Simulated {
  readonly name: string;
  readonly spec?: { readonly cluster: Cluster; readonly instanceGroups: readonly InstanceGroup[] };
  readonly creates: string[];
}

/** The manifest names another cluster than `--name`: where (its Cluster's name, else its first group's label). */
function mismatch(m: Manifest, file: string, given: string, found: string): KopsError {
  const summary = `the manifest is for cluster ${JSON.stringify(found)}, not ${JSON.stringify(given)}`;
  const path = m.clusters.length > 0 ? 'metadata.name' : `InstanceGroup/${m.igs[0]?.metadata.name ?? ''} metadata.labels["${LABEL_CLUSTER_NAME}"]`;
  return new KopsError('ClusterNameMismatch', summary, {
    exitCode: 2,
    diagnostics: [error('ClusterNameMismatch', summary, { path, file, hint: `pass --name ${found}, or plan the manifest of ${given}` })],
  });
}

async function simulate(cs: Clientset, m: Manifest, file: string, given?: string): Promise<Simulated> {
  const found = manifestCluster(m, file, given);
  if (given !== undefined && found !== undefined && found !== given) throw mismatch(m, file, given, found);
  const name = found ?? given;
  if (name === undefined) {
    throw new KopsError('MissingClusterName', `${file} holds no Cluster or InstanceGroup to plan`, { hint: 'pass --name <cluster> to plan the stored spec, or a manifest with a Cluster or InstanceGroup', exitCode: 2 });
  }
  const cluster = m.clusters[0];
  if (!cluster && m.igs.length === 0) return { name, creates: [] };
  const current = await cs.inspectCluster(name);
  if (!current) {
    // As `replace -f --force` (or `create -f`) would create it; without a Cluster, replace refuses.
    if (!cluster) throw new KopsError('ClusterNotFound', `cluster "${name}" not found`, { hint: 'create the cluster first', exitCode: 1 });
    const diags = checkSpec(cluster, m.igs, file);
    if (hasErrors(diags)) throw invalidSpec(diags);
    return { name, spec: { cluster, instanceGroups: m.igs }, creates: [`Cluster/${name}`, ...m.igs.map((g) => `InstanceGroup/${g.metadata.name}`)] };
  }
  const replaced = await replacedSpec(cs, m, current, file);
  const creates = m.igs.filter((g) => !replaced.byName.has(g.metadata.name)).map((g) => `InstanceGroup/${g.metadata.name}`);
  return { name, spec: { cluster: replaced.cluster, instanceGroups: replaced.instanceGroups }, creates };
}

/**
 * Plans `manifest` as if `replace -f` had written it; writes nothing. Throws `KopsError` for a bad
 * manifest (exit 2, the file and field named), a manifest for another cluster than `clusterName`,
 * and as `updateCluster` does for the plan itself.
 */
export async function planManifest(o: PlanManifestOptions): Promise<PlanManifestResult> {
  const { manifest, clusterName, controlPlaneKubeletsOf, ...rest } = o;
  const m = readManifest(manifest.text, manifest.file);
  const sim = await simulate(o.clientset, m, manifest.file, clusterName);
  const result = await updateCluster({
    ...rest,
    clusterName: sim.name,
    ...(sim.spec ? { spec: sim.spec } : {}),
    ...(controlPlaneKubeletsOf ? { controlPlaneKubelets: controlPlaneKubeletsOf(sim.name) } : {}),
  });
  return { ...result, warnings: [...m.warnings, ...result.warnings], clusterName: sim.name, creates: sim.creates };
}
