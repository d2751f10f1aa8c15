/**
 * What the roll replaces and in which order. Pure: table-tested.
 *
 *  - An instance needs an update when the cloud says so (template version, detached by an earlier
 *    surge), when its Node carries the annotation `kops.k8s.io/needs-update`, or with `--force`.
 *    Detached instances always do, and come first (kops's `prioritizeUpdate`).
 *  - Phases: bastions (all at once), control-plane groups alphabetically (one instance at a time,
 *    see settings.ts), API-server groups one after the other, then node groups: one after the other
 *    as kops rolls them, or `nodeGroupConcurrency` groups at once (a kops-ts extension); each group
 *    stays within its own budget (maxSurge + maxUnavailable), so across N groups no more than the
 *    sum of those N budgets is ever disrupted.
 */
import { KopsError } from '../diagnostics.js';
import type { NormalizedRole } from '../model/api/types.js';
import type { CloudInstance, CloudInstanceGroup, KubeNode } from './types.js';

/** The Kubernetes Node of an instance: by the instance id in its provider id, else by name. */
export function nodeOf(instance: CloudInstance, nodes: readonly KubeNode[] | undefined): KubeNode | undefined {
  if (!nodes) return undefined;
  return (
    nodes.find((n) => n.instanceId !== undefined && n.instanceId === instance.id) ??
    nodes.find((n) => instance.providerId !== undefined && n.providerId === instance.providerId) ??
    nodes.find((n) => instance.nodeName !== undefined && n.name === instance.nodeName)
  );
}

export interface UpdateSelection {
  /** Instances to replace, detached ones first, then in the cloud's order. */
  readonly update: readonly CloudInstance[];
  /** Instances that stay (up to date, or already replaced by a run this one resumes). */
  readonly upToDate: readonly CloudInstance[];
}

export interface SelectOptions {
  readonly force?: boolean;
  /**
   * Resuming: the instances the interrupted run set out to replace, and those it finished. Then
   * only targeted instances not yet done are replaced (plus detached ones and any the cloud still
   * reports out of date), so `--force` never replaces a replacement.
   */
  readonly resume?: { readonly targeted: ReadonlySet<string>; readonly done: ReadonlySet<string> };
}

/**
 * The resume rule for one group: a group the interrupted run targeted resumes (only its targeted
 * instances not yet done); a group it did not target is selected afresh (so a new `--force` of
 * another group still applies).
 */
export function resumeFor(
  group: string,
  previous: { readonly targeted: Readonly<Record<string, readonly string[]>>; readonly done: readonly string[] } | undefined,
): SelectOptions['resume'] {
  const ids = previous?.targeted[group];
  if (!previous || !ids || ids.length === 0) return undefined;
  return { targeted: new Set(ids), done: new Set(previous.done) };
}

export function needsUpdate(instance: CloudInstance, node: KubeNode | undefined, opts: SelectOptions = {}): boolean {
  if (instance.status === 'Detached') return true;
  if (opts.resume) {
    if (opts.resume.done.has(instance.id)) return false;
    if (opts.resume.targeted.has(instance.id)) return true;
    return instance.status === 'NeedsUpdate' || node?.needsUpdate === true;
  }
  if (opts.force) return true;
  return instance.status === 'NeedsUpdate' || node?.needsUpdate === true;
}

export function selectUpdates(group: CloudInstanceGroup, nodes: readonly KubeNode[] | undefined, opts: SelectOptions = {}): UpdateSelection {
  const detached: CloudInstance[] = [];
  const rest: CloudInstance[] = [];
  const upToDate: CloudInstance[] = [];
  for (const i of group.instances) {
    if (!needsUpdate(i, nodeOf(i, nodes), opts)) upToDate.push(i);
    else if (i.status === 'Detached') detached.push(i);
    else rest.push(i);
  }
  return { update: [...detached, ...rest], upToDate };
}

// ---------------------------------------------------------------------------------------------
// Phases

export type PhaseKind = 'bastion' | 'control-plane' | 'api-server' | 'node';

export interface Phase {
  readonly kind: PhaseKind;
  /** Group names, alphabetical. */
  readonly groups: readonly string[];
  /** How many of the phase's groups roll at once. */
  readonly groupConcurrency: number;
}

export interface PhaseOptions {
  /** kops-ts extension: node groups rolled at once (default 1, as kops). */
  readonly nodeGroupConcurrency?: number;
}

const KIND_OF: Record<NormalizedRole, PhaseKind> = { Bastion: 'bastion', ControlPlane: 'control-plane', APIServer: 'api-server', Node: 'node' };

export function planPhases(groups: readonly { name: string; role: NormalizedRole }[], opts: PhaseOptions = {}): Phase[] {
  const n = opts.nodeGroupConcurrency ?? 1;
  if (!Number.isInteger(n) || n < 1) {
    throw new KopsError('InvalidFlag', `--node-group-concurrency must be a whole number of at least 1, got ${String(n)}`, {
      hint: 'use 1 (one node group at a time, as kops) or more to roll several node groups at once',
      exitCode: 2,
    });
  }
  const by = (k: PhaseKind): string[] =>
    groups
      .filter((g) => KIND_OF[g.role] === k)
      .map((g) => g.name)
      .sort();
  const phases: Phase[] = [
    { kind: 'bastion', groups: by('bastion'), groupConcurrency: Number.MAX_SAFE_INTEGER },
    { kind: 'control-plane', groups: by('control-plane'), groupConcurrency: 1 },
    { kind: 'api-server', groups: by('api-server'), groupConcurrency: 1 },
    { kind: 'node', groups: by('node'), groupConcurrency: n },
  ];
  return phases.filter((p) => p.groups.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Filters (--instance-group, --instance-group-roles)

const ROLE_WORDS: Record<string, NormalizedRole> = {
  bastion: 'Bastion',
  controlplane: 'ControlPlane',
  'control-plane': 'ControlPlane',
  master: 'ControlPlane',
  apiserver: 'APIServer',
  'api-server': 'APIServer',
  node: 'Node',
};

/** kops's role words for `--instance-group-roles` (case-insensitive). */
export function parseRole(word: string): NormalizedRole {
  const r = ROLE_WORDS[word.trim().toLowerCase()];
  if (!r) {
    throw new KopsError('InvalidFlag', `--instance-group-roles: unknown role ${JSON.stringify(word)}`, {
      hint: 'use one or more of: bastion, control-plane, apiserver, node',
      exitCode: 2,
    });
  }
  return r;
}

export function filterGroups<G extends { name: string; role: NormalizedRole }>(
  groups: readonly G[],
  names: readonly string[] | undefined,
  roles: readonly string[] | undefined,
): G[] {
  let out = [...groups];
  if (names && names.length > 0) {
    const known = new Set(groups.map((g) => g.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new KopsError('InstanceGroupNotFound', `--instance-group: no instance group named ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, {
        hint: `the cluster's instance groups are: ${[...known].sort().join(', ') || '(none)'}`,
        exitCode: 2,
      });
    }
    out = out.filter((g) => names.includes(g.name));
  }
  if (roles && roles.length > 0) {
    const want = new Set(roles.map(parseRole));
    out = out.filter((g) => want.has(g.role));
  }
  return out;
}
