/**
 * `kops-ts update cluster -f <manifest>`: the plan of a manifest as if `replace -f` had written it,
 * for a pull request's job (docs/ci.md). Nothing is written to the store and the cloud is only
 * read. `--out`, `-o json` and `--detailed-exitcode` work as for the stored spec; `--yes` and
 * `--plan` are refused: what is applied is what the store holds, so the manifest is written with
 * `replace -f` and the plan saved from it applied with `--plan <file> --yes`.
 */
import { KopsError } from '../../diagnostics.js';
import type { CommandContext } from '../context.js';
import { checkOutputFile, readInputFile } from '../input.js';
import { parseOutputFormat } from '../output.js';
import { commandLine, switchFlag } from '../command-line.js';
import { parseLifecycleOverrides, report, updateCommandLine, type UpdateFlags } from './update-cluster.js';

/** `kops-ts replace -f <file>` (with `--force` when it must create something), `--state` if given. */
function replaceLine(ctx: CommandContext, file: string, force: boolean): string {
  return commandLine({ verb: ['replace'], target: ['-f', file, ...switchFlag('--force', force)], globals: ctx.globals })([]);
}

/** `--yes`, `--plan` and `--force-unlock` have no meaning with `-f`: refused before anything is read (exit 2). */
function refuse(ctx: CommandContext, file: string, cluster: string | undefined, f: UpdateFlags): void {
  const name = cluster ?? '<cluster>';
  const flow = `plan it with ${updateCommandLine(ctx, name, f)(['-f', file, '--out', 'plan.json'])}; once reviewed, write it with ${replaceLine(ctx, file, false)} (add --force for new objects) and apply with ${updateCommandLine(ctx, name, f)(['--plan', 'plan.json', '--yes'])}`;
  if (f.yes) {
    throw new KopsError('InvalidFlag', '-f with --yes: a manifest is planned, never applied from the file: what is applied is what the store holds', { hint: flow, exitCode: 2 });
  }
  if (f.forceUnlock !== undefined) {
    throw new KopsError('InvalidFlag', '-f with --force-unlock: a plan takes no lock, so a lock does not block it', { hint: flow, exitCode: 2 });
  }
  if (f.plan !== undefined) {
    throw new KopsError('InvalidFlag', '-f with --plan: a saved plan already says which spec it was made from', { hint: flow, exitCode: 2 });
  }
}

/** Runs `update cluster -f`; returns the exit code (2 = changes pending with --detailed-exitcode). */
export async function runUpdateFromFile(ctx: CommandContext, positional: string | undefined, f: UpdateFlags & { filename: string }): Promise<number> {
  const named = positional ?? ctx.globals.name ?? ctx.io.env.KOPS_CLUSTER_NAME;
  const given = named === undefined ? undefined : ctx.clusterName(positional);
  refuse(ctx, f.filename, given, f);
  const format = parseOutputFormat(f.output, ['table', 'json']);
  if (f.out !== undefined) checkOutputFile(f.out, '--out');
  const text = readInputFile(ctx, f.filename, '-f');
  const { planManifest } = await import('../../cloudup/plan-manifest.js');
  const { kubeconfigKubeletReader } = await import('../../cloudup/node-version.js');
  const result = await planManifest({
    clientset: ctx.clientset(),
    manifest: { text, file: f.filename },
    ...(given !== undefined ? { clusterName: given } : {}),
    aws: { timeouts: ctx.awsTimeouts() },
    ...(f.instanceGroup?.length ? { instanceGroups: f.instanceGroup } : {}),
    ...(f.instanceGroupRoles?.length ? { instanceGroupRoles: f.instanceGroupRoles } : {}),
    lifecycleOverrides: parseLifecycleOverrides(f.lifecycleOverrides),
    ...(f.ignoreKubeletVersionSkew ? { ignoreKubeletVersionSkew: true } : {}),
    // The cluster's context in $KUBECONFIG (else ~/.kube/config), read only when node groups could move ahead of it.
    controlPlaneKubeletsOf: (clusterName) => kubeconfigKubeletReader({ clusterName, env: ctx.io.env, ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}) }),
  });
  const cluster = result.clusterName;
  const force = result.creates.length > 0;
  const write = `${replaceLine(ctx, f.filename, force)}${force ? ` (it creates ${result.creates.join(', ')})` : ''}`;
  const then =
    f.out === undefined
      ? `\nNothing was written. To apply: write the manifest with ${write}, then run ${updateCommandLine(ctx, cluster, f)(['--yes'])} (or save this plan with --out and apply it with --plan <file> --yes)`
      : `\nSaved the plan to ${f.out}; write the manifest with ${write}, then apply exactly this plan with ${updateCommandLine(ctx, cluster, f)(['--plan', f.out, '--yes'])}`;
  return report(ctx, cluster, f, format, result, then);
}
