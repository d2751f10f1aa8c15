/**
 * `kops-ts delete instance`'s implementation: find the instance among the cluster's instance
 * groups (by cloud id or Node name), say what would be done, and with `--yes` replace it under the
 * cluster lock through the rolling update's steps (src/rolling-update/single-instance.ts).
 * SIGINT/SIGTERM stop it as they stop `rolling-update cluster` (no new step starts, the lock is
 * released, exit 130, the same command finishes the job). An id no instance group has that the
 * cloud still lists as terminated (AWS, about an hour) is already done: said so, exit 0.
 * `-o json|yaml`: the words on stdout become one document (delete-instance-output.ts), the head
 * goes to stderr with the progress. Imported by the command's action.
 */
import { ExitCode, KopsError } from '../../diagnostics.js';
import type { KopsEvent } from '../../events.js';
import { normalizeRole } from '../../model/api/types.js';
import { openCloudProvider } from '../../rolling-update/providers.js';
import type { RollGroupSpec } from '../../rolling-update/roll-options.js';
import type { LocatedInstance } from '../../rolling-update/single-instance.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { commandLine, switchFlag, valueFlag, type CommandLine } from '../command-line.js';
import { commandInterrupts } from '../interrupt.js';
import { parseOutputFormat, renderDocument } from '../output.js';
import { rollingProgress } from '../rolling-progress.js';
import type { DeleteInstanceFlags } from './delete-instance.js';
import { goneDocument, previewDocument, runRecorder } from './delete-instance-output.js';
import { connectKube } from './rolling-update-cluster-impl.js';
import type { StepFlags } from './rolling-update-flags.js';

/** The same command line (by the instance's cloud id, which outlives its Node), for the messages that say how to finish. */
function deleteInstanceLine(c: CommandContext, cluster: string, id: string, f: StepFlags, raw: DeleteInstanceFlags): CommandLine {
  return commandLine({
    verb: ['delete', 'instance', id],
    cluster,
    globals: c.globals,
    flags: [...switchFlag('--cloudonly', f.cloudOnly), ...(raw.surge !== undefined ? [`--surge=${raw.surge}`] : []), ...valueFlag('--kubeconfig', raw.kubeconfig)],
  });
}

/**
 * What will be done to the instance, in words (the preview, and the head of a run). The surge
 * note is the preview's: a run says it once, as its warning line on stderr.
 */
