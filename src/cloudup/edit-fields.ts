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
import type { Clientset, StoredSpec } from '../statestore/clientset.js';
import { checkSpec } from './create-cluster.js';
import { setFields, setValueHints, unsetFields } from './set-fields.js';

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
function edited<T extends KopsObject>(original: T, o: Pick<EditFieldsOptions, 'set' | 'unset'>): T | undefined {
  const copy = structuredClone(original);
  if (o.unset?.length) unsetFields([copy], o.unset);
  if (o.set?.length) setFields([copy], o.set);
  return isDeepStrictEqual(copy, original) ? undefined : copy;
}

/** The edited object when valid, else an `InvalidSpec` error (exit code 2) with every problem. */
function validated(original: KopsObject, value: KopsObject, check: (obj: KopsObject) => Diagnostic[]): { object: KopsObject; warnings: Diagnostic[] } {
  const { object, diagnostics } = checkEdited(original, value, check);
  if (object && !hasErrors(diagnostics)) return { object, warnings: diagnostics };
  const errors = setValueHints(diagnostics.filter((d) => d.severity === 'error'));
  const label = `${original.kind}/${original.metadata.name}`;
  const notSaved = error('EditNotSaved', `nothing was saved: ${label} is unchanged in the state store`, { hint: 'correct the --set/--unset values above and run the command again' });
  throw new KopsError('InvalidSpec', `the edited ${label} has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, { diagnostics: [...errors, notSaved], exitCode: 2 });
}

/**
 * What an edit works on, by the editor or by `--set`: the stored object (absent when it cannot be
 * read: then `unreadable` has its bytes and why), the check it must pass with the cluster's other
 * objects, and its save, conditional on the version read.
 */
export interface EditTarget {
  readonly kind: 'Cluster' | 'InstanceGroup';
  readonly name: string;
  readonly object?: KopsObject;
  readonly unreadable?: { readonly text: string; readonly problem: KopsError };
  readonly check: (obj: KopsObject) => Diagnostic[];
  /** Saves `obj`; false when it equals what is stored (as kops-ts would write it): nothing written, no history entry. */
  readonly save: (obj: KopsObject) => Promise<boolean>;
}

function unreadableOf(current: StoredSpec<KopsObject>): EditTarget['unreadable'] {
  return current.problem ? { text: new TextDecoder().decode(current.data), problem: current.problem } : undefined;
}

/** The Cluster, checked with its instance groups. */
export async function clusterEditTarget(cs: Clientset, clusterName: string): Promise<EditTarget> {
  const current = (await cs.inspectCluster(clusterName)) ?? (await cs.getCluster(clusterName)); // absent: ClusterNotFound
  const igs = (await cs.listInstanceGroups(clusterName)).map((v) => v.object);
  const unreadable = 'problem' in current ? unreadableOf(current) : undefined;
  return {
    kind: 'Cluster',
    name: clusterName,
    ...(current.object ? { object: current.object } : {}),
    ...(unreadable ? { unreadable } : {}),
    check: (obj) => checkSpec(obj as Cluster, igs),
    save: async (obj) => !(await cs.updateCluster(obj as Cluster, current.version)).unchanged,
  };
}

/** One instance group, checked with the cluster and its other groups (each must be readable). */
export async function instanceGroupEditTarget(cs: Clientset, clusterName: string, instanceGroup: string): Promise<EditTarget> {
  const cluster = (await cs.getCluster(clusterName)).object;
  const all = await cs.inspectInstanceGroups(clusterName);
  const current = all.find((v) => v.name === instanceGroup);
  if (!current) throw new KopsError('InstanceGroupNotFound', `instance group "${instanceGroup}" not found in cluster "${clusterName}"`, { hint: `list them with kops-ts get instancegroups --name ${clusterName}` });
  const others = all.filter((v) => v !== current).map((v) => {
    if (!v.object) throw v.problem!;
    return v.object;
  });
  const unreadable = unreadableOf(current);
  return {
    kind: 'InstanceGroup',
    name: instanceGroup,
    ...(current.object ? { object: current.object } : {}),
    ...(unreadable ? { unreadable } : {}),
    check: (obj) => checkSpec(cluster, [...others, obj as InstanceGroup]),
    save: async (obj) => !(await cs.updateInstanceGroup(clusterName, obj as InstanceGroup, current.version)).unchanged,
  };
}

/**
 * `--set/--unset` on an edit target: applied to a copy of what is stored (a stored object that
 * cannot be read is repaired in the editor, `editCommand`), checked, saved if still as read.
 */
export async function editFields(t: EditTarget, o: Pick<EditFieldsOptions, 'set' | 'unset'>, editCommand: string): Promise<EditFieldsResult> {
  if (!t.object) throw unreadable(t.unreadable?.problem, editCommand);
  const changed = edited(t.object, o);
  if (!changed) return { changed: false, warnings: [] };
  const { object, warnings } = validated(t.object, changed, t.check);
  // Still unchanged once stored (an unset creationTimestamp or generation is kept as it was).
  if (!(await t.save(object))) return { changed: false, warnings: [] };
  return { changed: true, warnings };
}

/** `edit cluster --set/--unset`: the Cluster checked with its instance groups, saved if it is still as read. */
export async function editClusterFields(o: EditFieldsOptions): Promise<EditFieldsResult> {
  return editFields(await clusterEditTarget(o.clientset, o.clusterName), o, `kops-ts edit cluster ${o.clusterName}`);
}

/** `edit instancegroup <name> --set/--unset`: the group checked with the cluster and its other groups. */
export async function editInstanceGroupFields(o: EditFieldsOptions & { readonly instanceGroup: string }): Promise<EditFieldsResult> {
  return editFields(await instanceGroupEditTarget(o.clientset, o.clusterName, o.instanceGroup), o, `kops-ts edit instancegroup ${o.instanceGroup} --name ${o.clusterName}`);
}

function unreadable(problem: KopsError | undefined, editCommand: string): KopsError {
  const why = problem?.message ?? 'the stored object cannot be read';
  return new KopsError('UnreadableSpec', `${why}; --set/--unset need a readable object`, { hint: `repair it in the editor: ${editCommand}`, ...(problem ? { cause: problem } : {}) });
}
