/**
 * `create -f` and `replace -f`: kops manifests applied to the store. Every object is checked, and
 * the resulting whole cluster validated, before anything is written.
 */
import { KopsError, error, hasErrors, type Diagnostic } from '../diagnostics.js';
import { isValidClusterName } from '../model/validation-util.js';
import { parseManifests, soundForValidation } from '../model/api/parse.js';
import { LABEL_CLUSTER_NAME, type Cluster, type InstanceGroup, type KopsObject } from '../model/api/types.js';
import type { Clientset, StoredSpec } from '../statestore/clientset.js';
import { checkSpec, createClusterSpec, invalidSpec } from './create-cluster.js';

export interface ManifestResult {
  readonly created: string[];
  readonly replaced: string[];
  /** `replace -f`: objects the manifest has exactly as stored; nothing written for them, no history entry. */
  readonly unchanged?: string[];
  readonly warnings: Diagnostic[];
}

/** A manifest's objects, read and checked one by one (`InvalidSpec` names the file and field). */
export interface Manifest {
  readonly clusters: Cluster[];
  readonly igs: InstanceGroup[];
  readonly warnings: Diagnostic[];
}

export function readManifest(text: string, file: string): Manifest {
  const parsed = parseManifests(text, file);
  if (hasErrors(parsed.diagnostics)) {
    // Only when every document could be read whole: a partial spec would report false problems.
    const more = soundForValidation(parsed.diagnostics) ? alsoInvalid(parsed.validatable, file) : [];
    throw invalidSpec([...parsed.diagnostics, ...more]);
  }
  const clusters = parsed.objects.filter((o): o is Cluster => o.kind === 'Cluster');
  const igs = parsed.objects.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
  if (clusters.length > 1) throw new KopsError('InvalidManifest', `${file} holds ${clusters.length} clusters`, { hint: 'give one Cluster per file', exitCode: 2 });
  const twice = givenTwice(igs, file);
  if (twice.length > 0) throw invalidSpec(twice);
  return { clusters, igs, warnings: parsed.diagnostics };
}

/**
 * An instance group given twice (same name, same cluster label) in one manifest: which copy should
 * be stored is unknowable, and writing both would store the second over the first (or fail half-way).
 */
function givenTwice(igs: readonly InstanceGroup[], file: string): Diagnostic[] {
  const seen = new Set<string>();
  const reported = new Set<string>();
  const diags: Diagnostic[] = [];
  for (const ig of igs) {
    const name = ig.metadata.name;
    const key = `${ig.metadata.labels?.[LABEL_CLUSTER_NAME] ?? ''}\n${name}`;
    if (seen.has(key) && !reported.has(key)) {
      reported.add(key);
      diags.push(error('DuplicateObject', `instance group ${name} is given more than once in the manifest`, { path: `InstanceGroup/${name} metadata.name`, file, hint: 'keep one of them' }));
    }
    seen.add(key);
  }
  return diags;
}

/**
 * When a manifest has errors that do not stop validation (an unknown field), its cluster is still
 * validated, so every problem is reported in one run rather than one fix at a time.
 */
function alsoInvalid(validatable: readonly KopsObject[], file: string): Diagnostic[] {
  const clusters = validatable.filter((o): o is Cluster => o.kind === 'Cluster');
  if (clusters.length !== 1) return [];
  const igs = validatable.filter((o): o is InstanceGroup => o.kind === 'InstanceGroup');
  return checkSpec(clusters[0]!, igs, file).filter((d) => d.severity === 'error');
}

export function clusterOf(ig: InstanceGroup, fallback: string | undefined, file: string): string {
  const label = ig.metadata.labels?.[LABEL_CLUSTER_NAME];
  const name = label ?? fallback;
  if (!name) {
    throw new KopsError('MissingClusterName', `InstanceGroup/${ig.metadata.name} does not say which cluster it belongs to`, {
      hint: `add the label ${LABEL_CLUSTER_NAME}: <cluster> or pass --name`,
      exitCode: 2,
    });
  }
  // Checked as a DNS name before it names anything in the store (`../../etc` is not a path here).
  if (!isValidClusterName(name)) {
    const summary = `${JSON.stringify(name)} is not a valid cluster name: it must be a lower-case DNS name with at least one dot`;
    const path = label !== undefined ? `InstanceGroup/${ig.metadata.name} metadata.labels["${LABEL_CLUSTER_NAME}"]` : '--name';
    throw new KopsError('InvalidClusterName', summary, { exitCode: 2, diagnostics: [error('InvalidClusterName', summary, { path, ...(label !== undefined ? { file } : {}), hint: 'use the name of an existing cluster, such as my-cluster.example.com' })] });
  }
  return name;
}