function describe(l: LocatedInstance, cloudOnly: boolean, withNote: boolean): string {
  const { group, instance, node } = l;
  const lines = [
    `Instance ${instance.id}${node ? ` (${node.name})` : ''} found for deletion in instance group ${group.name} (${group.role})`,
  ];
  if (withNote && l.surgeNote) lines.push(`Note: ${l.surgeNote}`);
  const checks = cloudOnly ? 'without draining or validating (--cloudonly)' : '';
  if (l.surge || instance.status === 'Detached') {
    lines.push(
      cloudOnly
        ? `With surge: it is detached so ${group.name} launches its replacement, then terminated ${checks}`
        : `With surge: it is detached so ${group.name} launches its replacement, the cluster is validated, then it is drained and terminated`,
    );
  } else {
    lines.push(
      cloudOnly
        ? `Without surge: it is terminated ${checks}, then ${group.name} launches its replacement`
        : `Without surge: it is drained and terminated, then ${group.name} launches its replacement and the cluster is validated`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function deleteInstanceCommand(c: CommandContext, name: string, query: string, f: StepFlags, raw: DeleteInstanceFlags): Promise<number> {
  if (raw.forceUnlock !== undefined && !f.yes) {
    throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to delete the instance: add --yes', exitCode: 2 });
  }
  const cs = c.clientset();
  const cluster = (await cs.getCluster(name)).object;
  const igs = (await cs.listInstanceGroups(name)).map((v) => v.object);
  const specGroups: RollGroupSpec[] = igs.map((ig) => ({ name: ig.metadata.name, role: normalizeRole(ig.spec.role), rollingUpdate: ig.spec.rollingUpdate ?? null }));
  const cloud = await openCloudProvider(cluster, { aws: { timeouts: c.awsTimeouts() }, operation: 'delete instance' });
  const kube = f.cloudOnly ? undefined : await connectKube(c, cluster, igs, cloud, raw.kubeconfig, 'the deletion');
  const lib = await import('../../rolling-update/single-instance.js');
  const common = {
    cluster: name,
    cloud,
    ...(kube ? { kube: kube.ops, ...(f.validateCount > 0 ? { validator: kube.validator } : {}) } : {}),
    specGroups,
    clusterRollingUpdate: cluster.spec.rollingUpdate ?? null,
    cloudOnly: f.cloudOnly,
    instance: query,
    ...(raw.surge !== undefined ? { surge: raw.surge } : {}),
  };
  const format = parseOutputFormat(raw.output);
  const machine = format === 'table' ? undefined : format;
  let located: LocatedInstance;
  try {
    ({ located } = await lib.locateInstance(common));
  } catch (e) {
    // A rerun after an interrupt (or a crash) that came after the terminate: the instance is no
    // longer in its group, but the cloud may still list it as terminated (AWS does for about an hour).
    const gone = KopsError.is(e, 'InstanceNotFound') ? await cloud.findGone?.(name, query) : undefined;
    if (!gone) throw e;
    const role = specGroups.find((g) => g.name === gone.group)?.role;
    if (machine) c.io.stdout(await renderDocument(goneDocument(name, gone, role, f.cloudOnly), machine));
    else {
      c.io.stdout(
        `Instance ${gone.id} of instance group ${gone.group} is already terminated (${cloud.name.toUpperCase()} state ${gone.state}): nothing to delete.\n` +
          `Its group launches its replacement by itself; check the cluster with 'kops-ts validate cluster --name ${name}'\n`,
      );
    }
    return ExitCode.OK;
  }
  // The PodDisruptionBudgets that would block its drain now (a run says them before its drain).
  const budgets = f.yes ? [] : await lib.budgetWarnings(common, located, f);
  if (machine && !f.yes) {
    c.io.stdout(await renderDocument(previewDocument(name, located, f.cloudOnly, f.validateCount, budgets), machine));
    return ExitCode.OK;
  }
  for (const w of budgets) c.io.stderr(`warning: ${w}\n`);
  // In json|yaml mode stdout holds only the document: the head goes with the progress, to stderr.
  (machine ? c.io.stderr : c.io.stdout)(describe(located, f.cloudOnly, !f.yes));
  if (!f.yes) {
    c.io.stdout('\nMust specify --yes to delete instance\n');
    return ExitCode.OK;
  }

  const id = located.instance.id;
  const line = deleteInstanceLine(c, name, id, f, raw);
  const it = commandInterrupts(c.io, 'delete instance', name, line);
  const view = rollingProgress(c.io, false);
  const recorder = runRecorder(name, located, f.cloudOnly);
  let terminated = false;
  return it.run(c.io.signals, async () => {
    if (raw.forceUnlock) await forceUnlock(cs.store, name, raw.forceUnlock);
    try {
      const result = await withClusterLock(cs.store, name, 'delete instance', async (lock) => {
        const events = it.watch((e: KopsEvent) => {
          lock.heartbeat();
          if (e.code === 'rolling-update.step' && e.step === 'terminate') terminated = true;
          recorder.sink(e);
          view.sink(e);
        });
        return lib.deleteInstance({
          ...common,
          // By id from here on: the instance the preview above named.
          instance: id,
          events,
          validationTimeoutMs: f.validationTimeoutMs,
          validateCount: f.validateCount,
          drainTimeoutMs: f.drainTimeoutMs,
          postDrainDelayMs: f.postDrainDelayMs,
          failOnDrainError: f.failOnDrainError,
          failOnValidateError: f.failOnValidateError,
          signal: AbortSignal.any([it.signal, lock.signal]),
        });
      }, it.lockHooks());
      if (machine) c.io.stdout(await renderDocument(recorder.document(result.surged), machine));
      else c.io.stdout(`Instance ${result.instance}${result.node ? ` (${result.node})` : ''} deleted; instance group ${result.group} has its replacement${f.cloudOnly || f.validateCount === 0 ? '' : ' and the cluster validated'}\n`);
    } catch (e) {
      if (!it.signal.aborted) throw e;
      const done = terminated ? `instance ${id} was terminated` : `instance ${id} was not terminated`;
      const summary = `delete instance interrupted by ${it.received ?? 'a signal'}: ${done}; the cluster lock is released`;
      const hint = terminated
        ? `its group replaces it by itself; check the cluster with 'kops-ts validate cluster --name ${name}'`
        : `a re-run finishes it (a detached instance is picked up where it was left): ${line(['--yes'])}`;
      throw new KopsError('Interrupted', summary, { hint, exitCode: ExitCode.INTERRUPTED, cause: e });
    } finally {
      view.close();
    }
    return ExitCode.OK;
  });
}
