/**
 * `migrate state`'s implementation: the preview (objects and bytes per area, the configBase
 * change, the destination's checks, the commands to run afterwards), or under the source's cluster
 * lock the copy of src/cloudup/migrate-state.ts, with SIGINT/SIGTERM handled as `rotate
 * bootstrap-token`'s (no new write starts, the lock is released, exit 130, the same command
 * finishes). Only paths, counts and sizes are printed: never an object's content.
 */
import { ExitCode, KopsError } from '../../diagnostics.js';
import { migrateState, MigrationStopped, planMigration, type MigrationPlan, type MigrationResult } from '../../cloudup/migrate-state.js';
import { forceUnlock, withClusterLock } from '../../statestore/lock.js';
import { parseStateStoreURL } from '../../statestore/open.js';
import { commandContext, type CommandContext } from '../context.js';
import { commandLine, shellLine, type CommandLine } from '../command-line.js';
import { commandInterrupts } from '../interrupt.js';
import { parseOutputFormat, renderDocument } from '../output.js';
import type { MigrateStateFlags } from './migrate-state.js';

/** The same migration, `--to` before `--state`. */
function migrateLine(c: CommandContext, cluster: string, to: string): CommandLine {
  return commandLine({ verb: ['migrate', 'state'], cluster, target: ['--to', to], globals: c.globals });
}

/**
 * What the user runs at the destination afterwards, only real commands: `update cluster --yes`
 * renders the instances' grants on the store (AWS: the instance roles' S3 statements; GCE: the
 * bucket's IAM bindings) and their bootstrap (the user data's bucket and prefix, the etcd backup
 * helper's target) for the new store; running instances keep the old ones until replaced, which
 * `rolling-update cluster --yes` does (their launch template / instance template changed).
 */
export function followUps(plan: MigrationPlan): { command: string; why: string }[] {
  const at = (words: readonly string[]) => shellLine(['kops-ts', ...words, '--name', plan.cluster, '--state', plan.to]);
  const scheme = parseStateStoreURL(plan.to).scheme;
  if (scheme === 'file' || plan.cloud === undefined) {
    return [{ command: shellLine(['kops-ts', 'get', 'cluster', plan.cluster, '--state', plan.to]), why: 'the cluster is read from the new store (instances cannot read a file:// store: nothing in the cloud refers to it)' }];
  }
  const grants =
    plan.cloud === 'gce'
      ? "the service accounts' IAM bindings on the new bucket (those on the old bucket stay: docs/state-store.md)"
      : "the instance roles' IAM policies naming the new bucket (the old bucket's grants go)";
  return [
    { command: at(['update', 'cluster', '--yes']), why: `renders ${grants}, and the instances' bootstrap (user data / startup script: the store's bucket and prefix, the etcd backup target) for the new store` },
    { command: at(['rolling-update', 'cluster', '--yes']), why: 'replaces the running instances, which keep reading from and backing etcd up to the old store until then' },
  ];
}

function planDoc(plan: MigrationPlan) {
  return {
    cluster: plan.cluster,
    from: plan.from,
    to: plan.to,
    objects: plan.objects,
    bytes: plan.bytes,
    areas: plan.areas,
    ...(plan.configBase ? { configBase: plan.configBase } : {}),
    resuming: plan.resuming,
    ...(plan.backupsLeft > 0 ? { backupsLeft: plan.backupsLeft } : {}),
    checks: plan.checks,
    followUps: followUps(plan),
  };
}

function previewText(plan: MigrationPlan): string {
  const lines = [`Cluster ${plan.cluster}: ${plan.objects} object(s), ${plan.bytes} bytes, from ${plan.from} to ${plan.to}`];
  const width = Math.max(...plan.areas.map((a) => a.area.length));
  for (const a of plan.areas) lines.push(`  ${a.area.padEnd(width)}  ${String(a.objects).padStart(5)} object(s)  ${String(a.bytes).padStart(10)} bytes`);
  lines.push(plan.configBase ? `spec.configBase: ${plan.configBase.from} -> ${plan.configBase.to}` : 'spec.configBase: not set in the stored spec (config copied unchanged)');
  lines.push('Checks:', ...plan.checks.map((c) => `  ${c}`));
  lines.push('With --yes: the source is locked, every object is copied byte for byte (config last), then the source is marked as moved.');
  lines.push('Afterwards:', ...followUps(plan).map((f) => `  ${f.command}\n      ${f.why}`));
  return `${lines.join('\n')}\n`;
}

export async function migrateStateCommand(c: CommandContext, name: string, raw: MigrateStateFlags): Promise<void> {
  const format = parseOutputFormat(raw.output === 'text' ? 'table' : raw.output, ['table', 'yaml', 'json']);
  if (raw.forceUnlock !== undefined && !raw.yes) {
    throw new KopsError('InvalidFlag', '--force-unlock needs --yes', { hint: 'breaking a lock is only useful to copy: add --yes', exitCode: 2 });
  }
  const to = raw.to ?? '';
  const source = c.clientset().store;
  // The destination is opened as --state would open it: its SSE settings (--state-kms-key,
  // KOPS_STATE_GCS_KMS_KEY), region and timeouts apply to its writes like to any other.
  const destination = commandContext(c.io, { ...c.globals, state: to }).clientset().store;
  const input = { source, destination, cluster: name, ...(raw.skipBackups ? { skipBackups: true } : {}) };
  if (!raw.yes) {
    const plan = await planMigration(input);
    c.io.stdout(format === 'table' ? previewText(plan) : await renderDocument(planDoc(plan), format));
    if (format === 'table') c.io.stdout('\nMust specify --yes to copy the state\n');
    return;
  }
  const line = migrateLine(c, name, to);
  const it = commandInterrupts(c.io, 'migrate state', name, line);
  await it.run(c.io.signals, async () => {
    if (raw.forceUnlock) await forceUnlock(source, name, raw.forceUnlock);
    let r: MigrationResult;
    try {
      r = await withClusterLock(
        source,
        name,
        'migrate state',
        (lock) => migrateState({ ...input, signal: AbortSignal.any([it.signal, lock.signal]), progress: () => lock.heartbeat() }),
        it.lockHooks(),
      );
    } catch (e) {
      if (!(e instanceof MigrationStopped)) throw e;
      const why = it.signal.aborted ? `interrupted by ${it.received ?? 'a signal'}` : `copying an object failed (${e.reason instanceof Error ? e.reason.message : String(e.reason)})`;
      throw new KopsError(it.signal.aborted ? 'Interrupted' : 'MigrationIncomplete', `${why}: ${e.message}; the source is unchanged and its lock is released`, {
        hint: `a re-run completes it: ${line(['--yes'])}`,
        exitCode: it.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.ERROR,
        cause: e,
      });
    }
    const doc = { ...planDoc(r), moved: r.marker };
    const text = `Copied ${r.objects} object(s), ${r.bytes} bytes, of cluster ${name} to ${r.to}; ${r.from} marks it as moved.\nNext:\n${followUps(r).map((f) => `  ${f.command}\n      ${f.why}`).join('\n')}\n`;
    c.io.stdout(format === 'table' ? text : await renderDocument(doc, format));
  });
}
