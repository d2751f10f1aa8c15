/**
 * `kops-ts reconcile cluster`'s implementation: the sequence of src/cloudup/reconcile-cluster.ts
 * with this CLI's own steps: `update cluster` (runUpdate) and `rolling-update cluster`
 * (rollingUpdate) run as their commands run, output and exit codes included, and the wait for the
 * API through the validation `validate cluster` runs. Imported by the command's action, not at
 * start-up.
 *
 * The cluster lock: each update and each roll takes it and releases it (the update and the roll
 * have no way to be handed a lock held by their caller), so another writer could take it between
 * two steps; each step plans from what the store and the cloud hold when it starts, so such a
 * write is picked up, not overwritten. Signals: a step that holds the lock stops on SIGINT as its
 * command does (exit 130); the sequence then stops, naming the step and the command that resumes.
 *
 * `-o json`: the steps run as in table mode but write their reports (update's tables, the roll's
 * preview) to stderr, through a context whose stdout is stderr; stdout gets one document at the
 * end: `{cluster, outcome: 'preview', plan, steps}` (plan: `update cluster -o json`'s document)
 * or `{cluster, outcome: 'reconciled', steps}` (each step `done`). A failure prints no document:
 * one error on stderr, the step's exit code, as in table mode.
 */
import { ExitCode, KopsError } from '../../diagnostics.js';
import { normalizeRole } from '../../model/api/types.js';
import { RECONCILE_STEPS, reconcileCluster, type ReconcileStepId } from '../../cloudup/reconcile-cluster.js';
import { commandLine, valueFlag, type CommandLine } from '../command-line.js';
import type { CommandContext } from '../context.js';
import { parseOutputFormat } from '../output.js';
import type { StopSignal } from '../io.js';
import type { ReconcileClusterFlags as Flags } from './reconcile-cluster.js';
import { parseRollingUpdateFlags, type RollingUpdateFlags } from './rolling-update-flags.js';
import { rollingUpdate } from './rolling-update-cluster-impl.js';
import { runUpdate } from './update-cluster.js';

/** kops's `--instance-group-roles` for the first half: the groups that serve the API. */
const CONTROL_PLANE_ROLES = ['ControlPlane', 'APIServer'] as const;
/** kops waits up to 10 minutes for the API after updating the control plane. */
const API_WAIT_MS = 10 * 60_000;
const API_WAIT_INTERVAL_MS = 10_000;

/** `reconcile cluster` for `cluster` with this run's flags that change what it does. */
function reconcileLine(c: CommandContext, cluster: string, raw: Flags): CommandLine {
  return commandLine({ verb: ['reconcile', 'cluster'], cluster, globals: c.globals, flags: valueFlag('--kubeconfig', raw.kubeconfig) });
}

/** Steps 3 and 5: the roll's own flags (kops's defaults), from this command's step and interval flags. */
function rollFlags(raw: Flags): RollingUpdateFlags {
  return parseRollingUpdateFlags({
    yes: true,
    ...(raw.validationTimeout !== undefined ? { validationTimeout: raw.validationTimeout } : {}),
    ...(raw.validateCount !== undefined ? { validateCount: raw.validateCount } : {}),
    ...(raw.drainTimeout !== undefined ? { drainTimeout: raw.drainTimeout } : {}),
    ...(raw.postDrainDelay !== undefined ? { postDrainDelay: raw.postDrainDelay } : {}),
    ...(raw.failOnDrainError !== undefined ? { failOnDrainError: raw.failOnDrainError } : {}),
    ...(raw.failOnValidateError !== undefined ? { failOnValidateError: raw.failOnValidateError } : {}),
    ...(raw.controlPlaneInterval !== undefined ? { controlPlaneInterval: raw.controlPlaneInterval } : {}),
    ...(raw.nodeInterval !== undefined ? { nodeInterval: raw.nodeInterval } : {}),
    ...(raw.bastionInterval !== undefined ? { bastionInterval: raw.bastionInterval } : {}),
  });
}

