/**
 * `reconcile cluster` (kops's `cmd/kops/reconcile_cluster.go`): the upgrade sequence that keeps
 * Kubernetes's version skew policy, as one command. `update cluster --yes` alone writes a new
 * Kubernetes version into every group's launch/instance template at once, so a node a group
 * launches before the control plane is rolled (a scale-up, an unhealthy replacement) would run a
 * kubelet newer than the API server. The sequence orders it, control plane first:
 *
 * 1. update the ControlPlane and APIServer groups only (a filtered update plans no deletions);
 * 2. wait for the API: validate the control-plane groups, no pods, up to 10 minutes;
 * 3. roll the control plane (ControlPlane and APIServer groups);
 * 4. update every group, without deletions (what the model no longer wants stays until 6);
 * 5. roll everything (bastions, nodes; the control plane is up to date by then);
 * 6. update with deletions (kops's `--prune`).
 *
 * Pure orchestration: each step is an effect the caller gives (the CLI runs its own `update
 * cluster` and `rolling-update cluster`, which take the cluster lock themselves, step by step).
 * Each step is idempotent, so a re-run resumes: the steps already done plan nothing, the roll
 * resumes from its progress record. A step that fails stops the sequence with a `KopsError` that
 * names it and what was done before.
 */
import { KopsError } from '../diagnostics.js';

export type ReconcileStepId = 'update-control-plane' | 'wait-for-api' | 'roll-control-plane' | 'update-all' | 'roll-all' | 'prune';

export interface ReconcileStep {
  readonly id: ReconcileStepId;
  /** What the step does, in a few words (the progress line). */
  readonly title: string;
}

/** The six steps, in kops's order. */
export const RECONCILE_STEPS: readonly ReconcileStep[] = [
  { id: 'update-control-plane', title: 'update control plane (instance group roles ControlPlane, APIServer)' },
  { id: 'wait-for-api', title: 'wait for the API (validate the control plane, pods ignored, up to 10m)' },
  { id: 'roll-control-plane', title: 'rolling-update control plane' },
  { id: 'update-all', title: 'update all instance groups, no deletions' },
  { id: 'roll-all', title: 'rolling-update cluster' },
  { id: 'prune', title: 'update cluster with deletions' },
];

/** A step's effect: resolves when the step is done, or throws (a `KopsError` ideally). */
export type ReconcileEffect = () => Promise<void>;

export interface ReconcileOptions {
  readonly clusterName: string;
  /** One effect per step. */
  readonly effects: Readonly<Record<ReconcileStepId, ReconcileEffect>>;
  /** Told before each step starts: its 1-based number, the count, the step. */
  readonly onStep?: (index: number, total: number, step: ReconcileStep) => void;
  /** The command that resumes the sequence (for the failure's hint). */
  readonly resumeCommand: string;
}

export interface ReconcileResult {
  readonly steps: readonly { readonly id: ReconcileStepId; readonly title: string; readonly outcome: 'done' }[];
}

/** Runs the steps in order; the first failure stops the sequence (`reconcileStepFailed`). */
export async function reconcileCluster(o: ReconcileOptions): Promise<ReconcileResult> {
  const done: ReconcileResult['steps'][number][] = [];
  const total = RECONCILE_STEPS.length;
  for (const [i, step] of RECONCILE_STEPS.entries()) {
    o.onStep?.(i + 1, total, step);
    try {
      await o.effects[step.id]();
    } catch (e) {
      throw reconcileStepFailed(o.clusterName, i, e, o.resumeCommand);
    }
    done.push({ id: step.id, title: step.title, outcome: 'done' });
  }
  return { steps: done };
}

/**
 * The error of a failed step `index` (0-based): which step, what it said, which steps were done,
 * and the command that resumes. The step's exit code is kept (130 for an interrupt, 2 for bad
 * input), and so are its other problems (e.g. each failed task of an apply).
 */
export function reconcileStepFailed(cluster: string, index: number, e: unknown, resume: string): KopsError {
  const total = RECONCILE_STEPS.length;
  const step = RECONCILE_STEPS[index]!;
  const why = e instanceof Error ? e.message : String(e);
  const before = index === 0 ? 'no step was done before it' : `step${index === 1 ? ' 1' : `s 1-${index}`}/${total} ${index === 1 ? 'was' : 'were'} done before it`;
  const summary = `reconcile cluster ${cluster} stopped at step ${index + 1}/${total} (${step.title}): ${why}; ${before}`;
  const inner = KopsError.is(e) ? e : undefined;
  const interrupted = inner?.code === 'Interrupted';
  const hint = `${interrupted ? 'resume' : 'fix the cause, then resume'} (the steps done plan nothing, an interrupted roll resumes from its record): ${resume}`;
  const others = (inner?.diagnostics ?? []).filter((d) => d.summary !== inner?.message && d.code !== 'Interrupted');
  return new KopsError(interrupted ? 'Interrupted' : 'ReconcileStepFailed', summary, {
    diagnostics: [...others, { severity: 'error', code: inner?.code ?? 'ReconcileStepFailed', summary, hint }],
    exitCode: inner?.exitCode ?? 1,
    cause: e,
  });
}
