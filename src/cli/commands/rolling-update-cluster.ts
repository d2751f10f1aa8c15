/**
 * `kops-ts rolling-update cluster [name]`, as kops's: without `--yes` the preview table
 * (`NAME STATUS NEEDUPDATE READY MIN TARGET MAX NODES`); with `--yes` the roll
 * (src/rolling-update/roll.ts) under the cluster lock, its progress recorded in the state store so
 * an interrupted run resumes. The Kubernetes API is reached through the kubeconfig context named
 * after the cluster (src/kube/client.ts); `--cloudonly` needs none.
 */
import type { Command } from 'commander';
import { ExitCode, KopsError } from '../../diagnostics.js';
import type { KopsEvent } from '../../events.js';
import { normalizeRole, type Cluster, type InstanceGroup } from '../../model/api/types.js';
import { filterGroups, needsUpdate, nodeOf, resumeFor } from '../../rolling-update/order.js';
import { buildPreview, renderPreview, renderPreviewTable } from '../../rolling-update/preview.js';
import { StateStoreProgress } from '../../rolling-update/progress.js';
import { openCloudProvider } from '../../rolling-update/providers.js';
import type { ConfirmAnswer, ConfirmQuestion } from '../../rolling-update/roll.js';
import type { ClusterValidator, KubeNode, KubeOps } from '../../rolling-update/types.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import type { CommandContext } from '../context.js';
import { boolFlag } from '../flags.js';
import { Interrupts, type InterruptedCommand } from '../interrupt.js';
import { parseOutputFormat, renderTable } from '../output.js';
import { rollingProgress } from '../rolling-progress.js';
import { parseRollingUpdateFlags, type RawRollingUpdateFlags, type RollingUpdateFlags } from './rolling-update-flags.js';
import { shellWord } from './update-cluster.js';

interface Flags extends RawRollingUpdateFlags {
  output?: string;
  kubeconfig?: string;
  forceUnlock?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerRollingUpdateCluster(program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  program
    .command('rolling-update')
    .description('Replace instances whose configuration changed, one group at a time, validating the cluster between steps')
    .command('cluster [name]')
    .description('Preview (or with --yes, run) the rolling update of a cluster: bastions, then control planes one at a time, then API servers, then nodes')
    .option('-y, --yes', 'perform the rolling update (without it: preview)')
    .option('--force', 'replace every instance, even those up to date')
    .option('--cloudonly', 'replace instances without the Kubernetes API: no drain, no validation (will cause downtime)')
    .option('-i, --interactive', 'ask before each instance is replaced')
    .option('--validation-timeout <duration>', 'how long the cluster may take to validate after each step (default 15m)')
    .option('--validate-count <n>', 'successful validations in a row required after each step (default 2; 0 skips validation)')
    .option('--drain-timeout <duration>', 'how long a node may take to drain (default 15m)')
    .option('--post-drain-delay <duration>', 'pause after a drain before terminating (default 5s)')
    .option('--control-plane-interval <duration>', 'pause between control-plane instances (default 15s)')
    .option('--master-interval <duration>', 'deprecated name of --control-plane-interval')
    .option('--node-interval <duration>', 'pause between node instances (default 15s)')
    .option('--bastion-interval <duration>', 'pause between bastion instances (default 15s)')
    .option('--instance-group <names>', 'only these instance groups (comma-separated or repeated)', collect)
    .option('--instance-group-roles <roles>', 'only groups of these roles: control-plane (or master), apiserver, node, bastion', collect)
    .option('--fail-on-drain-error [bool]', 'stop when a node cannot be drained (default true)', boolFlag('--fail-on-drain-error'))
    .option('--fail-on-validate-error [bool]', 'stop when the cluster does not validate in time (default true)', boolFlag('--fail-on-validate-error'))
    .option('--node-group-concurrency <n>', 'node groups rolled at once, each within its own budget (default 1, as kops)')
    .option('--kubeconfig <file>', 'the kubeconfig to read the cluster context from (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first (needs --yes)')
    .option('-o, --output <format>', 'table (progress lines) or json (the preview as JSON; with --yes, one JSON event per line)')
    .action(async (positional: string | undefined, raw: Flags) => {
      const c = ctx();
      const name = c.clusterName(positional);
      const format = parseOutputFormat(raw.output, ['table', 'json']);
      const flags = parseRollingUpdateFlags(raw);
      if (raw.forceUnlock !== undefined && !flags.yes) {
        throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to run the rolling update: add --yes', exitCode: 2 });
      }
      setExit(await rollingUpdate(c, name, flags, format === 'json', raw));
    });
}

/** The same command line, for the messages that say how to resume. */
function commandLine(c: CommandContext, cluster: string, f: RollingUpdateFlags, raw: Flags, extra: readonly string[]): string {
  const words = ['kops-ts', 'rolling-update', 'cluster', '--name', cluster];
  if (c.globals.state !== undefined) words.push('--state', c.globals.state);
  if (f.cloudOnly) words.push('--cloudonly');
  if (f.force) words.push('--force');
  if (f.instanceGroups.length > 0) words.push('--instance-group', f.instanceGroups.join(','));
  if (raw.instanceGroupRoles?.length) words.push('--instance-group-roles', raw.instanceGroupRoles.join(','));
  if (raw.kubeconfig !== undefined) words.push('--kubeconfig', raw.kubeconfig);
  return [...words, ...extra].map(shellWord).join(' ');
}

interface Kube {
  readonly ops: KubeOps;
  readonly validator: ClusterValidator;
}

/** kops's words when the API cannot be reached; `--cloudonly` is the way around it. */
async function connectKube(c: CommandContext, cluster: Cluster, groups: readonly InstanceGroup[], cloud: Awaited<ReturnType<typeof openCloudProvider>>, kubeconfig: string | undefined): Promise<Kube> {
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
        hint: 'use --cloudonly to do a rolling update without confirming progress with the Kubernetes API (no drain, no validation: will cause downtime)',
        cause: e,
      });
    }
    throw e;
  }
  return { ops: kubeOps(client), validator: clusterValidator({ clusterName, instanceGroups: groups, cloud, client }) };
}