/** The context the steps run with in json mode: their stdout is stderr (plain lines, no live view). */
function onStderr(c: CommandContext, into: (t: string) => void = c.io.stderr): CommandContext {
  return { ...c, io: { ...c.io, stdout: into, isTTY: false } };
}

const stepList = () => RECONCILE_STEPS.map(({ id, title }) => ({ id, title }));

export async function reconcile(top: CommandContext, name: string, raw: Flags): Promise<number> {
  // Bad flags are refused before anything runs, not at step 3.
  const roll = rollFlags(raw);
  const json = parseOutputFormat(raw.output, ['table', 'json']) === 'json';
  const c = json ? onStderr(top) : top;
  if (!raw.yes) {
    if (raw.forceUnlock !== undefined) {
      throw new KopsError('InvalidFlag', '--force-unlock without --yes: the lock is broken only by a run that applies', {
        hint: `without --yes reconcile only plans, which takes no lock; to break the lock and reconcile, run: ${reconcileLine(c, name, raw)(['--force-unlock', raw.forceUnlock, '--yes'])}`,
        exitCode: 2,
      });
    }
    // kops: without --yes, one dry-run update (the whole cluster's plan, deletions included).
    if (json) {
      let plan = '';
      const code = await runUpdate(onStderr(top, (t) => (plan += t)), name, { output: 'json' });
      top.io.stdout(`${JSON.stringify({ cluster: name, outcome: 'preview', plan: JSON.parse(plan) as unknown, steps: stepList() }, null, 2)}\n`);
      return code;
    }
    const code = await runUpdate(c, name, { output: 'table' });
    c.io.stdout(`\nWith --yes, ${reconcileLine(c, name, raw)(['--yes'])} updates and rolls the control plane first, then updates and rolls every other group, and deletes what the model no longer wants last.\n`);
    return code;
  }
  const step = (f: () => Promise<number>) => async () => {
    const code = await f();
    if (code !== ExitCode.OK) throw new KopsError('StepFailed', `the step exited ${code}`, { exitCode: code });
  };
  const update = (extra: { instanceGroupRoles?: string[]; deletions?: boolean; forceUnlock?: string }) =>
    step(() => runUpdate(c, name, { yes: true, output: 'table', createKubeConfig: false, ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}), ...extra }));
  const rollRoles = (roles: RollingUpdateFlags['instanceGroupRoles']) =>
    step(() => rollingUpdate(c, name, { ...roll, instanceGroupRoles: roles }, false, { ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}) }));
  const effects: Record<ReconcileStepId, () => Promise<void>> = {
    'update-control-plane': update({ instanceGroupRoles: [...CONTROL_PLANE_ROLES], ...(raw.forceUnlock !== undefined ? { forceUnlock: raw.forceUnlock } : {}) }),
    'wait-for-api': () => waitForApi(c, name, raw.kubeconfig),
    'roll-control-plane': rollRoles([...CONTROL_PLANE_ROLES]),
    'update-all': async () => {
      await update({ deletions: false })();
      await refuseHeldBackNodes(c, name);
    },
    'roll-all': rollRoles([]),
    prune: update({}),
  };
  const result = await reconcileCluster({
    clusterName: name,
    effects,
    resumeCommand: reconcileLine(c, name, raw)(['--yes']),
    onStep: (i, total, s) => c.io.stderr(`reconcile: ${i}/${total} ${s.title}\n`),
  });
  c.io.stderr(`reconcile: done, ${RECONCILE_STEPS.length} steps\n`);
  if (json) top.io.stdout(`${JSON.stringify({ cluster: name, outcome: 'reconciled', steps: result.steps }, null, 2)}\n`);
  return ExitCode.OK;
}

/**
 * After step 4: the node groups must have the spec's Kubernetes version. The update holds them back
 * (and says why on stderr) when the control plane's kubelets could not be read or one is older;
 * rolling them then would roll them to the old version and end "done" with the upgrade half made,
 * so the step fails instead, before any node is replaced. A re-run resumes here.
 */
