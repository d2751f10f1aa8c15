/**
 * `kops-ts delete -f`'s implementation (see delete-file.ts). Three steps, so that bad input
 * deletes nothing:
 *
 * 1. read: every file, every object parsed and checked (parseManifests; an InstanceGroup must say
 *    its cluster by the `kops.k8s.io/cluster` label or --name);
 * 2. check: against the store, each object as its own delete command would check it (the cluster
 *    exists; the group exists and holds no etcd members), nothing written;
 * 3. delete, in the files' order: a Cluster as `delete cluster` (its cloud resources, then its
 *    state), an InstanceGroup as `delete instancegroup` (from the spec).
 *
 * An InstanceGroup of a cluster the same run deletes is skipped wherever it stands (kops skips it
 * only after the cluster): deleting the cluster deletes the group's resources and spec with it,
 * and a group removed first would be lost from a cluster whose deletion then fails.
 */
import { KopsError, hasErrors, type Diagnostic } from '../../diagnostics.js';
import { clusterOf, manifestCluster } from '../../cloudup/manifests.js';
import { invalidSpec } from '../../cloudup/create-cluster.js';
import { objectLabel, parseManifests } from '../../model/api/parse.js';
import type { KopsObject } from '../../model/api/types.js';
import { readClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { readInputFile } from '../input.js';
import { checkClusterDeletable, deleteCluster } from './delete-cluster-impl.js';
import { checkInstanceGroupDeletable, deleteInstanceGroupSpec, instanceGroupPreview, type DeletableInstanceGroup } from './delete-instancegroup.js';

/** One object of a manifest, with the file it came from and the cluster it is or belongs to. */
interface Target {
  readonly file: string;
  readonly label: string;
  readonly cluster: string;
  readonly object: KopsObject;
}

type Step =
  | { readonly target: Target; readonly kind: 'cluster' }
  | { readonly target: Target; readonly kind: 'instancegroup'; readonly ig: DeletableInstanceGroup }
  | { readonly target: Target; readonly kind: 'skip'; readonly why: string };

export interface DeleteFromFilesOptions {
  readonly yes: boolean;
  /** Break the lock with this id first: of the file's cluster it is on (refused if none). */
  readonly forceUnlock?: string;
}

export async function deleteFromFiles(c: CommandContext, files: readonly string[], o: DeleteFromFilesOptions): Promise<void> {
  const { yes } = o;
  if (files.filter((f) => f === '-').length > 1) {
    throw new KopsError('InvalidFlag', '-f - is given more than once: standard input can be read only once', { hint: 'give -f - once (or save the manifests to files)', exitCode: 2 });
  }
  const targets = files.flatMap((file) => readTargets(c, file));
  const steps = await checkTargets(c, targets);
  const unlock = o.forceUnlock !== undefined && yes ? await lockedCluster(c, steps, o.forceUnlock) : undefined;
  for (const [i, step] of steps.entries()) {
    try {
      await runStep(c, step, yes, step.kind === 'cluster' && step.target.cluster === unlock ? o.forceUnlock : undefined);
    } catch (e) {
      const left = steps.slice(i + 1).filter((s) => s.kind !== 'skip');
      if (yes && left.length > 0) c.warn(`delete -f stopped at ${step.target.label}; not deleted: ${left.map((s) => s.target.label).join(', ')}`);
      throw e;
    }
  }
  if (!yes) c.io.stdout('\nMust specify --yes to delete\n');
}

/** A file's objects, each with its cluster: bad input (unreadable, bad YAML, unknown kind, no cluster) refused. */
function readTargets(c: CommandContext, file: string): Target[] {
  const parsed = parseManifests(readInputFile(c, file, '-f'), file);
  if (hasErrors(parsed.diagnostics)) throw invalidSpec(parsed.diagnostics);
  // Its warnings (fields kops-ts does not act on) are about applying the spec, not deleting it: not repeated here.
  if (parsed.objects.length === 0) {
    throw new KopsError('InvalidManifest', `${file} holds no Cluster or InstanceGroup to delete`, { hint: 'give a manifest such as kops-ts get cluster <name> -o yaml writes', exitCode: 2 });
  }
  return parsed.objects.map((object) => {
    const label = objectLabel(object);
    const cluster = inFile(file, label, () =>
      object.kind === 'Cluster' ? manifestCluster({ clusters: [object], igs: [], warnings: [] }, file)! : clusterOf(object, c.globals.name, file),
    );
    return { file, label, cluster, object };
  });
}

/** Each target checked against the store as its own delete command checks it; nothing is written. */
async function checkTargets(c: CommandContext, targets: readonly Target[]): Promise<Step[]> {
  const cs = c.clientset();
  const deletedClusters = new Set(targets.filter((t) => t.object.kind === 'Cluster').map((t) => t.cluster));
  const seen = new Set<string>();
  const steps: Step[] = [];
  for (const target of targets) {
    const key = `${target.cluster}/${target.label}`;
    if (seen.has(key)) {
      steps.push({ target, kind: 'skip', why: 'listed more than once' });
      continue;
    }
    seen.add(key);
    if (target.object.kind === 'Cluster') {
      await inFileAsync(target.file, target.label, () => checkClusterDeletable(cs.store, target.cluster));
      steps.push({ target, kind: 'cluster' });
    } else if (deletedClusters.has(target.cluster)) {
      steps.push({ target, kind: 'skip', why: `deleted with Cluster/${target.cluster}` });
    } else {
      const ig = await inFileAsync(target.file, target.label, () => checkInstanceGroupDeletable(cs, target.cluster, target.object.metadata.name));
      steps.push({ target, kind: 'instancegroup', ig });
    }
  }
  return steps;
}

/** The file's cluster whose lock has `id`; refused before anything is deleted when there is none. */
async function lockedCluster(c: CommandContext, steps: readonly Step[], id: string): Promise<string> {
  const clusters = steps.filter((s) => s.kind === 'cluster').map((s) => s.target.cluster);
  for (const name of clusters) {
    if ((await readClusterLock(c.clientset().store, name))?.id === id) return name;
  }
  throw new KopsError('LockNotFound', `no cluster of the file${clusters.length === 1 ? '' : 's'} (${clusters.join(', ') || 'none'}) is locked with id ${id}`, {
    hint: 'nothing was deleted; --force-unlock breaks the lock of a Cluster the file deletes: check the id the lock error printed, or run again without it',
    exitCode: 2,
  });
}

async function runStep(c: CommandContext, step: Step, yes: boolean, forceUnlock?: string): Promise<void> {
  const { target } = step;
  switch (step.kind) {
    case 'skip':
      c.io.stdout(`${target.label} (${target.file}): skipped, ${step.why}\n`);
      return;
    case 'instancegroup':
      if (!yes) return c.io.stdout(instanceGroupPreview(step.ig));
      return deleteInstanceGroupSpec(c, step.ig);
    case 'cluster':
      c.io.stdout(`${target.label} (${target.file})${yes ? '' : ': will be deleted with every cloud resource it owns, then its state'}:\n`);
      return deleteCluster(c, target.cluster, { ...(yes ? { yes: true } : {}), ...(forceUnlock ? { forceUnlock } : {}), wait: '10m', count: '0', interval: '10s', output: 'table' }, { mustSpecifyLine: false });
  }
}

/** A KopsError with the manifest file and the object on each of its problems (a store object it names is kept after the file). */
function withFile(e: unknown, file: string, label: string): unknown {
  if (!KopsError.is(e)) return e;
  const diagnostics: Diagnostic[] = e.diagnostics.map((d) => ({
    ...d,
    path: d.path?.startsWith(label) ? d.path : `${label}${d.path ? ` ${d.path}` : ''}`,
    file: d.file === undefined || d.file === file ? file : `${file}; ${d.file}`,
  }));
  return new KopsError(e.code, e.message, { cause: e, diagnostics, exitCode: e.exitCode });
}

function inFile<T>(file: string, label: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw withFile(e, file, label);
  }
}

async function inFileAsync<T>(file: string, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw withFile(e, file, label);
  }
}
