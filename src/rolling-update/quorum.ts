/**
 * The quorum guard: before a control-plane instance goes down, every control-plane node must be
 * Ready and registered, and the validation free of control-plane failures, or the roll refuses
 * (etcd quorum). A validation that just passed with nothing changed since answers the question.
 */
import { QuorumAtRiskError } from './errors.js';
import { errMessage, type RollContext } from './roll-context.js';
import type { CloudInstance, CloudInstanceGroup, ValidationFailure } from './types.js';
import { describeFailure, freshClean, noteAttempt } from './validation.js';

const CONTROL_PLANE_POD = /(^|\/)(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)/;

/** Refuses to take a control plane down unless every control-plane node is healthy. */
export async function checkQuorum(ctx: RollContext, group: CloudInstanceGroup, u: CloudInstance): Promise<void> {
  const { kube, validator, signal, cloud, cluster } = ctx.opts;
  if (!kube) return;
  const reasons: string[] = [];
  const cpSpecs = [...ctx.roleOf].filter(([, r]) => r === 'ControlPlane').map(([name]) => ({ name, role: 'ControlPlane' as const }));
  const cpGroups = await cloud.listGroups(cluster, cpSpecs);
  const cpNames = new Set(cpSpecs.map((s) => s.name));
  const liveIds = new Set(cpGroups.flatMap((g) => g.instances.map((i) => i.id)));
  const nodes = await kube.listNodes(signal);
  const cpNodes = nodes.filter(
    (n) =>
      (n.roles.includes('control-plane') || n.roles.includes('master') || (n.instanceGroup !== undefined && cpNames.has(n.instanceGroup))) &&
      // A Node of an instance already terminated is on its way out; it holds no etcd member.
      (n.instanceId === undefined || liveIds.has(n.instanceId)),
  );
  for (const n of cpNodes) if (!n.ready) reasons.push(`control-plane node ${n.name} is not Ready`);
  const expected = cpGroups.reduce((k, g) => k + g.targetSize, 0);
  if (cpNodes.length < expected) reasons.push(`only ${cpNodes.length} of ${expected} control-plane nodes are registered`);
  // A validation that just found no failure at all, with nothing changed since, found none of
  // the control plane's either: it answers the quorum question (the nodes above are read fresh).
  if (validator && !freshClean(ctx, 1)) {
    const changesAtStart = ctx.changes;
    try {
      const res = await validator.validate(signal);
      noteAttempt(ctx, res, changesAtStart, 1);
      for (const f of res.failures) if (isControlPlaneFailure(f, cpNames)) reasons.push(describeFailure(f));
    } catch (e) {
      noteAttempt(ctx, undefined, changesAtStart, 0);
      if (signal?.aborted) throw e;
      reasons.push(`the cluster could not be validated (${errMessage(e)})`);
    }
  }
  if (reasons.length > 0) throw new QuorumAtRiskError(group.name, u.id, reasons);
}
function isControlPlaneFailure(f: ValidationFailure, cpGroups: ReadonlySet<string>): boolean {
  if (f.instanceGroup !== undefined && cpGroups.has(f.instanceGroup)) return true;
  if (f.kind === 'ApiServer') return true;
  return f.kind === 'Pod' && CONTROL_PLANE_POD.test(f.name);
}