async function refuseHeldBackNodes(c: CommandContext, name: string): Promise<void> {
  const cs = c.clientset();
  const [{ lastNodeVersionOf }, completed] = await Promise.all([import('../../model/kubelet-skew.js'), cs.readCompletedSpec(name)]);
  const spec = completed?.object.spec.kubernetesVersion;
  const nodes = lastNodeVersionOf(completed?.object);
  if (spec === undefined || nodes === undefined || nodes === spec) return;
  // The step's failure names it and gives the command that resumes; the way around goes in the message.
  throw new KopsError(
    'NodesHeldBack',
    `the node groups keep Kubernetes ${nodes}, not ${spec}: the update held them behind the control plane (its warning above says why), so they were not rolled; to move them regardless, run kops-ts update cluster --name ${name} --ignore-kubelet-version-skew --yes, then kops-ts rolling-update cluster --name ${name} --yes`,
  );
}

/**
 * Step 2: the control-plane groups validated with pods ignored (kops: `validate` filtered to the
 * control plane, every pod filtered out), up to 10 minutes, 10 s apart: the API answers and every
 * control-plane machine has a Ready node. An unreachable API counts as a failure, retried.
 * SIGINT stops the wait (exit 130); no lock is held here.
 */
async function waitForApi(c: CommandContext, name: string, kubeconfig: string | undefined): Promise<void> {
  const cs = c.clientset();
  const cluster = (await cs.getCluster(name)).object;
  const groups = (await cs.listInstanceGroups(name)).map((v) => v.object).filter((ig) => (CONTROL_PLANE_ROLES as readonly string[]).includes(normalizeRole(ig.spec.role)));
  const [{ openCloudProvider }, { systemClock }, { kubeClient }, { clusterValidator, waitForValidation }] = await Promise.all([
    import('../../rolling-update/providers.js'),
    import('../../rolling-update/types.js'),
    import('../../kube/client.js'),
    import('../../kube/validate.js'),
  ]);
  const cloud = await openCloudProvider(cluster, { aws: { timeouts: c.awsTimeouts() }, operation: 'validate cluster' });
  const client = kubeClient({ clusterName: name, env: c.io.env, ...(kubeconfig !== undefined ? { kubeconfig } : {}) });
  const validator = clusterValidator({ clusterName: name, instanceGroups: groups, cloud, client, ignorePods: true });
  const stop = new AbortController();
  let received: StopSignal | undefined;
  const unlisten = c.io.signals?.listen((sig) => {
    if (received !== undefined) return c.io.signals?.exit(ExitCode.INTERRUPTED);
    received = sig;
    c.io.stderr(`Stopping on ${sig}: the wait for the API ends (${sig} again exits at once)\n`);
    stop.abort(new Error(`interrupted by ${sig}`));
  });
  try {
    const r = await waitForValidation({
      validator,
      clock: systemClock,
      waitMs: API_WAIT_MS,
      intervalMs: API_WAIT_INTERVAL_MS,
      signal: stop.signal,
      onAttempt: (res) => {
        if (res.failures.length > 0) c.io.stderr(`Validation failed: ${res.failures.map((x) => `${x.kind} ${x.name}: ${x.message}`).join('; ')}\n`);
      },
    });
    if (!r.ok) {
      const failures = r.result.failures.map((x) => `${x.kind} ${x.name}: ${x.message}`).join('; ');
      throw new KopsError('ValidationFailed', `the control plane did not validate within 10m: ${failures}`, { hint: `see the cluster's state with kops-ts validate cluster --name ${name}` });
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
    throw new KopsError('Interrupted', `interrupted by ${received ?? 'a signal'} while waiting for the API: nothing was changed by this step`, { exitCode: ExitCode.INTERRUPTED, cause: e });
  } finally {
    unlisten?.();
  }
}
