/**
 * `kops-ts update cluster`: show the plan (kops's report, security-sensitive changes first), and
 * with `--yes` apply it. `-o json` prints the plan as one JSON document; `--detailed-exitcode`
 * gives CI an honest answer: 0 no changes, 2 changes pending, 1 error.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PlanDocument } from '../../cloudup/render/json.js';
import type { UpdateClusterResult } from '../../cloudup/update-cluster.js';
import { ExitCode, KopsError, type Diagnostic } from '../../diagnostics.js';
import type { Lifecycle } from '../../tasks/types.js';
import type { InterruptedStage } from '../../cloudup/interrupted.js';
import type { CommandContext } from '../context.js';
import { commandLine, shellWord, valueFlag, type CommandLine } from '../command-line.js';
import { Interrupts, rerunCommand, type InterruptedCommand } from '../interrupt.js';
import { checkOutputFile, readInputFile } from '../input.js';
import { boolFlag } from '../flags.js';
import { adminLifetime } from './export-kubeconfig.js';
import { MAX_PLAN_BYTES } from '../../model/api/limits.js';
import { parseOutputFormat, useColor } from '../output.js';
import { progressSink } from '../progress.js';

const LIFECYCLES: readonly Lifecycle[] = ['Sync', 'Ignore', 'WarnIfInsufficientAccess', 'ExistsAndValidates', 'ExistsAndWarnIfChanges'];

export interface UpdateFlags {
  yes?: boolean;
  output?: string;
  detailedExitcode?: boolean;
  instanceGroup?: string[];
  instanceGroupRoles?: string[];
  lifecycleOverrides?: string[];
  forceUnlock?: string;
  out?: string;
  plan?: string;
  /** kops's `--create-kube-config` (default true): after `--yes`, merge a context for the cluster. */
  createKubeConfig?: boolean;
  admin?: string | boolean;
  user?: string;
  internal?: boolean;
  /** Not a flag: `reconcile cluster` plans no deletions (false) until every instance is rolled. */
  deletions?: boolean;
  /** Not a flag: `reconcile cluster --kubeconfig`, where the control plane's kubelets are read. */
  kubeconfig?: string;
  /** kops's `--ignore-kubelet-version-skew`: node groups get the spec's version even ahead of the control plane. */
  ignoreKubeletVersionSkew?: boolean;
  /** `-f`: plan this manifest as if `replace -f` had written it (update-from-file.ts). */
  filename?: string;
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function parseLifecycleOverrides(values: readonly string[] = []): Record<string, Lifecycle> {
  const out: Record<string, Lifecycle> = {};
  for (const v of values) {
    const [kind, lc] = v.split('=');
    if (!kind || !lc || !(LIFECYCLES as readonly string[]).includes(lc)) {
      throw new KopsError('InvalidFlag', `--lifecycle-overrides ${v}: expected Kind=Lifecycle`, { hint: `lifecycles: ${LIFECYCLES.join(', ')}`, exitCode: 2 });
    }
    out[kind] = lc as Lifecycle;
  }
  return out;
}

/**
 * Runs the update for `cluster`; returns the exit code (2 = changes pending with --detailed-exitcode).
 * With `--yes` it holds the cluster lock, so SIGINT/SIGTERM stop it cleanly (`src/cli/interrupt.ts`);
 * a caller that handles signals itself (`create cluster --yes`) passes its `Interrupts`.
 */
