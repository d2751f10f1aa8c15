/**
 * `edit cluster|instancegroup --set/--unset`: the edit without an editor (kops's RunEditCluster and
 * RunEditInstanceGroup with Sets/Unsets), for scripts and CI. The guarantees are the editor's:
 *
 * - `--unset` then `--set` (set-fields.ts, the one field-path parser) on a copy of the stored object;
 * - nothing changed (the value was already that): nothing written, no history entry;
 * - the result checked as an edited file is (`checkEdited`: the schema, the spec with the other
 *   objects, no rename): an invalid result writes nothing;
 * - the write is conditional on the version read, so a change made meanwhile is a `StateConflict`,
 *   never overwritten; the clientset keeps the previous version in the history.
 */
import { isDeepStrictEqual } from 'node:util';
import { KopsError, error, hasErrors, type Diagnostic } from '../diagnostics.js';
import { checkObject } from '../model/api/parse.js';
import type { Cluster, InstanceGroup, KopsObject } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';
import { checkSpec } from './create-cluster.js';
import { setFields, unsetFields } from './set-fields.js';

/**
 * The checks an edited object passes before it is saved, by the editor or by `--set`: the object
 * schema (unknown fields with a "did you mean"), then `check` (the spec with the other objects:
 * an unknown field does not hide the spec's other problems), and no rename. `object` is set when
 * the value is a well-formed object; it may still carry errors in `diagnostics`.
 */
export function checkEdited(original: KopsObject, value: unknown, check: (obj: KopsObject) => Diagnostic[]): { object?: KopsObject; diagnostics: Diagnostic[] } {
  const r = checkObject(value);
  const target = r.object ?? r.validatable;
  const diagnostics = target ? [...r.diagnostics, ...check(target).filter((d) => r.object || d.severity === 'error')] : r.diagnostics;
  if (r.object && (value as KopsObject).metadata?.name !== original.metadata.name) {
    diagnostics.push(error('RenameNotSupported', 'metadata.name cannot be changed', { path: 'metadata.name' }));
  }
  return r.object ? { object: r.object, diagnostics } : { diagnostics };
}

export interface EditFieldsOptions {
  readonly clientset: Clientset;
  readonly clusterName: string;
  /** `path=value` assignments, applied after `unset` (kops's order). */
  readonly set?: readonly string[];
  /** Field paths to remove. */
  readonly unset?: readonly string[];
}

export interface EditFieldsResult {
  /** False when the fields already had these values: nothing was written. */
  readonly changed: boolean;
  /** Warnings about the saved object (kops fields kops-ts keeps without acting on them, ...). */
  readonly warnings: readonly Diagnostic[];
}

/** Applies the flags to a copy; undefined when that changes nothing. */
function edited<T extends KopsObject>(original: T, o: EditFieldsOptions): T | undefined {
  const copy = structuredClone(original);
  if (o.unset?.length) unsetFields([copy], o.unset);
  if (o.set?.length) setFields([copy], o.set);
  return isDeepStrictEqual(copy, original) ? undefined : copy;
}

/** The edited object when valid, else an `InvalidSpec` error (exit code 2) with every problem. */
function validated(original: KopsObject, value: KopsObject, check: (obj: KopsObject) => Diagnostic[]): { object: KopsObject; warnings: Diagnostic[] } {
  const { object, diagnostics } = checkEdited(original, value, check);
  if (object && !hasErrors(diagnostics)) return { object, warnings: diagnostics };
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const label = `${original.kind}/${original.metadata.name}`;
  const notSaved = error('EditNotSaved', `nothing was saved: ${label} is unchanged in the state store`, { hint: 'correct the --set/--unset values above and run the command again' });
  throw new KopsError('InvalidSpec', `the edited ${label} has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, { diagnostics: [...errors, notSaved], exitCode: 2 });
}

/** `edit cluster --set/--unset`: the Cluster checked with its instance groups, saved if it is still as read. */
export async function editClusterFields(o: EditFieldsOptions): Promise<EditFieldsResult> {
  const cs = o.clientset;
  const current = (await cs.inspectCluster(o.clusterName)) ?? (await cs.getCluster(o.clusterName)); // absent: ClusterNotFound
  // Fields are set on what is stored: a config that cannot be read is repaired in the editor instead.
  if (!current.object) throw unreadable('problem' in current ? current.problem : undefined, `kops-ts edit cluster ${o.clusterName}`);
  const original = current.object;
  const igs = (await cs.listInstanceGroups(o.clusterName)).map((v) => v.object);
  const changed = edited(original, o);
  if (!changed) return { changed: false, warnings: [] };
  const { object, warnings } = validated(original, changed, (obj) => checkSpec(obj as Cluster, igs));
  await cs.updateCluster(object as Cluster, current.version);
  return { changed: true, warnings };
}

/** `edit instancegroup <name> --set/--unset`: the group checked with the cluster and its other groups. */
export async function editInstanceGroupFields(o: EditFieldsOptions & { readonly instanceGroup: string }): Promise<EditFieldsResult> {
  const cs = o.clientset;
  const name = o.clusterName;
  const cluster = (await cs.getCluster(name)).object;
  const all = await cs.inspectInstanceGroups(name);
  const current = all.find((v) => v.name === o.instanceGroup);
  if (!current) throw new KopsError('InstanceGroupNotFound', `instance group "${o.instanceGroup}" not found in cluster "${name}"`, { hint: `list them with kops-ts get instancegroups --name ${name}` });
  // Fields are set on what is stored: one that cannot be read is repaired in the editor instead.
  if (!current.object) throw unreadable(current.problem, `kops-ts edit instancegroup ${o.instanceGroup} --name ${name}`);
  const original = current.object;
  const others = all.filter((v) => v !== current).map((v) => {
    if (!v.object) throw v.problem!;
    return v.object;
  });
  const changed = edited(original, o);
  if (!changed) return { changed: false, warnings: [] };
  const { object, warnings } = validated(original, changed, (obj) => checkSpec(cluster, [...others, obj as InstanceGroup]));
  await cs.updateInstanceGroup(name, object as InstanceGroup, current.version);
  return { changed: true, warnings };
}

function unreadable(problem: KopsError | undefined, editCommand: string): KopsError {
  const why = problem?.message ?? 'the stored object cannot be read';
  return new KopsError('UnreadableSpec', `${why}; --set/--unset need a readable object`, { hint: `repair it in the editor: ${editCommand}`, ...(problem ? { cause: problem } : {}) });
}
