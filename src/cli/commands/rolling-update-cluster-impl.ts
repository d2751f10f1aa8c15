/**
 * `kops-ts rolling-update cluster`'s implementation: the preview, or the roll under the cluster
 * lock. Imported by the command's action (rolling-update-cluster.ts), not at start-up.
 */
import { ExitCode, KopsError } from '../../diagnostics.js';
import type { KopsEvent } from '../../events.js';
import { normalizeRole, type Cluster, type InstanceGroup } from '../../model/api/types.js';
import { filterGroups, needsUpdate, nodeOf, resumeFor } from '../../rolling-update/order.js';
import { blockingBudgetWarnings, nodesToDrain } from '../../rolling-update/pdb-warnings.js';
import { buildPreview, renderPreview, renderPreviewTable } from '../../rolling-update/preview.js';
import { StateStoreProgress } from '../../rolling-update/progress.js';
import { openCloudProvider } from '../../rolling-update/providers.js';
import type { ConfirmAnswer, ConfirmQuestion } from '../../rolling-update/roll.js';
import type { CloudInstance, CloudInstanceGroup, CloudProvider, ClusterValidator, KubeNode, KubeOps } from '../../rolling-update/types.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { commandLine, switchFlag, valueFlag, type CommandLine } from '../command-line.js';
import { commandInterrupts } from '../interrupt.js';
import { renderTable } from '../output.js';
import { rollingProgress } from '../rolling-progress.js';
import type { RollingUpdateFlags } from './rolling-update-flags.js';
import type { RollingUpdateClusterFlags as Flags } from './rolling-update-cluster.js';


/** The same command line, for the messages that say how to resume. */
function rollingUpdateLine(c: CommandContext, cluster: string, f: RollingUpdateFlags, raw: Flags): CommandLine {
  return commandLine({
    verb: ['rolling-update', 'cluster'],
    cluster,
    globals: c.globals,
    flags: [
      ...switchFlag('--cloudonly', f.cloudOnly),
      ...switchFlag('--force', f.force),
      ...valueFlag('--instance-group', f.instanceGroups),
      ...valueFlag('--instance-group-roles', raw.instanceGroupRoles),
      ...valueFlag('--kubeconfig', raw.kubeconfig),
    ],
  });
}

type CloudProviderName = CloudProvider['name'];

export interface Kube {
  readonly ops: KubeOps;
  readonly validator: ClusterValidator;
}

/**
 * kops's words when the API cannot be reached; `--cloudonly` is the way around it (`doing`: what
 * it would do without the API, for the hint). Shared with `delete instance`.
 */
export async function connectKube(
  c: CommandContext,
  cluster: Cluster,
  groups: readonly InstanceGroup[],
  cloud: Awaited<ReturnType<typeof openCloudProvider>>,
  kubeconfig: string | undefined,
  doing = 'a rolling update',
): Promise<Kube> {
  const [{ kubeClient, KubeUnreachableError }, { kubeOps }, { clusterValidator }] = await Promise.all([
    import('../../kube/client.js'),
    import('../../kube/ops.js'),
    import('../../kube/validate.js'),
  ]);
  const clusterName = cluster.metadata.name;
  const client = kubeClient({ clusterName, env: c.io.env, ...(kubeconfig !== undefined ? { kubeconfig } : {}) });
  try {
    await client.ping();
  } catch (e) {
    if (e instanceof KubeUnreachableError) {
      throw new KopsError('KubernetesUnreachable', `Unable to reach the kubernetes API at ${client.server} (context ${client.context}): ${e.message}`, {
        hint: `use --cloudonly to do ${doing} without confirming progress with the Kubernetes API (no drain, no validation: will cause downtime)`,
        cause: e,
      });
    }
    throw e;
  }
  return { ops: kubeOps(client), validator: clusterValidator({ clusterName, instanceGroups: groups, cloud, client }) };
}

