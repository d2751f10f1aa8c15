/**
 * Creating a cluster's spec in the state store: validate everything first (all problems at once),
 * then write all-or-nothing. Shared by `create cluster` (flags) and `create -f` (manifests).
 */
import { KopsError, hasErrors, type Diagnostic } from '../diagnostics.js';
import { checkObject, soundForValidation } from '../model/api/parse.js';
import { completeCluster } from '../model/completion.js';
import { validateCluster } from '../model/validation.js';
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import type { Clientset } from '../statestore/clientset.js';

export interface CreateClusterSpecOptions {
  readonly clientset: Clientset;
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  readonly sshPublicKeys?: readonly string[];
  /** Where the objects came from, for diagnostics (a manifest file). */
  readonly file?: string;
  /** Break the cluster lock with this id first (`--force-unlock`). */
  readonly forceUnlock?: string;
}

/**
 * Validates the spec as it will be applied (completed); returns every problem. With `schema`, the
 * objects are first checked field by field (as a manifest is when parsed): objects built in code
 * and edited by `--set` get the same unknown-field and type errors, and completion never sees a
 * mistyped value. Unknown or removed fields alone do not stop the validation: both are reported.
 */
export function checkSpec(cluster: Cluster, instanceGroups: readonly InstanceGroup[], file?: string, opts: { schema?: boolean } = {}): Diagnostic[] {
  const schema = opts.schema ? [cluster, ...instanceGroups].flatMap((o) => checkObject(o, file).diagnostics) : [];
  // Unknown fields do not stop validation (every problem at once); a mistyped value does.
  if (!soundForValidation(schema)) return schema;
  const completed = completeCluster(cluster, instanceGroups);
  return [...schema, ...validateCluster(completed.cluster, completed.instanceGroups, file ? { file } : {})];
}

export function invalidSpec(diagnostics: readonly Diagnostic[]): KopsError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return new KopsError('InvalidSpec', `the cluster spec has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, { diagnostics, exitCode: 2 });
}

/** Validates, then writes config, instance groups and SSH keys; nothing is written on error. */
export async function createClusterSpec(o: CreateClusterSpecOptions): Promise<{ warnings: Diagnostic[] }> {
  const diags = checkSpec(o.cluster, o.instanceGroups, o.file);
  if (hasErrors(diags)) throw invalidSpec(diags);
  await o.clientset.createCluster(o.cluster, [...o.instanceGroups], { sshPublicKeys: [...(o.sshPublicKeys ?? [])], ...(o.forceUnlock ? { forceUnlock: o.forceUnlock } : {}) });
  return { warnings: diags };
}
