/**
 * `delete instance -o json|yaml`: one document on stdout, whatever happened (the preview, the
 * replacement, or an instance already terminated), so a pipeline reads it as it reads the
 * rolling update's JSON: the same field names (`cluster`, `group`, `instance`, `node`) and the
 * same step words (`rolling-update.step`'s `detach`, `drain`, `deregister`, `terminate`,
 * `wait-replacement`, `replaced`, plus `validate` for each validation that passed). Progress
 * lines stay on stderr; errors are one line on stderr and no document (exit codes unchanged).
 */
import type { KopsEvent } from '../../events.js';
import type { NormalizedRole } from '../../model/api/types.js';
import type { LocatedInstance } from '../../rolling-update/single-instance.js';
import type { GoneInstance } from '../../rolling-update/types.js';

/** `preview`: without --yes, what would be done; `deleted`: replaced; `already-terminated`: nothing to do. */
export type DeleteInstanceOutcome = 'preview' | 'deleted' | 'already-terminated';

export interface DeleteInstanceDocument {
  readonly cluster: string;
  readonly outcome: DeleteInstanceOutcome;
  readonly instance: {
    readonly id: string;
    /** Its Kubernetes Node, when it has one. */
    readonly node?: string;
    readonly group: string;
    /** The group's role (from the spec; absent for a group the spec no longer has). */
    readonly role?: NormalizedRole;
    /** The cloud's state word when found (AWS ASG lifecycle, `Detached`, or EC2's `terminated`). */
    readonly state: string;
  };
  /** Detached first so the group launched the replacement before the drain (preview: will be). */
  readonly surge: boolean;
  readonly cloudOnly: boolean;
  /** Preview: the main steps that would run, in order. Otherwise: every step this run did, in order. */
  readonly steps: readonly string[];
  /** The instance was terminated and its group has its replacement in service (this run). */
  readonly replaced: boolean;
  /** The cluster validated during this run. */
  readonly validated: boolean;
  /** The run's warnings (and the preview's surge note and blocking PodDisruptionBudgets), as the progress lines say them. */
  readonly warnings: readonly string[];
}

function instanceOf(l: LocatedInstance): DeleteInstanceDocument['instance'] {
  return { id: l.instance.id, ...(l.node ? { node: l.node.name } : {}), group: l.group.name, role: l.group.role, state: l.instance.state };
}

/** The main steps a run would take for `l` (the roll may add `taint` and, for an API server, `deregister`). */
export function plannedSteps(l: LocatedInstance, cloudOnly: boolean, validateCount: number): string[] {
  const validate = !cloudOnly && validateCount > 0 ? ['validate'] : [];
  const drain = !cloudOnly && l.group.role !== 'Bastion' ? ['drain'] : [];
  const replace = ['terminate', 'wait-replacement', 'replaced'];
  return l.surge || l.instance.status === 'Detached' ? ['detach', ...validate, ...drain, ...replace] : [...drain, ...replace, ...validate];
}

/** `budgets`: the warnings for the PodDisruptionBudgets that would block its drain now. */
export function previewDocument(cluster: string, l: LocatedInstance, cloudOnly: boolean, validateCount: number, budgets: readonly string[] = []): DeleteInstanceDocument {
  return {
    cluster,
    outcome: 'preview',
    instance: instanceOf(l),
    surge: l.surge || l.instance.status === 'Detached',
    cloudOnly,
    steps: plannedSteps(l, cloudOnly, validateCount),
    replaced: false,
    validated: false,
    warnings: [...(l.surgeNote ? [l.surgeNote] : []), ...budgets],
  };
}

export function goneDocument(cluster: string, gone: GoneInstance, role: NormalizedRole | undefined, cloudOnly: boolean): DeleteInstanceDocument {
  return {
    cluster,
    outcome: 'already-terminated',
    instance: { id: gone.id, group: gone.group, ...(role ? { role } : {}), state: gone.state },
    surge: false,
    cloudOnly,
    steps: [],
    replaced: false,
    validated: false,
    warnings: [],
  };
}

/** Follows a run's events for the instance `l`; `document(surged)` is the run's document once it is done. */
export function runRecorder(cluster: string, l: LocatedInstance, cloudOnly: boolean): { sink: (e: KopsEvent) => void; document: (surged: boolean) => DeleteInstanceDocument } {
  const steps: string[] = [];
  const warnings: string[] = [];
  return {
    sink: (e) => {
      if (e.code === 'rolling-update.step' && e.instance === l.instance.id) steps.push(e.step);
      else if (e.code === 'rolling-update.validated') steps.push('validate');
      else if (e.code === 'rolling-update.warning') warnings.push(e.message);
    },
    document: (surged) => ({
      cluster,
      outcome: 'deleted',
      instance: instanceOf(l),
      surge: surged,
      cloudOnly,
      steps,
      replaced: steps.includes('replaced'),
      validated: steps.includes('validate'),
      warnings,
    }),
  };
}