export async function rollingUpdate(c: CommandContext, name: string, f: RollingUpdateFlags, json: boolean, raw: Flags): Promise<number> {
  const cs = c.clientset();
  const cluster = (await cs.getCluster(name)).object;
  const specGroups = (await cs.listInstanceGroups(name)).map((v) => v.object);
  const selected = filterGroups(
    specGroups.map((ig) => ({ name: ig.metadata.name, role: normalizeRole(ig.spec.role), ig })),
    f.instanceGroups,
    f.instanceGroupRoles,
  );
  const cloud = await openCloudProvider(cluster, { aws: { timeouts: c.awsTimeouts() } });
  const kube = f.cloudOnly ? undefined : await connectKube(c, cluster, specGroups, cloud, raw.kubeconfig);

  const groups = await cloud.listGroups(name, selected.map((s) => ({ name: s.name, role: s.role })));
  const nodes: KubeNode[] | undefined = kube ? await kube.ops.listNodes() : undefined;
  const progress = new StateStoreProgress(cs.store, name);
  const pending = await progress.load();
  const isUpdate = (g: CloudInstanceGroup, i: CloudInstance): boolean => {
    const resume = resumeFor(g.name, pending);
    return needsUpdate(i, nodeOf(i, nodes), { force: f.force, ...(resume ? { resume } : {}) });
  };
  const preview = buildPreview(groups, isUpdate, nodes);

  // A run killed after its last terminate leaves its record (and its lock) though nothing needs an
  // update now: with --yes the record is finished under the lock (so a dead run's lock is named for
  // --force-unlock), or it would turn a later roll, even with --force, into a resume of nothing.
  const finishOnly = f.yes && !preview.required && pending !== undefined;
  if (!f.yes || (!preview.required && !finishOnly)) {
    // The PodDisruptionBudgets that would block a drain of this roll now (the roll says them again before its first drain).
    const warnings = kube && !f.yes ? await previewBudgetWarnings(kube.ops, cloud.name, cluster, specGroups, groups, nodes, isUpdate, f) : [];
    if (json) c.io.stdout(`${JSON.stringify({ cluster: name, required: preview.required, ...(pending ? { resumes: pending.started } : {}), groups: preview.rows, warnings }, null, 2)}\n`);
    else {
      for (const w of warnings) c.io.stderr(`warning: ${w}\n`);
      c.io.stdout(renderPreview(preview, f.cloudOnly, renderTable));
      if (pending && preview.required) c.io.stdout(`An interrupted rolling update (started ${pending.started}) will be resumed.\n`);
    }
    return ExitCode.OK;
  }
  if (!json && finishOnly) c.io.stdout(`${renderPreview(preview, f.cloudOnly, renderTable)}The record of the interrupted rolling update (started ${pending.started}) is complete and will be removed.\n`);
  else if (!json) c.io.stdout(renderPreviewTable(preview, f.cloudOnly, renderTable));

  const line = rollingUpdateLine(c, name, f, raw);
  const it = commandInterrupts(c.io, 'rolling-update cluster', name, line);
  const view = rollingProgress(c.io, json);
  const sink = view.sink;
  let replaced = 0;
  const confirm = f.interactive ? askEach(c) : undefined;
  return it.run(c.io.signals, async () => {
    if (raw.forceUnlock) await forceUnlock(cs.store, name, raw.forceUnlock);
    try {
      await withClusterLock(cs.store, name, 'rolling-update cluster', async (lock) => {
        const events = it.watch((e: KopsEvent) => {
          lock.heartbeat();
          if (e.code === 'rolling-update.step' && e.step === 'replaced') replaced++;
          sink(e);
        });
        return (await import('../../rolling-update/roll.js')).rollingUpdateCluster({
          cluster: name,
          cloud,
          ...(kube ? { kube: kube.ops, ...(f.validateCount > 0 ? { validator: kube.validator } : {}) } : {}),
          events,
          progress,
          ...(confirm ? { confirm } : {}),
          specGroups: specGroups.map((ig) => ({ name: ig.metadata.name, role: normalizeRole(ig.spec.role), rollingUpdate: ig.spec.rollingUpdate ?? null })),
          clusterRollingUpdate: cluster.spec.rollingUpdate ?? null,
          force: f.force,
          cloudOnly: f.cloudOnly,
          interactive: f.interactive,
          validationTimeoutMs: f.validationTimeoutMs,
          validateCount: f.validateCount,
          drainTimeoutMs: f.drainTimeoutMs,
          postDrainDelayMs: f.postDrainDelayMs,
          controlPlaneIntervalMs: f.controlPlaneIntervalMs,
          nodeIntervalMs: f.nodeIntervalMs,
          bastionIntervalMs: f.bastionIntervalMs,
          failOnDrainError: f.failOnDrainError,
          failOnValidateError: f.failOnValidateError,
          nodeGroupConcurrency: f.nodeGroupConcurrency,
          instanceGroups: f.instanceGroups,
          instanceGroupRoles: f.instanceGroupRoles,
          signal: AbortSignal.any([it.signal, lock.signal]),
        });
      }, it.lockHooks());
    } catch (e) {
      if (!it.signal.aborted) throw e;
      const summary = `rolling update interrupted by ${it.received ?? 'a signal'}: ${replaced} instance(s) replaced by this run; the cluster lock is released and the progress is recorded in the state store`;
      throw new KopsError('Interrupted', summary, { hint: `a re-run resumes where it stopped, replacing no instance twice: ${line(['--yes'])}`, exitCode: ExitCode.INTERRUPTED, cause: e });
    } finally {
      view.close();
    }
    return ExitCode.OK;
  });
}

/** The preview's warnings for the budgets that would block the drains of the instances `isUpdate` picks. */
async function previewBudgetWarnings(
  kube: KubeOps,
  cloud: CloudProviderName,
  cluster: Cluster,
  specGroups: readonly InstanceGroup[],
  groups: readonly CloudInstanceGroup[],
  nodes: readonly KubeNode[] | undefined,
  isUpdate: (g: CloudInstanceGroup, i: CloudInstance) => boolean,
  f: RollingUpdateFlags,
): Promise<string[]> {
  const specs = specGroups.map((ig) => ({ name: ig.metadata.name, role: normalizeRole(ig.spec.role), rollingUpdate: ig.spec.rollingUpdate ?? null }));
  const drained = nodesToDrain(cloud, cluster.spec.rollingUpdate ?? null, specs, groups.map((group) => ({ group, update: group.instances.filter((i) => isUpdate(group, i)) })), nodes);
  return blockingBudgetWarnings(kube, drained, f);
}

/** kops's prompt: "Continue? (Y)es, (N)o, (A)lwaysYes: [Y]". */
function askEach(c: CommandContext): (q: ConfirmQuestion) => Promise<ConfirmAnswer> {
  const prompt = c.io.prompt;
  if (!prompt) throw new KopsError('InvalidFlag', '--interactive needs a terminal to ask on', { hint: 'run without -i, or from a terminal', exitCode: 2 });
  return async (q) => {
    for (;;) {
      const a = (await prompt(`Replace ${q.instance}${q.node ? ` (node ${q.node})` : ''} of ${q.group}? Continue? (Y)es, (N)o, (A)lwaysYes: [Y] `)).trim().toLowerCase();
      if (a === '' || a === 'y' || a === 'yes') return 'yes';
      if (a === 'n' || a === 'no') return 'no';
      if (a === 'a' || a === 'always' || a === 'alwaysyes') return 'always';
    }
  };
}