async function rollingUpdate(c: CommandContext, name: string, f: RollingUpdateFlags, json: boolean, raw: Flags): Promise<number> {
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
  const preview = buildPreview(groups, (g, i) => {
    const resume = resumeFor(g.name, pending);
    return needsUpdate(i, nodeOf(i, nodes), { force: f.force, ...(resume ? { resume } : {}) });
  }, nodes);

  if (!f.yes || !preview.required) {
    if (json) c.io.stdout(`${JSON.stringify({ cluster: name, required: preview.required, ...(pending ? { resumes: pending.started } : {}), groups: preview.rows }, null, 2)}\n`);
    else {
      c.io.stdout(renderPreview(preview, f.cloudOnly, renderTable));
      if (pending && preview.required) c.io.stdout(`An interrupted rolling update (started ${pending.started}) will be resumed.\n`);
    }
    return ExitCode.OK;
  }
  if (!json) c.io.stdout(renderPreviewTable(preview, f.cloudOnly, renderTable));

  const command: InterruptedCommand = {
    operation: 'rolling-update cluster',
    cluster: name,
    rerun: () => commandLine(c, name, f, raw, ['--yes']),
    forceUnlock: (id) => commandLine(c, name, f, raw, ['--force-unlock', id, '--yes']),
  };
  const it = new Interrupts(c.io, command);
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
      });
    } catch (e) {
      if (!it.signal.aborted) throw e;
      const summary = `rolling update interrupted by ${it.received ?? 'a signal'}: ${replaced} instance(s) replaced by this run; the cluster lock is released and the progress is recorded in the state store`;
      throw new KopsError('Interrupted', summary, { hint: `a re-run resumes where it stopped, replacing no instance twice: ${command.rerun('apply')}`, exitCode: ExitCode.INTERRUPTED, cause: e });
    } finally {
      view.close();
    }
    return ExitCode.OK;
  });
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