export async function createFromManifest(cs: Clientset, text: string, file: string, defaultCluster?: string, opts: { forceUnlock?: string } = {}): Promise<ManifestResult> {
  const { clusters, igs, warnings } = readManifest(text, file);
  const cluster = clusters[0];
  if (cluster) {
    const checked = await createClusterSpec({ clientset: cs, cluster, instanceGroups: igs, file, ...(opts.forceUnlock ? { forceUnlock: opts.forceUnlock } : {}) });
    return { created: [`Cluster/${cluster.metadata.name}`, ...igs.map((g) => `InstanceGroup/${g.metadata.name}`)], replaced: [], warnings: [...warnings, ...checked.warnings] };
  }
  // Every group is checked with its cluster (and the manifest's other groups) before any is
  // written, so a manifest whose second group is refused leaves the store as it was.
  const byCluster = new Map<string, InstanceGroup[]>();
  const checkedWarnings: Diagnostic[] = [];
  for (const ig of igs) {
    const name = clusterOf(ig, defaultCluster, file);
    byCluster.set(name, [...(byCluster.get(name) ?? []), ig]);
  }
  for (const [name, group] of byCluster) {
    const current = await cs.getCluster(name);
    const existing = (await cs.listInstanceGroups(name)).map((v) => v.object);
    const taken = group.find((g) => existing.some((e) => e.metadata.name === g.metadata.name));
    if (taken) {
      const ig = taken.metadata.name;
      throw new KopsError('InstanceGroupExists', `instance group "${ig}" already exists in cluster "${name}"`, {
        hint: `change it with kops-ts replace -f ${file === '-' ? '<file>' : file}, or kops-ts edit instancegroup ${ig} --name ${name}`,
        exitCode: 1,
      });
    }
    const diags = checkSpec(current.object, [...existing, ...group], file);
    if (hasErrors(diags)) throw invalidSpec(diags);
    checkedWarnings.push(...diags);
  }
  const created: string[] = [];
  for (const [name, group] of byCluster) {
    for (const ig of group) {
      await cs.createInstanceGroup(name, ig);
      created.push(`InstanceGroup/${ig.metadata.name}`);
    }
  }
  return { created, replaced: [], warnings: [...warnings, ...checkedWarnings] };
}

export async function replaceFromManifest(
  cs: Clientset,
  text: string,
  file: string,
  opts: { force?: boolean; defaultCluster?: string; forceUnlock?: string } = {},
): Promise<ManifestResult> {
  const { clusters, igs, warnings } = readManifest(text, file);
  const cluster = clusters[0];
  const name = manifestCluster({ clusters, igs, warnings }, file, opts.defaultCluster);
  if (!name) return { created: [], replaced: [], warnings };
  // Read as found: a corrupt config or instance group is replaced whole by the manifest's, on the
  // version stored (the manifest is the repair); one the manifest does not replace stops here.
  const current = await cs.inspectCluster(name);
  if (!current) {
    if (!opts.force || !cluster) {
      throw new KopsError('ClusterNotFound', `cluster "${name}" not found`, { hint: cluster ? 'use --force to create it, or kops-ts create -f' : 'create the cluster first', exitCode: 1 });
    }
    const checked = await createClusterSpec({ clientset: cs, cluster, instanceGroups: igs, file, ...(opts.forceUnlock ? { forceUnlock: opts.forceUnlock } : {}) });
    return { created: [`Cluster/${name}`, ...igs.map((g) => `InstanceGroup/${g.metadata.name}`)], replaced: [], warnings: [...warnings, ...checked.warnings] };
  }
  const { byName, warnings: checkedWarnings } = await replacedSpec(cs, { clusters, igs, warnings }, current, file);
  for (const ig of igs) {
    if (!byName.has(ig.metadata.name) && !opts.force) {
      throw new KopsError('InstanceGroupNotFound', `instance group "${ig.metadata.name}" not found in cluster "${name}"`, { hint: 'use --force to create it', exitCode: 1 });
    }
  }
  const replaced: string[] = [];
  const unchanged: string[] = [];
  const created: string[] = [];
  if (cluster) {
    const written = await cs.updateCluster(cluster, current.version);
    (written.unchanged ? unchanged : replaced).push(`Cluster/${name}`);
  }
  for (const ig of igs) {
    const prev = byName.get(ig.metadata.name);
    if (prev) {
      const written = await cs.updateInstanceGroup(name, ig, prev.version);
      (written.unchanged ? unchanged : replaced).push(`InstanceGroup/${ig.metadata.name}`);
    } else {
      await cs.createInstanceGroup(name, ig);
      created.push(`InstanceGroup/${ig.metadata.name}`);
    }
  }
  return { created, replaced, unchanged, warnings: [...warnings, ...checkedWarnings] };
}