export async function runUpdate(ctx: CommandContext, cluster: string, f: UpdateFlags, interrupts?: Interrupts): Promise<number> {
  const format = parseOutputFormat(f.output, ['table', 'json']);
  checkPlanFlags(ctx, f, cluster);
  // The kubeconfig flags are checked before anything is applied, not after.
  if ((await adminLifetime(f.admin)) !== undefined && f.user !== undefined) {
    throw new KopsError('InvalidFlag', '--admin and --user cannot be used together', { hint: 'pass --admin for a new admin credential, or --user for one already in the kubeconfig', exitCode: 2 });
  }
  // Rendering and the saved-plan format (the task graph) are imported when a plan is handled, not at start-up.
  const [{ assertPlanForCluster, parseSavedPlan }, { renderPlanDocumentText }] = await Promise.all([import('../../cloudup/saved-plan.js'), import('../../cloudup/render/index.js')]);
  const saved = f.plan === undefined ? undefined : parseSavedPlan(readInputFile(ctx, f.plan, '--plan', { bytes: MAX_PLAN_BYTES, what: 'plan file' }), f.plan, cluster);
  if (saved) assertPlanForCluster(saved, cluster, f.plan);
  if (saved && !f.yes) {
    // Without --yes a saved plan is only shown, as it was made: nothing is read from the cloud.
    ctx.io.stdout(format === 'json' ? `${JSON.stringify(saved, null, 2)}\n` : renderPlanDocumentText(saved, { color: useColor(ctx.io) }));
    return f.detailedExitcode && saved.changes.length > 0 ? ExitCode.USAGE_OR_CHANGES : ExitCode.OK;
  }
  if (!f.yes) return report(ctx, cluster, f, format, await update(ctx, cluster, f, saved));
  if (interrupts) return report(ctx, cluster, f, format, await update(ctx, cluster, f, saved, interrupts));
  const it = new Interrupts(ctx.io, updateInterrupted(ctx, cluster, f));
  return it.run(ctx.io.signals, async () => report(ctx, cluster, f, format, await update(ctx, cluster, f, saved, it)));
}

async function update(ctx: CommandContext, cluster: string, f: UpdateFlags, saved: PlanDocument | undefined, it?: Interrupts): Promise<UpdateClusterResult> {
  // The engine and the cloud SDKs are imported here, when a plan is made, not when the CLI starts.
  const [{ updateCluster }, { kubeconfigKubeletReader }] = await Promise.all([import('../../cloudup/update-cluster.js'), import('../../cloudup/node-version.js')]);
  const progress = f.yes ? progressSink(ctx.io) : undefined;
  const events = it ? it.watch(progress) : progress;
  return updateCluster({
    clientset: ctx.clientset(),
    clusterName: cluster,
    yes: Boolean(f.yes),
    aws: { timeouts: ctx.awsTimeouts() },
    ...(f.instanceGroup?.length ? { instanceGroups: f.instanceGroup } : {}),
    ...(f.instanceGroupRoles?.length ? { instanceGroupRoles: f.instanceGroupRoles } : {}),
    ...(f.deletions === false ? { deletions: false } : {}),
    lifecycleOverrides: parseLifecycleOverrides(f.lifecycleOverrides),
    ...(f.forceUnlock ? { forceUnlock: f.forceUnlock } : {}),
    ...(saved ? { savedPlan: saved } : {}),
    ...(events ? { events } : {}),
    ...(it ? { signal: it.signal } : {}),
    ...(f.ignoreKubeletVersionSkew ? { ignoreKubeletVersionSkew: true } : {}),
    // The cluster's context in $KUBECONFIG (else ~/.kube/config), read only when node groups could move ahead of it.
    controlPlaneKubelets: kubeconfigKubeletReader({ clusterName: cluster, env: ctx.io.env, ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(it ? { signal: it.signal } : {}) }),
  });
}

/**
 * After `--yes`, kops exports the kubeconfig: a context for the cluster in `$KUBECONFIG` (or
 * ~/.kube/config), with an admin credential only when `--admin` asks for one (or `--user` names
 * one). The apply has succeeded by then, so a failed export is a warning that says how to retry,
 * not a failed command.
 */
async function exportAfterApply(ctx: CommandContext, cluster: string, f: UpdateFlags, toStdout: boolean): Promise<void> {
  if (f.createKubeConfig === false) return;
  const lifetime = await adminLifetime(f.admin);
  const say = (t: string) => (toStdout ? ctx.io.stdout(t) : ctx.io.stderr(t));
  try {
    const { defaultKubeconfigPath, exportKubeconfig } = await import('../../cloudup/kubeconfig.js');
    const r = await exportKubeconfig({
      clientset: ctx.clientset(),
      clusterName: cluster,
      path: defaultKubeconfigPath(ctx.io.env),
      ...(lifetime !== undefined ? { adminLifetimeMs: lifetime } : {}),
      ...(f.user !== undefined ? { user: f.user } : {}),
      ...(f.internal ? { internal: true } : {}),
      aws: { timeouts: ctx.awsTimeouts() },
    });
    say(`kops-ts has set your kubectl context to ${r.context} (${r.server}) in ${r.path}\n`);
    if (r.user === undefined) ctx.warn(`the context has no user: re-run with --admin (or export one with kops-ts export kubeconfig --name ${cluster} --admin) to authenticate`);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    ctx.warn(`the cluster was updated, but its kubeconfig was not exported: ${why}; retry with kops-ts export kubeconfig --name ${cluster} --admin`);
  }
}