/**
 * The cluster a manifest is for: its Cluster's name, else its first instance group's
 * `kops.k8s.io/cluster` label, else `defaultCluster` (`--name`); undefined for an empty manifest.
 * Checked as a DNS name before it names anything in the store.
 */
export function manifestCluster(m: Manifest, file: string, defaultCluster?: string): string | undefined {
  const cluster = m.clusters[0];
  const name = cluster?.metadata.name ?? (m.igs[0] ? clusterOf(m.igs[0], defaultCluster, file) : undefined);
  if (cluster && name !== undefined && !isValidClusterName(name)) {
    const summary = `${JSON.stringify(name)} is not a valid cluster name: it must be a lower-case DNS name with at least one dot`;
    throw new KopsError('InvalidClusterName', summary, { exitCode: 2, diagnostics: [error('InvalidClusterName', summary, { path: 'metadata.name', file, hint: 'name the cluster such as my-cluster.example.com' })] });
  }
  return name;
}

/** What `replace -f` would store for a cluster already in the store; nothing is written. */
export interface ReplacedSpec {
  /** The manifest's Cluster, else the stored one. */
  readonly cluster: Cluster;
  /** The stored instance groups with the manifest's replacing or added by name (none removed). */
  readonly instanceGroups: InstanceGroup[];
  /** The stored instance groups by name, as found (their versions are what a replace is conditional on). */
  readonly byName: ReadonlyMap<string, StoredSpec<InstanceGroup>>;
  /** Validation's warnings of the result (the manifest's own, from parsing, are the Manifest's). */
  readonly warnings: Diagnostic[];
}

/**
 * The stored cluster with the manifest applied, checked as a whole (`InvalidSpec` naming the file).
 * Read as found: a corrupt config or instance group is replaced whole by the manifest's (the
 * manifest is the repair); one the manifest does not replace stops here.
 */
export async function replacedSpec(cs: Clientset, m: Manifest, current: StoredSpec<Cluster>, file: string): Promise<ReplacedSpec> {
  const cluster = m.clusters[0];
  if (!current.object && !cluster) throw current.problem!;
  const stored = await cs.inspectInstanceGroups(current.name);
  const replacing = new Set(m.igs.map((g) => g.metadata.name));
  const unreadable = stored.find((g) => !g.object && !replacing.has(g.name));
  if (unreadable) throw unreadable.problem!;
  const byName = new Map(stored.map((v) => [v.name, v]));
  const merged = new Map(stored.flatMap((v) => (v.object ? [[v.name, v.object] as const] : [])));
  for (const ig of m.igs) merged.set(ig.metadata.name, ig);
  const result = { cluster: cluster ?? current.object!, instanceGroups: [...merged.values()] };
  const diags = checkSpec(result.cluster, result.instanceGroups, file);
  if (hasErrors(diags)) throw invalidSpec(diags);
  return { ...result, byName, warnings: diags };
}