/** The plan's diagnostics, then each warning not among them (the same code, path and summary counts once). */
function withWarnings(diagnostics: readonly Diagnostic[], warnings: readonly Diagnostic[]): Diagnostic[] {
  const id = (d: Diagnostic) => `${d.code}\u0000${d.path ?? ''}\u0000${d.summary}`;
  const seen = new Set(diagnostics.map(id));
  return [...diagnostics, ...warnings.filter((w) => !seen.has(id(w)) && seen.add(id(w)))];
}

/**
 * Prints the result (kops's report, or the JSON plan), saves it with `--out`, and returns the exit
 * code. `then` (a manifest's plan, `-f`) ends the report instead of kops's footer when there are
 * changes or a saved plan: how the manifest is written and the plan applied.
 */
export async function report(ctx: CommandContext, cluster: string, f: UpdateFlags, format: string, result: UpdateClusterResult, then?: string): Promise<number> {
  const [{ savedPlanText }, { renderPlanJson, renderPlanText }] = await Promise.all([import('../../cloudup/saved-plan.js'), import('../../cloudup/render/index.js')]);
  if (f.out !== undefined) {
    try {
      writeFileSync(f.out, savedPlanText(result.plan));
    } catch (e) {
      throw cannotSave(f.out, (e as { code?: string }).code ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e)));
    }
  }
  for (const w of result.warnings) ctx.warn(`${w.path ? `${w.path}: ` : ''}${w.summary}`);
  const pending = result.plan.changes.length > 0;
  if (format === 'json') {
    // The document carries every warning stderr shows, the spec's included: a machine may read only stdout.
    ctx.io.stdout(renderPlanJson({ ...result.plan, diagnostics: withWarnings(result.plan.diagnostics, result.warnings) }));
  } else if (!f.yes) {
    // A manifest's plan (`-f`) ends with how it is applied (written first), not "Must specify --yes".
    const footer = then === undefined || (!pending && f.out === undefined);
    ctx.io.stdout(renderPlanText(result.plan, { color: useColor(ctx.io), footer }));
    if (!footer) ctx.io.stdout(`${then}\n`);
    else if (f.out !== undefined) ctx.io.stdout(`\nSaved the plan to ${f.out}; apply exactly this plan with: kops-ts update cluster --name ${cluster} --plan ${f.out} --yes\n`);
  } else {
    ctx.io.stdout(appliedMessage(cluster, result, await cloudOf(ctx, cluster)));
    const published = result.issuerDiscovery?.written ?? [];
    if (published.length > 0) ctx.io.stdout(`Published the service-account issuer's documents (readable by anyone, docs/security.md): ${published.join(', ')}\n`);
  }
  if (f.yes) await exportAfterApply(ctx, cluster, f, format !== 'json');
  if (f.detailedExitcode && !f.yes && pending) return ExitCode.USAGE_OR_CHANGES;
  return ExitCode.OK;
}

/** The stored cluster's cloud (`spec.cloudProvider`), for what is said after an apply. */
async function cloudOf(ctx: CommandContext, cluster: string): Promise<string | undefined> {
  const { cloudProviderOf } = await import('../../model/api/types.js');
  return cloudProviderOf((await ctx.clientset().getCluster(cluster)).object.spec);
}

/**
 * `--out` saves a plan for review, so it cannot be combined with applying one or applying now.
 * `--force-unlock` acts only with `--yes`: without it nothing is changed (kops's rule), and a plan
 * takes no lock, so a stale lock never blocks one.
 */
function checkPlanFlags(ctx: CommandContext, f: UpdateFlags, cluster: string): void {
  if (f.forceUnlock !== undefined && !f.yes) {
    throw new KopsError('InvalidFlag', '--force-unlock without --yes: the lock is broken only by a run that applies', {
      hint: `a plan without --yes takes no lock, so the lock does not block it; to break the lock and apply, run: ${updateCommandLine(ctx, cluster, f)(['--force-unlock', f.forceUnlock, '--yes'])}`,
      exitCode: 2,
    });
  }
  const bad = f.out !== undefined && f.yes ? '--out with --yes' : f.out !== undefined && f.plan !== undefined ? '--out with --plan' : undefined;
  if (bad) {
    throw new KopsError('InvalidFlag', `${bad}: --out saves a plan to review, it does not apply`, {
      hint: 'save with `update cluster --out plan.json`, then apply with `update cluster --plan plan.json --yes`',
      exitCode: 2,
    });
  }
  if (f.out !== undefined) checkOutputFile(f.out, '--out');
}

function cannotSave(out: string, why: string): KopsError {
  return new KopsError('InvalidFlag', `--out ${out}: the plan cannot be saved there: ${why}`, { hint: 'give a file in an existing folder, e.g. --out plan.json', exitCode: 2 });
}

/**
 * What `update cluster --yes` says when it is done. Only what is true and runnable, on either
 * cloud: instances run the kubeadm bootstrap, which needs their group's files in the state store;
 * after a first apply, the admin kubeconfig and `validate cluster`; after a template change, the
 * roll (test/cli/hints.test.ts runs every hint).
 */
export function appliedMessage(cluster: string, r: Pick<UpdateClusterResult, 'plan' | 'firstApply'>, cloud?: string): string {
  if (r.plan.changes.length === 0) return 'No changes need to be applied\n';
  const done = `\n${r.plan.changes.length} change(s) applied to the cloud.\n`;
  if (cloud === 'gce') {
    // GCE: export kubeconfig reads the API load balancer's address, validate and the roll go through the MIGs (docs/gce.md).
    if (r.firstApply) {
      return (
        `${done}\nThe cloud resources of ${cluster} exist now. Their instances' startup script installs containerd and Kubernetes, then runs ` +
        `kubeadm with their group's files read from the state store (igconfig/; a gs:// store only, see docs/gce.md). ` +
        `The first control plane then applies the CNI from pinned references, each download checked against its pinned sha256 (docs/bootstrap.md).\n\nSuggestions:\n` +
        ` * see the plan is empty: kops-ts update cluster --name ${cluster}\n` +
        ` * an admin kubeconfig: kops-ts export kubeconfig --name ${cluster} --admin\n` +
        ` * wait until the nodes have joined: kops-ts validate cluster --name ${cluster} --wait 10m\n` +
        ` * list instance groups: kops-ts get instancegroups --name ${cluster}\n`
      );
    }
    const template = r.plan.changes.some((c) => c.kind === 'InstanceTemplate' && c.action === 'create');
    return `${done}${template ? `\nRunning instances keep the instance template they were created from until they are replaced: see which with kops-ts rolling-update cluster --name ${cluster}\n` : ''}`;
  }
  if (r.firstApply) {
    return (
      `${done}\nThe cloud resources of ${cluster} exist now. Their instances install containerd and Kubernetes, then run ` +
      `kubeadm with their group's files read from the state store (igconfig/; an s3:// store only, see docs/security.md). ` +
      `The first control plane then applies the CNI and the AWS cloud controller from pinned references, each download checked against its pinned sha256 (docs/bootstrap.md).\n\nSuggestions:\n` +
      ` * see the plan is empty: kops-ts update cluster --name ${cluster}\n` +
      ` * an admin kubeconfig: kops-ts export kubeconfig --name ${cluster} --admin\n` +
      ` * wait until the nodes have joined: kops-ts validate cluster --name ${cluster} --wait 10m\n` +
      ` * list instance groups: kops-ts get instancegroups --name ${cluster}\n`
    );
  }
  const roll = r.plan.changes.some((c) => c.kind === 'LaunchTemplate' && c.action !== 'create');
  return `${done}${roll ? `\nRunning instances keep the launch template version they booted with until they are replaced: see which with kops-ts rolling-update cluster --name ${cluster}\n` : ''}`;
}

export function registerUpdateCluster(program: Command, ctx: () => CommandContext, setExit: (code: number) => void): void {
  const update = program.command('update').description('Update a cluster: plan, and with --yes apply');
  update
    .command('cluster [name]')
    .description('Show what would change in the cloud, and with --yes apply it')
    .option('-y, --yes', 'apply the changes')
    .option('-o, --output <format>', 'table (kops\'s report) or json (the plan as one document)', 'table')
    .option('--detailed-exitcode', 'exit 2 when changes are pending, 0 when there are none')
    .option('--instance-group <names>', 'only these instance groups (comma separated)', list)
    .option('--instance-group-roles <roles>', 'only these roles: ControlPlane, Node, Bastion, APIServer', list)
    .option('--lifecycle-overrides <Kind=Lifecycle>', 'override a task kind\'s lifecycle, e.g. SecurityGroup=ExistsAndWarnIfChanges', list)
    .option('--force-unlock <id>', 'break a stale cluster lock with this id first')
    .option('--out <file>', 'save the plan to this file (JSON) for review, to apply later with --plan')
    .option('--plan <file>', 'a plan saved with --out: show it, or with --yes apply it if the spec and the cloud are unchanged')
    .option('-f, --filename <file>', 'plan this manifest (- for standard input) as if replace -f had written it; nothing is written (not with --yes or --plan)')
    .option('--create-kube-config [bool]', 'after --yes, merge a context for the cluster into $KUBECONFIG or ~/.kube/config (default true)', boolFlag('--create-kube-config'))
    .option('--admin [lifetime]', 'with the exported context, an admin client certificate valid this long (default 18h)')
    .option('--user <name>', 'with the exported context, an existing kubeconfig user instead of --admin')
    .option('--internal', "export the API's internal name (api.internal.<cluster>)")
    .option('--ignore-kubelet-version-skew', "render node groups with the spec's Kubernetes version even while the control plane's kubelets run an older one (docs/upgrades.md)")
    .action(async (positional: string | undefined, f: UpdateFlags) => {
      const c = ctx();
      if (f.filename !== undefined) {
        const { runUpdateFromFile } = await import('./update-from-file.js');
        setExit(await runUpdateFromFile(c, positional, { ...f, filename: f.filename }));
        return;
      }
      setExit(await runUpdate(c, c.clusterName(positional), f));
    });
}

/**
 * `kops-ts update cluster` for `cluster` with the flags of this run that select what is applied
 * (`--state` if given, instance groups, roles, lifecycle overrides), for any extra words.
 */
export function updateCommandLine(ctx: CommandContext, cluster: string, f: Pick<UpdateFlags, 'instanceGroup' | 'instanceGroupRoles' | 'lifecycleOverrides'>): CommandLine {
  return commandLine({
    verb: ['update', 'cluster'],
    cluster,
    globals: ctx.globals,
    flags: [...valueFlag('--instance-group', f.instanceGroup), ...valueFlag('--instance-group-roles', f.instanceGroupRoles), ...valueFlag('--lifecycle-overrides', f.lifecycleOverrides)],
  });
}

/**
 * What to run after an interrupted `update cluster --yes`: the same command; with a saved plan
 * interrupted mid-apply, the plan no longer matches the cloud, so a new one is made and reviewed.
 */
export function updateInterrupted(ctx: CommandContext, cluster: string, f: UpdateFlags): InterruptedCommand {
  const plan = f.plan;
  const line = updateCommandLine(ctx, cluster, f);
  if (plan === undefined) return rerunCommand('update cluster', cluster, line);
  return {
    operation: 'update cluster',
    cluster,
    rerun: (stage: InterruptedStage) => {
      if (stage === 'before-apply') return line(['--plan', plan, '--yes']);
      return `${line(['--out', plan])}, then apply it with --plan ${shellWord(plan)} --yes`;
    },
    forceUnlock: (id) => line(['--force-unlock', id, '--plan', plan, '--yes']),
  };
}
